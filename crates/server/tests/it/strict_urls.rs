//! Strict URLs per merchant: off, local HTTP receivers work; on, each API
//! refuses what the real one would, naming the field, and other merchants
//! are not affected.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    checkout::{checkout_request, session_body},
    common::{create_body, TestApp},
    ecom,
    psp::PspTest,
};

async fn set_strict(app: &TestApp, msn: &str, on: bool) -> Value {
    let r = app
        .client
        .post(app.url(&format!("/sandbox/v1/merchants/{msn}/settings")))
        .json(&json!({"strictUrls": on}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn strict_urls_refuse_what_the_real_apis_refuse_in_each_apis_format() {
    let app = TestApp::spawn().await;
    let other = app.new_merchant("Lenient Shop").await;
    assert_eq!(
        set_strict(&app, &app.merchant.msn, true).await["strictUrls"],
        true
    );

    // ePayment: a localhost return URL.
    let mut body = create_body("strict-ref-01", 1000);
    body["returnUrl"] = json!("http://localhost:3000/return");
    let r = app
        .post("/epayment/v1/payments", "strict-1", body.clone())
        .await;
    let problem = crate::common::problem(r, 400).await;
    assert_eq!(problem["extraDetails"][0]["name"], "returnUrl");
    // The same is fine for a merchant without strict URLs.
    let r = app
        .as_merchant(&other, Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "strict-2")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // Webhooks: plain HTTP to this machine.
    let r = app
        .api(Method::POST, "/webhooks/v1/webhooks")
        .await
        .json(
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["epayments.payment.created.v1"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("https"));

    // eCom: an HTTP callback prefix.
    let r = app
        .api(Method::POST, "/ecomm/v2/payments")
        .await
        .json(&ecom::initiate_body(
            &app,
            "strict-eco-1",
            1000,
            "http://127.0.0.1:9/cb",
        ))
        .send()
        .await
        .unwrap();
    let e = ecom::ecom_error(r, 400, "InvalidRequest", "callbackPrefix").await;
    assert!(e["errorMessage"].as_str().unwrap().contains("https"));

    // Checkout: an HTTP callback URL.
    let r = checkout_request(&app, &app.merchant, Method::POST, "/checkout/v3/session")
        .json(&session_body("strict-chk-1", 1000, "http://127.0.0.1:9/cb"))
        .send()
        .await
        .unwrap();
    crate::checkout::checkout_problem(r, 400, Some("merchantInfo.callbackUrl")).await;

    // Turned off, the same session is accepted.
    assert_eq!(
        set_strict(&app, &app.merchant.msn, false).await["strictUrls"],
        false
    );
    let r = checkout_request(&app, &app.merchant, Method::POST, "/checkout/v3/session")
        .json(&session_body("strict-chk-1", 1000, "http://127.0.0.1:9/cb"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The console's form sets it too.
    let r = app
        .client
        .post(app.url(&format!("/console/merchants/{}/settings", app.merchant.msn)))
        .form(&[("strict_urls", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        set_strict(&app, &app.merchant.msn, true).await["strictUrls"],
        true
    );
}

#[tokio::test]
async fn a_strict_psp_merchant_needs_an_https_make_payment_url() {
    let t = PspTest::start().await;
    set_strict(&t.app, &t.app.merchant.msn, true).await;
    let r = t.init_with(t.init_body("strict-psp-1", 1000)).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body.to_string().contains("makePaymentUrl"), "{body}");
}
