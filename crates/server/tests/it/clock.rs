//! Each merchant's own clock: one merchant's time travel expires its own
//! payments and tokens and leaves another merchant's alone; the global
//! clock still moves everyone.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{create_body, TestApp};

async fn advance_merchant(app: &TestApp, msn: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/sandbox/v1/merchants/{msn}/clock/advance")))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn one_merchants_time_travel_expires_its_payments_and_tokens_only() {
    let app = TestApp::spawn().await;
    let a = app.merchant.clone();
    let b = app.new_merchant("Shop B").await;
    let token_a = app.token_for(&a).await;
    let token_b = app.token_for(&b).await;
    let create = |m: &vipps_store::merchants::NewCredentials, token: &str, reference: &str| {
        app.client
            .post(app.url("/epayment/v1/payments"))
            .bearer_auth(token)
            .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
            .header("Merchant-Serial-Number", &m.msn)
            .header("Idempotency-Key", format!("create-{reference}"))
            .json(&create_body(reference, 1000))
            .send()
    };
    assert_eq!(
        create(&a, &token_a, "clock-a-1").await.unwrap().status(),
        201
    );
    assert_eq!(
        create(&b, &token_b, "clock-b-1").await.unwrap().status(),
        201
    );

    // Two hours on A's clock: past A's payer window and A's token.
    let r = advance_merchant(&app, &a.msn, json!({"seconds": 7200})).await;
    assert_eq!(r.status(), 200);
    let clock: Value = r.json().await.unwrap();
    assert_eq!(clock["merchantOffsetMs"], 7_200_000);
    assert_eq!(clock["offsetMs"], 0);

    let read = |m: &vipps_store::merchants::NewCredentials, token: &str, reference: &str| {
        app.client
            .get(app.url(&format!("/epayment/v1/payments/{reference}")))
            .bearer_auth(token)
            .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
            .header("Merchant-Serial-Number", &m.msn)
            .send()
    };
    // A's old token expired on A's clock; a new one reads the expired payment.
    assert_eq!(read(&a, &token_a, "clock-a-1").await.unwrap().status(), 401);
    let fresh_a = app.token_for(&a).await;
    let paid_a: Value = read(&a, &fresh_a, "clock-a-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid_a["state"], "EXPIRED", "{paid_a}");
    // B's token and payment are untouched.
    let r = read(&b, &token_b, "clock-b-1").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "CREATED");

    // Its event log ends in EXPIRED.
    let events: Vec<Value> = app
        .client
        .get(app.url("/epayment/v1/payments/clock-a-1/events"))
        .bearer_auth(&fresh_a)
        .header("Ocp-Apim-Subscription-Key", &a.subscription_key)
        .header("Merchant-Serial-Number", &a.msn)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(events.last().unwrap()["name"], "EXPIRED");

    // The global clock still moves everyone.
    app.advance_clock(7200).await;
    let fresh_b = app.token_for(&b).await;
    let r = read(&b, &fresh_b, "clock-b-1").await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "EXPIRED");
    let clock: Value = app
        .client
        .get(app.url(&format!("/sandbox/v1/merchants/{}/clock", a.msn)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offsetMs"], 7_200_000);
    assert_eq!(clock["merchantOffsetMs"], 7_200_000);
}

#[tokio::test]
async fn a_merchant_clock_needs_a_known_merchant_and_whole_seconds() {
    let app = TestApp::spawn().await;
    let r = advance_merchant(&app, "999999", json!({"seconds": 60})).await;
    crate::common::problem(r, 404).await;
    let r = advance_merchant(&app, &app.merchant.msn, json!({"seconds": -5})).await;
    let body = crate::common::problem(r, 400).await;
    assert_eq!(body["extraDetails"][0]["name"], "seconds");
    let r = advance_merchant(&app, &app.merchant.msn, json!({"minutes": 5})).await;
    crate::common::problem(r, 400).await;
    let r = app
        .api(Method::GET, "/epayment/v1/payments/nothing-here")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
