//! makePayment as the PSP sees it: the token, every answer, 3-D Secure,
//! hangs and garbage, the payer who rejects or never acts.

use serde_json::{json, Value};

use super::*;

#[tokio::test]
async fn reserve_capture_refund_with_the_token_sent_to_the_psp() {
    let t = PspTest::start().await;
    let token = t.init("tx-flow-1", 10_000).await;
    // Before approval: no summary, empty log.
    let d = t.details("tx-flow-1").await;
    assert!(d.get("transactionSummary").is_none());
    assert_eq!(log_of(&d), Vec::<String>::new());

    // The app shows the card the amount stands for.
    let app_page = t
        .app
        .client
        .get(
            t.app
                .url(&format!("/app/pay?token={token}&phone=4712345678")),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        app_page.contains("Paying with Visa •••• 3500, expires 05/25"),
        "{app_page}"
    );
    assert_eq!(t.force_approve("tx-flow-1", &token).await.status(), 200);
    let calls = t.make_payments();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.header("authorization"), "psp-secret-token");
    let body = call.json();
    assert_eq!(body["pspTransactionId"], "tx-flow-1");
    assert_eq!(body["merchantSerialNumber"], t.app.merchant.msn.as_str());
    assert_eq!(body["paymentState"], "ACCEPTED");
    assert_eq!(body["paymentInstrument"], "TOKEN");
    assert_eq!(body["binNumber"], "489537");
    let nt = &body["networkToken"];
    assert_eq!(nt["number"], "4895370013193500");
    assert_eq!(nt["tokenType"], "VISA");
    assert_eq!(nt["eci"], "07");
    assert_eq!(
        (nt["expiryMonth"].as_str(), nt["expiryYear"].as_str()),
        (Some("05"), Some("2025"))
    );
    let ops: Vec<&str> = body["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["3dssuccess", "3dscancel", "3dsfailure"]);

    let d = t.details("tx-flow-1").await;
    assert_eq!(log_of(&d), ["RESERVED:true"]);
    // The call is inspected like every outgoing call, with the PSP's answer.
    let listed = t.app.deliveries().await;
    let made = listed
        .iter()
        .find(|d| d["kind"] == "psp_make_payment")
        .expect("the makePayment call is listed");
    assert_eq!(made["status"], "delivered", "{made}");
    assert!(
        made["attempts"][0]["response"]
            .as_str()
            .unwrap()
            .contains("OK"),
        "{made}"
    );
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 10_000);

    let r = t
        .update(json!([report("tx-flow-1", "CAPTURED", 6_000)]))
        .await;
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["responseInfo"]["responseCode"], "9000");
    assert_eq!(answer["responseInfo"]["responseMessage"], "SUCCESS");
    t.update(json!([report("tx-flow-1", "REFUNDED", 2_000)]))
        .await;
    let d = t.details("tx-flow-1").await;
    assert_eq!(
        log_of(&d),
        ["REFUNDED:true", "CAPTURED:true", "RESERVED:true"]
    );
    let s = &d["transactionSummary"];
    assert_eq!(s["capturedAmount"], 6_000);
    assert_eq!(s["remainingAmountToCapture"], 4_000);
    assert_eq!(s["refundedAmount"], 2_000);
    assert_eq!(s["remainingAmountToRefund"], 4_000);
    assert!(d["transactionLogHistory"][0]["timeStamp"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
}

#[tokio::test]
async fn a_cancel_reported_by_updatestatus_ends_what_is_left_to_capture() {
    let t = PspTest::start().await;
    let token = t.init("tx-cancel-1", 5_000).await;
    assert_eq!(t.force_approve("tx-cancel-1", &token).await.status(), 200);
    let r = t
        .update(json!([report("tx-cancel-1", "CANCELLED", 5_000)]))
        .await;
    assert_eq!(r.status(), 200);
    let d = t.details("tx-cancel-1").await;
    assert_eq!(log_of(&d), ["CANCELLED:true", "RESERVED:true"]);
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 0);
    assert_eq!(d["transactionSummary"]["capturedAmount"], 0);
}

#[tokio::test]
async fn a_fail_answer_fails_the_payment_and_the_payer_sees_the_psps_text() {
    let t = PspTest::start().await;
    t.endpoint
        .answer_json(&fail_answer("89", "Insufficient funds"));
    let token = t.init("tx-fail-1", 1_000).await;
    let e = errors(t.force_approve("tx-fail-1", &token).await, 400).await;
    assert!(e["errorMessage"]
        .as_str()
        .unwrap()
        .contains("Insufficient funds"));
    assert_eq!(log_of(&t.details("tx-fail-1").await), ["RESERVED:false"]);
    // The payer's page says what the PSP said.
    let page = t
        .app
        .client
        .get(
            t.app
                .url(&format!("/app/pay?token={token}&phone=4712345678")),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Insufficient funds"), "{page}");
}

#[tokio::test]
async fn a_soft_decline_sends_the_payer_to_3ds_and_success_sends_make_payment_again() {
    let t = PspTest::start().await;
    let three_ds = format!("{}/3ds-page", t.endpoint.base);
    t.endpoint.answer_json(&json!({
        "paymentInfo": {"pspTransactionId": "tx-3ds-1", "status": "SOFT_DECLINE", "url3dSecure": three_ds},
        "errorMessage": {"errorId": "1036", "errorText": "Soft Decline"}
    }));
    let token = t.init("tx-3ds-1", 1_000).await;
    // The payer approves on the page: off to the PSP's 3-D Secure page.
    let r = t
        .app
        .client
        .post(t.app.url("/app/approve"))
        .form(&[("token", token.as_str()), ("phone", "4712345678")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], three_ds.as_str());
    assert_eq!(log_of(&t.details("tx-3ds-1").await), Vec::<String>::new());

    // The PSP's page ends by sending the payer to the 3dssuccess URL.
    let first = t.make_payments()[0].json();
    let success = first["operations"][0]["url"].as_str().unwrap().to_owned();
    t.endpoint.answer_json(&ok_answer());
    let r = t
        .app
        .client
        .get(format!("{success}&responsecode=OK"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "https://psp.example/return?tx=1");
    let calls = t.make_payments();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].json()["paymentState"], "ACCEPTED");
    assert_eq!(log_of(&t.details("tx-3ds-1").await), ["RESERVED:true"]);
}

#[tokio::test]
async fn a_cancelled_3ds_or_a_second_soft_decline_fails_the_payment() {
    let t = PspTest::start().await;
    let soft = json!({"paymentInfo": {"status": "SOFT_DECLINE",
        "url3dSecure": format!("{}/3ds-page", t.endpoint.base)}});
    t.endpoint.answer_json(&soft);

    // 3dscancel: no second makePayment; the payer sees the failure.
    let token = t.init("tx-3ds-2", 1_000).await;
    assert_eq!(t.force_approve("tx-3ds-2", &token).await.status(), 200);
    let cancel = t.make_payments()[0].json()["operations"][1]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(cancel.ends_with("operation=3dscancel"));
    let r = t.app.client.get(&cancel).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Payment failed"));
    assert_eq!(t.make_payments().len(), 1);
    assert_eq!(log_of(&t.details("tx-3ds-2").await), ["RESERVED:false"]);

    // Soft decline again after 3-D Secure: failed.
    let token = t.init("tx-3ds-3", 1_000).await;
    assert_eq!(t.force_approve("tx-3ds-3", &token).await.status(), 200);
    let success = t.make_payments()[1].json()["operations"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t
        .app
        .client
        .get(format!("{success}&responsecode=OK"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(t.make_payments().len(), 3);
    assert_eq!(log_of(&t.details("tx-3ds-3").await), ["RESERVED:false"]);
    // The 3-D Secure URL cannot be used twice.
    let r = t
        .app
        .client
        .get(format!("{success}&responsecode=OK"))
        .send()
        .await
        .unwrap();
    assert_eq!(t.make_payments().len(), 3);
    assert!(r.status().is_success() || r.status().is_client_error());
}

/// How a test sets the PSP's endpoint up to answer.
type SetUp = Box<dyn Fn(&Receiver)>;

#[tokio::test]
async fn garbage_answers_fail_the_payment() {
    let t = PspTest::start().await;
    let cases: [(&str, SetUp); 5] = [
        (
            "g-1",
            Box::new(|r: &Receiver| r.answer_raw("this is not json")),
        ),
        (
            "g-2",
            Box::new(|r: &Receiver| {
                r.answer_json(&ok_answer());
                r.answer(500)
            }),
        ),
        (
            "g-3",
            Box::new(|r: &Receiver| {
                r.answer(200);
                r.answer_json(
                    &json!({"paymentInfo": {"pspTransactionId": "someone-else", "status": "OK"}}),
                )
            }),
        ),
        (
            "g-4",
            Box::new(|r: &Receiver| r.answer_json(&json!({"paymentInfo": {"status": "MAYBE"}}))),
        ),
        (
            "g-5",
            Box::new(|r: &Receiver| r.answer_json(&json!({"hello": "world"}))),
        ),
    ];
    for (id, set_up) in cases {
        set_up(&t.endpoint);
        let token = t.init(id, 1_000).await;
        let e = errors(t.force_approve(id, &token).await, 400).await;
        assert!(
            e["errorMessage"]
                .as_str()
                .unwrap()
                .contains("no usable answer"),
            "{id}: {e}"
        );
        assert_eq!(log_of(&t.details(id).await), ["RESERVED:false"], "{id}");
    }
}

#[tokio::test]
async fn a_psp_that_hangs_past_15_seconds_fails_the_payment() {
    let t = PspTest::start().await;
    t.endpoint.delay(16_000);
    let token = t.init("tx-hang-1", 1_000).await;
    let e = errors(t.force_approve("tx-hang-1", &token).await, 400).await;
    assert!(
        e["errorMessage"].as_str().unwrap().contains("timeout"),
        "{e}"
    );
    assert_eq!(log_of(&t.details("tx-hang-1").await), ["RESERVED:false"]);
}

#[tokio::test]
async fn magic_amounts_send_their_tokens_and_3100_is_not_eligible() {
    let t = PspTest::start().await;
    for (amount, number, year, kind, eci) in [
        (2200, "5226603115488031", "2025", "MASTERCARD", "06"),
        (3200, "4111111111111111", "2030", "VISA", "07"),
        (4200, "4895370013193500", "2030", "VISA", "07"),
        (4300, "5226603115488031", "2030", "MASTERCARD", "06"),
        (4400, "4895370012792682", "2022", "VISA", "07"),
        (5100, "4268270087302871", "2024", "VISA", "07"),
        (5200, "5413330089010442", "2025", "MASTERCARD", "06"),
    ] {
        let id = format!("magic-{amount}");
        let token = t.init(&id, amount).await;
        assert_eq!(t.force_approve(&id, &token).await.status(), 200);
        let body = t.make_payments().last().unwrap().json();
        let nt = &body["networkToken"];
        assert_eq!(nt["number"], number, "{amount}");
        assert_eq!(nt["expiryYear"], year, "{amount}");
        assert_eq!(nt["tokenType"], kind, "{amount}");
        assert_eq!(nt["eci"], eci, "{amount}");
        assert_eq!(body["binNumber"], &number[..6]);
    }
    // 3100: the card is not eligible; the PSP hears USER_CANCEL, without a token.
    let before = t.make_payments().len();
    let token = t.init("magic-3100", 3100).await;
    let e = errors(t.force_approve("magic-3100", &token).await, 400).await;
    assert!(e["errorMessage"].as_str().unwrap().contains("not eligible"));
    let calls = eventually("the USER_CANCEL call", || async {
        let calls = t.make_payments();
        (calls.len() > before).then_some(calls)
    })
    .await;
    let body = calls.last().unwrap().json();
    assert_eq!(body["paymentState"], "USER_CANCEL");
    assert!(body.get("networkToken").is_none());
    assert!(body.get("binNumber").is_none());
}

#[tokio::test]
async fn a_payer_who_rejects_or_never_acts_is_reported_to_the_psp() {
    let t = PspTest::start().await;
    let rejected = t.init("tx-reject-1", 1_000).await;
    let timed_out = t.init("tx-timeout-1", 1_000).await;
    let r = t
        .app
        .client
        .post(t.app.url("/app/reject"))
        .form(&[("token", rejected.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let calls = t.endpoint.wait_for(1).await;
    assert_eq!(calls[0].json()["paymentState"], "USER_CANCEL");
    assert_eq!(calls[0].json()["pspTransactionId"], "tx-reject-1");
    assert_eq!(calls[0].header("authorization"), "psp-secret-token");

    t.app.advance_clock(601).await;
    let calls = t.endpoint.wait_for(2).await;
    assert_eq!(calls[1].json()["paymentState"], "TIMEOUT");
    assert_eq!(calls[1].json()["pspTransactionId"], "tx-timeout-1");
    // Neither can be approved any more.
    let e = errors(t.force_approve("tx-timeout-1", &timed_out).await, 400).await;
    assert!(
        e["errorMessage"].as_str().unwrap().contains("EXPIRED"),
        "{e}"
    );
}

#[tokio::test]
async fn two_approvals_racing_send_one_make_payment() {
    let t = PspTest::start().await;
    // A slow PSP keeps the first call open while the second approval arrives.
    t.endpoint.delay(300);
    let token = t.init("tx-race-1", 1_000).await;
    let (a, b) = tokio::join!(
        t.force_approve("tx-race-1", &token),
        t.force_approve("tx-race-1", &token)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 400]);
    assert_eq!(t.make_payments().len(), 1);
    assert_eq!(log_of(&t.details("tx-race-1").await), ["RESERVED:true"]);
}
