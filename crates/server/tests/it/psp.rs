//! PSP API v3 over real HTTP, with a real PSP endpoint (a local receiver)
//! answering makePayment each way the PSP API guide describes.

use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use vipps_store::psps::NewPspCredentials;

use crate::{
    common::{eventually, TestApp},
    receiver::{Received, Receiver},
};

const PSP_ID: &str = "C948DFD1546347568874C4DDC93A2E3C";

/// A token for `psp`'s own keys.
pub async fn psp_token(app: &TestApp, psp: &NewPspCredentials) -> String {
    let r = app
        .client
        .post(app.url("/accesstoken/get"))
        .header("client_id", &psp.client_id)
        .header("client_secret", &psp.client_secret)
        .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A PSP API call as `psp` acting for merchant `msn`.
pub async fn psp_call(
    app: &TestApp,
    psp: &NewPspCredentials,
    msn: &str,
    method: Method,
    path: &str,
) -> RequestBuilder {
    let token = psp_token(app, psp).await;
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
        .header("Psp-Id", &psp.psp_id)
        .header("Merchant-Serial-Number", msn)
}

struct PspTest {
    app: TestApp,
    psp: NewPspCredentials,
    /// The PSP's makePayment endpoint (and its 3-D Secure page).
    endpoint: Receiver,
}

impl PspTest {
    async fn start() -> PspTest {
        let app = TestApp::spawn().await;
        let psp = app
            .db
            .create_psp(
                "Test PSP",
                Some(PSP_ID),
                std::slice::from_ref(&app.merchant.msn),
                app.state.clock.now(),
            )
            .await
            .unwrap();
        let endpoint = Receiver::start().await;
        endpoint.answer_json(&ok_answer());
        PspTest { app, psp, endpoint }
    }

    async fn token(&self, psp: &NewPspCredentials) -> String {
        psp_token(&self.app, psp).await
    }

    /// A call as `psp` for merchant `msn`.
    async fn call_as(
        &self,
        psp: &NewPspCredentials,
        msn: &str,
        method: Method,
        path: &str,
    ) -> RequestBuilder {
        psp_call(&self.app, psp, msn, method, path).await
    }

    async fn call(&self, method: Method, path: &str) -> RequestBuilder {
        self.call_as(&self.psp, &self.app.merchant.msn, method, path)
            .await
    }

    fn init_body(&self, id: &str, amount: i64) -> Value {
        json!({
            "pspTransactionId": id,
            "merchantOrderId": format!("order-{id}"),
            "amount": amount,
            "currency": "NOK",
            "pspRedirectUrl": "https://psp.example/return?tx=1",
            "makePaymentUrl": format!("{}/makepayment", self.endpoint.base),
            "makePaymentToken": "psp-secret-token",
            "paymentText": "One pair of Vipps socks"
        })
    }

    async fn init_with(&self, body: Value) -> Response {
        self.call(Method::POST, "/psp/v3/psppayments/init")
            .await
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Initiates `id` and returns the landing page token.
    async fn init(&self, id: &str, amount: i64) -> String {
        let r = self.init_with(self.init_body(id, amount)).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["pspTransactionId"], id);
        assert_eq!(body["merchantOrderId"], format!("order-{id}"));
        let url = body["vippsRedirectUrl"].as_str().unwrap();
        let prefix = format!("{}/landing?token=", self.app.base);
        assert!(url.starts_with(&prefix), "{url}");
        url[prefix.len()..].to_owned()
    }

    async fn force_approve(&self, id: &str, token: &str) -> Response {
        self.call(
            Method::POST,
            &format!("/psp/v3/integration-test/psppayments/{id}/approve"),
        )
        .await
        .json(&json!({"customerPhoneNumber": "12345678", "token": token}))
        .send()
        .await
        .unwrap()
    }

    async fn details(&self, id: &str) -> Value {
        let r = self
            .call(Method::GET, &format!("/psp/v3/psppayments/{id}/details"))
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn update(&self, transactions: Value) -> Response {
        self.call(Method::POST, "/psp/v3/psppayments/updatestatus")
            .await
            .json(&json!({ "transactions": transactions }))
            .send()
            .await
            .unwrap()
    }

    /// What the sandbox flagged about the PSP's reports.
    async fn flags(&self) -> Value {
        let r = self
            .app
            .client
            .get(self.app.url(&format!("/sandbox/v1/psps/{PSP_ID}/flags")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// The makePayment calls the PSP received so far.
    fn make_payments(&self) -> Vec<Received> {
        self.endpoint
            .received()
            .into_iter()
            .filter(|r| r.path_and_query == "/makepayment")
            .collect()
    }
}

fn ok_answer() -> Value {
    json!({"paymentInfo": {"status": "OK"}})
}

fn fail_answer(id: &str, text: &str) -> Value {
    json!({"paymentInfo": {"status": "FAIL"}, "errorMessage": {"errorId": id, "errorText": text}})
}

fn report(id: &str, status: &str, amount: i64) -> Value {
    json!({"pspTransactionId": id, "status": status, "amount": amount, "currency": "NOK",
           "paymentText": "socks", "operationStatus": "SUCCESS"})
}

/// The log's operations, newest first, as `OP:success`.
pub fn log_of(details: &Value) -> Vec<String> {
    details["transactionLogHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["operation"].as_str().unwrap(),
                e["operationSuccess"]
            )
        })
        .collect()
}

async fn errors(r: Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    let first = &body.as_array().expect("an error array")[0];
    assert!(first["contextId"].is_string());
    first.clone()
}

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
