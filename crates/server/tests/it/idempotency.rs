//! Idempotency and concurrency: docs/reliability.md#idempotency and docs/reliability.md#c1.

use serde_json::{json, Value};

use crate::common::{create_body, problem, TestApp};

#[tokio::test]
async fn a_repeated_request_replays_the_stored_answer_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create("order-idem-001", 1_000).await;
    app.approve("order-idem-001").await;
    let first = app
        .modify("order-idem-001", "capture", "cap-a", 400)
        .await
        .text()
        .await
        .unwrap();
    let second = app
        .modify("order-idem-001", "capture", "cap-a", 400)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(first, second);
    let p = app.payment("order-idem-001").await;
    assert_eq!(p["aggregate"]["capturedAmount"]["value"], 400);
    let captures = app
        .events("order-idem-001")
        .await
        .iter()
        .filter(|e| e["name"] == "CAPTURED")
        .count();
    assert_eq!(captures, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_409() {
    let app = TestApp::spawn().await;
    app.create("order-idem-002", 1_000).await;
    app.approve("order-idem-002").await;
    assert_eq!(
        app.modify("order-idem-002", "capture", "cap-b", 400)
            .await
            .status(),
        200
    );
    let p = problem(
        app.modify("order-idem-002", "capture", "cap-b", 500).await,
        409,
    )
    .await;
    assert_eq!(p["title"], "Idempotency error");
    assert_eq!(
        app.payment("order-idem-002").await["aggregate"]["capturedAmount"]["value"],
        400
    );
}

#[tokio::test]
async fn a_4xx_answer_is_replayed_byte_for_byte() {
    let app = TestApp::spawn().await;
    app.create("order-idem-003", 1_000).await;
    app.approve("order-idem-003").await;
    let first = app
        .modify("order-idem-003", "capture", "cap-c", 5_000)
        .await;
    assert_eq!(first.status(), 400);
    let first = first.text().await.unwrap();
    let second = app
        .modify("order-idem-003", "capture", "cap-c", 5_000)
        .await;
    assert_eq!(second.status(), 400);
    assert_eq!(second.text().await.unwrap(), first, "same traceId and all");
}

#[tokio::test]
async fn create_with_a_taken_reference_and_another_key_is_409() {
    let app = TestApp::spawn().await;
    let body = create_body("order-idem-004", 1_000);
    let first = app.post("/epayment/v1/payments", "k1", body.clone()).await;
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    // Same key: the SDK's retry after a 5xx gets the original answer.
    let again = app.post("/epayment/v1/payments", "k1", body.clone()).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.text().await.unwrap(), first);
    problem(app.post("/epayment/v1/payments", "k2", body).await, 409).await;
}

#[tokio::test]
async fn keys_expire_after_24_hours_on_the_sandbox_clock() {
    let app = TestApp::spawn().await;
    app.create("order-idem-005", 1_000).await;
    app.approve("order-idem-005").await;
    assert_eq!(
        app.modify("order-idem-005", "capture", "cap-d", 100)
            .await
            .status(),
        200
    );
    app.advance_clock(24 * 3600 + 1).await;
    // A new execution, not a replay.
    let r: Value = app
        .modify("order-idem-005", "capture", "cap-d", 100)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["aggregate"]["capturedAmount"]["value"], 200);
}

#[tokio::test]
async fn concurrent_twins_capture_once() {
    let app = TestApp::spawn().await;
    app.create("order-twins-01", 1_000).await;
    app.approve("order-twins-01").await;
    let calls = (0..8).map(|_| app.modify("order-twins-01", "capture", "twin", 300));
    let responses = futures::future::join_all(calls).await;
    let mut bodies = Vec::new();
    for r in responses {
        assert_eq!(r.status(), 200);
        bodies.push(r.text().await.unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(
        app.payment("order-twins-01").await["aggregate"]["capturedAmount"]["value"],
        300
    );
    let captures = app
        .events("order-twins-01")
        .await
        .iter()
        .filter(|e| e["name"] == "CAPTURED")
        .count();
    assert_eq!(captures, 1);
}

#[tokio::test]
async fn parallel_captures_never_exceed_the_authorized_amount() {
    let app = TestApp::spawn().await;
    app.create("order-race-001", 1_000).await;
    app.approve("order-race-001").await;
    let keys: Vec<String> = (0..10).map(|i| format!("race-{i}")).collect();
    let calls = keys
        .iter()
        .map(|k| app.modify("order-race-001", "capture", k, 150));
    let responses = futures::future::join_all(calls).await;
    let ok = responses.iter().filter(|r| r.status() == 200).count();
    assert!(responses
        .iter()
        .all(|r| r.status() == 200 || r.status() == 400));
    assert_eq!(ok, 6, "6 × 150 fit in 1000, the 7th does not");
    let p = app.payment("order-race-001").await;
    assert_eq!(p["aggregate"]["capturedAmount"]["value"], 900);
    let captures = app
        .events("order-race-001")
        .await
        .iter()
        .filter(|e| e["name"] == "CAPTURED")
        .count();
    assert_eq!(captures, 6);
    let _ = json!(null);
}
