//! Merchants over HTTP for test suites: a fresh merchant per test, and its
//! data forgotten afterwards without touching anyone else's.

use reqwest::Method;
use serde_json::{json, Value};
use vipps_store::merchants::NewCredentials;

use crate::{
    common::{create_body, TestApp},
    receiver::Receiver,
};

async fn new_merchant(app: &TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/sandbox/v1/merchants"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_merchant_made_over_http_gets_working_keys() {
    let app = TestApp::spawn().await;
    let r = new_merchant(&app, json!({"name": "CI shop"})).await;
    assert_eq!(r.status(), 201);
    let creds: Value = r.json().await.unwrap();
    for key in [
        "name",
        "msn",
        "client_id",
        "client_secret",
        "subscription_key",
    ] {
        assert!(creds[key].is_string(), "{key}: {creds}");
    }
    let m: NewCredentials = NewCredentials {
        name: creds["name"].as_str().unwrap().into(),
        msn: creds["msn"].as_str().unwrap().into(),
        client_id: creds["client_id"].as_str().unwrap().into(),
        client_secret: creds["client_secret"].as_str().unwrap().into(),
        subscription_key: creds["subscription_key"].as_str().unwrap().into(),
    };
    let r = app
        .as_merchant(&m, Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "k1")
        .json(&create_body("ci-shop-order-1", 1000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let r = new_merchant(&app, json!({"name": "Fixed", "msn": "123456"})).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["msn"], "123456");
    assert_eq!(
        new_merchant(&app, json!({"msn": "123456"})).await.status(),
        409
    );
    assert_eq!(new_merchant(&app, json!({"msn": "12"})).await.status(), 400);
    assert_eq!(new_merchant(&app, json!({"name": ""})).await.status(), 400);
    assert_eq!(
        new_merchant(&app, json!({"colour": "red"})).await.status(),
        400
    );
}

#[tokio::test]
async fn forgetting_a_merchants_data_leaves_its_keys_and_others_alone() {
    let app = TestApp::spawn().await;
    let hooks = Receiver::start().await;
    app.webhook(&hooks.url, &["epayments.payment.created.v1"])
        .await;
    let r = app
        .post(
            "/epayment/v1/payments",
            "f-1",
            create_body("forget-me-1", 1000),
        )
        .await;
    assert_eq!(r.status(), 201);
    hooks.wait_for(1).await;
    let other = app.new_merchant("Other").await;
    let r = app
        .as_merchant(&other, Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "o-1")
        .json(&create_body("keep-me-1", 1000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(!app.deliveries().await.is_empty());

    let r = app
        .client
        .delete(app.url(&format!("/sandbox/v1/merchants/{}/data", app.merchant.msn)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.get("/epayment/v1/payments/forget-me-1").await.status(),
        404
    );
    assert!(app.deliveries().await.is_empty());
    // The same reference can be used again: nothing of it is left.
    let r = app
        .post(
            "/epayment/v1/payments",
            "f-1",
            create_body("forget-me-1", 2000),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .as_merchant(&other, Method::GET, "/epayment/v1/payments/keep-me-1")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .delete(app.url("/sandbox/v1/merchants/999999/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
