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
    // Headers and bodies are kept, credentials replaced.
    assert_eq!(entry["requestHeaders"]["authorization"], "[redacted]");
    assert_eq!(
        entry["requestHeaders"]["ocp-apim-subscription-key"],
        "[redacted]"
    );
    assert_eq!(entry["requestHeaders"]["vipps-system-name"], "acme");
    let sent: Value = serde_json::from_str(entry["requestBody"].as_str().unwrap()).unwrap();
    assert_eq!(sent["reference"], "order-logged-01");
    let answered: Value = serde_json::from_str(entry["responseBody"].as_str().unwrap()).unwrap();
    assert_eq!(answered["reference"], "order-logged-01");
    assert!(entry["id"].as_i64().unwrap() > 0);
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
async fn the_request_log_filters_and_keeps_no_secret_from_bodies() {
    let app = TestApp::spawn().await;
    let token = app.token_for(&app.merchant).await;
    // A webhook registration answers its signing secret; the log must not keep it.
    let r = app
        .api(reqwest::Method::POST, "/webhooks/v1/webhooks")
        .await
        .json(&serde_json::json!({"url": "https://example.com/hook", "events": ["epayments.payment.created.v1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    // A malformed body is shown as sent, with the traceId of its 400.
    let r = app
        .api(reqwest::Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "broken-1")
        .header("Content-Type", "application/json")
        .body("{\"amount\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let trace_id = r.json::<Value>().await.unwrap()["traceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = |query: &'static str| {
        let url = app.url(&format!(
            "/sandbox/v1/requests?msn={}&{query}",
            app.merchant.msn
        ));
        let client = app.client.clone();
        async move {
            let raw = client.get(&url).send().await.unwrap().text().await.unwrap();
            let v: Value = serde_json::from_str(&raw).unwrap();
            (v["requests"].as_array().unwrap().clone(), raw)
        }
    };
    let (failed, _) = eventually("the refused call in the log", || async {
        let (rows, raw) = list("status=4").await;
        (!rows.is_empty()).then_some((rows, raw))
    })
    .await;
    assert!(failed
        .iter()
        .all(|e| e["status"].as_i64().unwrap() / 100 == 4));
    let broken = &failed[0];
    assert_eq!(broken["requestBody"], "{\"amount\": ");
    assert_eq!(broken["traceId"], trace_id.as_str());
    let (hooks, _) = eventually("the webhook registration in the log", || async {
        let (rows, raw) = list("path=/webhooks/").await;
        (!rows.is_empty()).then_some((rows, raw))
    })
    .await;
    assert!(hooks
        .iter()
        .all(|e| e["path"].as_str().unwrap().starts_with("/webhooks/")));
    assert!(hooks[0]["responseBody"]
        .as_str()
        .unwrap()
        .contains("[redacted]"));
    let (_, everything) = list("limit=1000").await;
    assert!(everything.contains("/accesstoken/get"));
    for leaked in [&secret, &token, &app.merchant.client_secret] {
        assert!(
            !everything.contains(leaked.as_str()),
            "a secret reached the log"
        );
    }
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

#[tokio::test]
async fn callback_tokens_in_bodies_never_reach_the_log() {
    let t = crate::psp::PspTest::start().await;
    t.init("log-psp-1", 1000).await;
    let body = crate::checkout::session_body("log-session-1", 1000, "https://shop.example/cb");
    assert_eq!(
        crate::checkout::create_session(&t.app, &body)
            .await
            .status(),
        200
    );
    let url = t.app.url("/sandbox/v1/requests?limit=1000");
    let raw = eventually("both calls in the log", || async {
        let raw = reqwest::get(&url).await.ok()?.text().await.ok()?;
        (raw.contains("/psp/v3/psppayments/init") && raw.contains("/checkout/v3/session"))
            .then_some(raw)
    })
    .await;
    // The PSP's makePaymentToken and the session's callback token.
    assert!(!raw.contains("psp-secret-token"), "{raw}");
    assert!(!raw.contains("session-callback-token-1"), "{raw}");
    assert!(raw.contains("makePaymentUrl"));
}
