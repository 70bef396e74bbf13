//! The request log, the clock and health.

use serde_json::Value;

use crate::common::{create_body, eventually, TestApp};

#[tokio::test]
async fn every_api_request_is_logged_with_its_headers_and_never_its_secrets() {
    let app = TestApp::spawn().await;
    let token = app.token_for(&app.merchant).await;
    let r = app
        .api(reqwest::Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "logged-key")
        .header("Vipps-System-Name", "acme")
        .header("Vipps-System-Version", "3.1.2")
        .header("Vipps-System-Plugin-Name", "acme-webshop")
        .header("Vipps-System-Plugin-Version", "4.5.6")
        .json(&create_body("order-logged-01", 1_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let url = app.url(&format!("/sandbox/v1/requests?msn={}", app.merchant.msn));
    let (entry, raw) = eventually("the request log entry", || async {
        let raw = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&raw).unwrap();
        let entry = v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == "/epayment/v1/payments")
            .cloned();
        entry.map(|e| (e, raw))
    })
    .await;
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["status"], 201);
    assert_eq!(entry["msn"], app.merchant.msn.as_str());
    assert_eq!(entry["systemName"], "acme");
    assert_eq!(entry["systemVersion"], "3.1.2");
    assert_eq!(entry["pluginName"], "acme-webshop");
    assert_eq!(entry["pluginVersion"], "4.5.6");
    assert_eq!(entry["idempotencyKey"], "logged-key");
    assert!(entry["latencyUs"].as_i64().unwrap() > 0);
    // The token call is logged too, but no secret ever is.
    assert!(raw.contains("/accesstoken/get"));
    for secret in [
        &token,
        &app.merchant.client_secret,
        &app.merchant.subscription_key,
    ] {
        assert!(!raw.contains(secret.as_str()));
    }
    // Another merchant's filter does not see these.
    let other = app
        .client
        .get(app.url("/sandbox/v1/requests?msn=999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.json::<Value>().await.unwrap()["requests"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn the_clock_moves_forward_only() {
    let app = TestApp::spawn().await;
    let before: Value = app
        .client
        .get(app.url("/sandbox/v1/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    app.advance_clock(3600).await;
    let after: Value = app
        .client
        .get(app.url("/sandbox/v1/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let moved = after["nowMs"].as_i64().unwrap() - before["nowMs"].as_i64().unwrap();
    assert!((3_600_000..3_660_000).contains(&moved), "{moved}");
    let r = app
        .client
        .post(app.url("/sandbox/v1/clock/advance"))
        .json(&serde_json::json!({"seconds": -5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn health_is_200_while_the_database_answers() {
    let app = TestApp::spawn().await;
    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_request_log_forgets_requests_older_than_seven_days() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/epayment/v1/payments/order-none-01")
            .await
            .status(),
        404
    );
    let url = app.url(&format!("/sandbox/v1/requests?msn={}", app.merchant.msn));
    let count = || async {
        let v: Value = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["requests"].as_array().unwrap().len()
    };
    eventually("the logged request", || async {
        (count().await >= 2).then_some(())
    })
    .await;
    app.advance_clock(6 * 24 * 3600).await;
    assert!(count().await >= 2, "six days old: kept");
    app.advance_clock(24 * 3600 + 1).await;
    assert_eq!(count().await, 0, "older than seven days: gone");
}
