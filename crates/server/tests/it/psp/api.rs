//! The PSP API's own rules: init errors, headers, isolation between PSPs
//! and merchants, status reports (flagged, delayed), skipLandingPage and isApp.

use reqwest::Method;
use serde_json::{json, Value};

use super::*;

#[tokio::test]
async fn init_errors_use_the_documented_codes() {
    let t = PspTest::start().await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut b = t.init_body("tx-err-1", 1_000);
        change(&mut b);
        b
    };
    let cases: [(Value, &str, &str); 5] = [
        (
            with(&|b| b["amount"] = json!(0)),
            "amount",
            "amount.less.than.one",
        ),
        (
            with(&|b| b["currency"] = json!("SEK")),
            "currency",
            "transaction.currency.invalid",
        ),
        (
            with(&|b| b["makePaymentUrl"] = json!("not a url")),
            "makePaymentUrl",
            "makePaymentUrl",
        ),
        (
            with(&|b| b["pspRedirectUrl"] = json!("nope")),
            "51",
            "pspRedirectUrl",
        ),
        (
            with(&|b| b["merchantOrderId"] = json!("bad id!")),
            "51",
            "merchantOrderId",
        ),
    ];
    for (body, code, text) in cases {
        let e = errors(t.init_with(body).await, 400).await;
        assert_eq!(e["errorCode"], code, "{e}");
        assert!(e["errorMessage"].as_str().unwrap().contains(text), "{e}");
    }
    t.init("tx-err-1", 1_000).await;
    let e = errors(t.init_with(t.init_body("tx-err-1", 1_000)).await, 400).await;
    assert_eq!(e["errorCode"], "44");
    let mut same_order = t.init_body("tx-err-2", 1_000);
    same_order["merchantOrderId"] = json!("order-tx-err-1");
    let e = errors(t.init_with(same_order).await, 400).await;
    assert_eq!(e["errorCode"], "99");
    // Malformed JSON and a wrong type: the error array, never a 500.
    let r = t
        .call(Method::POST, "/psp/v3/psppayments/init")
        .await
        .header("content-type", "application/json")
        .body("{\"amount\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(errors(r, 400).await["errorCode"], "51");
    let e = errors(
        t.init_with(with(&|b| b["amount"] = json!("ten"))).await,
        400,
    )
    .await;
    assert_eq!(e["errorCode"], "51");
    // An unknown route under /psp/ answers in the same format.
    let r = t
        .call(Method::GET, "/psp/v3/nothing-here")
        .await
        .send()
        .await
        .unwrap();
    errors(r, 404).await;
}

#[tokio::test]
async fn headers_name_a_psp_and_a_merchant_it_serves() {
    let t = PspTest::start().await;
    let other = t.app.new_merchant("Not served").await;
    let r = t
        .call_as(&t.psp, &other.msn, Method::POST, "/psp/v3/psppayments/init")
        .await
        .json(&t.init_body("tx-h-1", 1_000))
        .send()
        .await
        .unwrap();
    let e = errors(r, 400).await;
    assert_eq!(e["errorCode"], "21");
    assert!(e["errorMessage"].as_str().unwrap().starts_with(&format!(
        "Invalid MSN: {}. This MSN is not valid for the provided PSP ID.",
        other.msn
    )));
    // Without Psp-Id, or with another PSP's id.
    let token = t.token(&t.psp).await;
    let bare = || {
        t.app
            .client
            .post(t.app.url("/psp/v3/psppayments/init"))
            .bearer_auth(&token)
            .header("Ocp-Apim-Subscription-Key", &t.psp.subscription_key)
            .header("Merchant-Serial-Number", &t.app.merchant.msn)
            .json(&t.init_body("tx-h-2", 1_000))
    };
    assert_eq!(
        errors(bare().send().await.unwrap(), 400).await["errorCode"],
        "51"
    );
    let r = bare().header("Psp-Id", "0000").send().await.unwrap();
    assert_eq!(errors(r, 400).await["errorCode"], "51");
    // A merchant's token is not a PSP's.
    let merchant_token = t.app.token_for(&t.app.merchant).await;
    let r = t
        .app
        .client
        .post(t.app.url("/psp/v3/psppayments/init"))
        .bearer_auth(merchant_token)
        .header(
            "Ocp-Apim-Subscription-Key",
            &t.app.merchant.subscription_key,
        )
        .header("Psp-Id", PSP_ID)
        .header("Merchant-Serial-Number", &t.app.merchant.msn)
        .json(&t.init_body("tx-h-3", 1_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn psps_and_merchants_of_one_psp_are_isolated() {
    let t = PspTest::start().await;
    let second_merchant = t.app.new_merchant("Second shop").await;
    t.app
        .db
        .link_psp(PSP_ID, &second_merchant.msn)
        .await
        .unwrap();
    let other_psp = t
        .app
        .db
        .create_psp(
            "Other PSP",
            None,
            std::slice::from_ref(&t.app.merchant.msn),
            t.app.state.clock.now(),
        )
        .await
        .unwrap();
    t.init("tx-iso-1", 1_000).await;

    // The same PSP for another merchant: unknown.
    let r = t
        .call_as(
            &t.psp,
            &second_merchant.msn,
            Method::GET,
            "/psp/v3/psppayments/tx-iso-1/details",
        )
        .await
        .send()
        .await
        .unwrap();
    errors(r, 404).await;
    // Another PSP for the same merchant: unknown, and its own id space.
    let r = t
        .call_as(
            &other_psp,
            &t.app.merchant.msn,
            Method::GET,
            "/psp/v3/psppayments/tx-iso-1/details",
        )
        .await
        .send()
        .await
        .unwrap();
    errors(r, 404).await;
    // A report through another merchant does not touch the payment.
    let r = t
        .call_as(
            &t.psp,
            &second_merchant.msn,
            Method::POST,
            "/psp/v3/psppayments/updatestatus",
        )
        .await
        .json(&json!({"transactions": [report("tx-iso-1", "CAPTURED", 1_000)]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(log_of(&t.details("tx-iso-1").await), Vec::<String>::new());
    let flags = t.flags().await;
    assert_eq!(
        flags["unknownTransactions"][0]["pspTransactionId"],
        "tx-iso-1"
    );
    assert_eq!(
        flags["unknownTransactions"][0]["msn"],
        second_merchant.msn.as_str()
    );
}

#[tokio::test]
async fn unknown_ids_and_impossible_amounts_are_accepted_and_flagged() {
    let t = PspTest::start().await;
    let token = t.init("tx-flag-1", 1_000).await;
    assert_eq!(t.force_approve("tx-flag-1", &token).await.status(), 200);
    let r = t
        .update(json!([
            report("tx-flag-1", "CAPTURED", 5_000),
            report("never-initiated", "CAPTURED", 100)
        ]))
        .await;
    assert_eq!(r.status(), 200);
    let flags = t.flags().await;
    assert_eq!(
        flags["unknownTransactions"][0]["pspTransactionId"],
        "never-initiated"
    );
    let flagged = &flags["flaggedPayments"][0];
    assert_eq!(flagged["pspTransactionId"], "tx-flag-1");
    assert!(flagged["flags"][0]["message"]
        .as_str()
        .unwrap()
        .contains("5000"));
    // A report that is not well-formed is refused whole.
    let r = t
        .update(json!([{"pspTransactionId": "tx-flag-1", "status": "SHIPPED", "amount": 1}]))
        .await;
    assert_eq!(errors(r, 400).await["errorCode"], "51");
}

#[tokio::test]
async fn a_psps_status_delay_holds_reports_until_due() {
    let t = PspTest::start().await;
    let r = t
        .app
        .client
        .post(t.app.url(&format!("/sandbox/v1/psps/{PSP_ID}/settings")))
        .json(&json!({"statusDelaySeconds": 3600}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = t.init("tx-delay-1", 1_000).await;
    assert_eq!(t.force_approve("tx-delay-1", &token).await.status(), 200);
    assert_eq!(
        t.update(json!([report("tx-delay-1", "CAPTURED", 1_000)]))
            .await
            .status(),
        200
    );
    assert_eq!(log_of(&t.details("tx-delay-1").await), ["RESERVED:true"]);
    t.app.advance_clock(3601).await;
    let d = t.details("tx-delay-1").await;
    assert_eq!(log_of(&d), ["CAPTURED:true", "RESERVED:true"]);
    assert_eq!(d["transactionSummary"]["capturedAmount"], 1_000);
}

#[tokio::test]
async fn skip_landing_page_puts_the_payment_in_the_phones_inbox_and_is_app_gives_a_deeplink() {
    let t = PspTest::start().await;
    let mut body = t.init_body("tx-skip-1", 1_000);
    body["customerMobileNumber"] = json!("91234567");
    body["skipLandingPage"] = json!(true);
    assert_eq!(t.init_with(body).await.status(), 200);
    let inbox = t
        .app
        .client
        .get(t.app.url("/app?phone=4791234567"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("One pair of Vipps socks"), "{inbox}");

    let mut body = t.init_body("tx-app-1", 1_000);
    body["isApp"] = json!(true);
    body["pspRedirectUrl"] = json!("myshop://done");
    let r: Value = t.init_with(body).await.json().await.unwrap();
    assert!(r["vippsRedirectUrl"]
        .as_str()
        .unwrap()
        .starts_with("vippsMT://?token="));
}
