//! The delivery engine (docs/reliability.md#deliveries): retries on the sandbox clock,
//! order per payment, what counts as success, isolation from slow receivers,
//! fault injection and the inspection API.

use std::time::Duration;

use serde_json::{json, Value};
use vipps_delivery::{schedule::webhook_offsets, DeliveryConfig};
use vipps_server::Config;

use crate::{
    common::{eventually, TestApp},
    receiver::Receiver,
    webhooks::ALL_EVENTS,
};

const CREATED: &str = "epayments.payment.created.v1";

/// Waits until the delivery of `event_type` has `n` attempts. The listing
/// reads a row and then its attempts, so it waits for a view in which the
/// row already reflects its latest attempt.
async fn attempts_of(app: &TestApp, event_type: &str, n: usize) -> Value {
    eventually(&format!("{n} attempts of {event_type}"), || async {
        app.deliveries().await.into_iter().find(|d| {
            let attempts = d["attempts"].as_array().unwrap();
            let consistent = attempts.last().is_some_and(|a| {
                d["status"] != "pending" || a["nextAttemptAt"] == d["nextAttemptAt"]
            });
            d["eventType"] == event_type && attempts.len() >= n && consistent
        })
    })
    .await
}

#[tokio::test]
async fn failed_deliveries_are_retried_on_the_documented_schedule_until_they_fail_for_good() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    rx.answer(500);
    app.webhook(&rx.url, &[CREATED]).await;
    app.create("order-retry-0001", 1_000).await;

    let d = attempts_of(&app, CREATED, 1).await;
    let t0 = d["firstDueAt"].as_i64().unwrap();
    let offsets = webhook_offsets();
    assert_eq!(d["attempts"][0]["statusCode"], 500);
    assert_eq!(d["attempts"][0]["errorKind"], "status");
    assert_eq!(d["nextAttemptAt"], t0 + offsets[1]);

    // Nothing more happens until the clock reaches the next offset.
    app.advance_clock(4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.received().len(), 1);
    app.advance_clock(1).await;
    let d = attempts_of(&app, CREATED, 2).await;
    assert_eq!(d["nextAttemptAt"], t0 + offsets[2]);
    app.advance_clock(300).await;
    let d = attempts_of(&app, CREATED, 3).await;
    assert_eq!(d["nextAttemptAt"], t0 + offsets[3]);
    assert_eq!(d["status"], "pending");

    // Seven days later every remaining attempt has been made, then it failed.
    app.advance_clock(7 * 24 * 3600).await;
    let d = eventually("the delivery to fail", || async {
        app.deliveries()
            .await
            .into_iter()
            .find(|d| d["status"] == "failed")
    })
    .await;
    assert_eq!(d["attempts"].as_array().unwrap().len(), offsets.len());
    assert_eq!(rx.received().len(), offsets.len());
    assert!(d["attempts"].as_array().unwrap().last().unwrap()["nextAttemptAt"].is_null());
    // A failed delivery is never sent again on its own.
    app.advance_clock(30 * 24 * 3600).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.received().len(), offsets.len());
}

#[tokio::test]
async fn a_failing_event_holds_back_that_payments_later_events_but_not_other_payments() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    rx.fail_bodies_containing("order-held-0001");
    app.webhook(&rx.url, &ALL_EVENTS).await;
    app.create("order-held-0001", 1_000).await;
    app.approve("order-held-0001").await;
    assert_eq!(
        app.modify("order-held-0001", "capture", "c", 1_000)
            .await
            .status(),
        200
    );
    app.create("order-free-0001", 1_000).await;
    app.approve("order-free-0001").await;

    // The other payment's events all arrive, in order.
    let free = eventually("the other payment's events", || async {
        let names: Vec<String> = rx
            .received()
            .iter()
            .map(|r| r.json())
            .filter(|v| v["reference"] == "order-free-0001")
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect();
        (names.len() == 2).then_some(names)
    })
    .await;
    assert_eq!(free, ["CREATED", "AUTHORIZED"]);
    // The held payment got only its first event, attempted once.
    let held: Vec<Value> = rx
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|v| v["reference"] == "order-held-0001")
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["name"], "CREATED");

    // Once the receiver recovers, the retry succeeds and the rest follow in order.
    rx.stop_failing();
    app.advance_clock(5).await;
    let names = eventually("the held events", || async {
        let names: Vec<String> = rx
            .received()
            .iter()
            .map(|r| r.json())
            .filter(|v| v["reference"] == "order-held-0001")
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect();
        (names.len() == 4).then_some(names)
    })
    .await;
    assert_eq!(names, ["CREATED", "CREATED", "AUTHORIZED", "CAPTURED"]);
}

#[tokio::test]
async fn redirects_timeouts_and_refused_connections_are_failures() {
    let cfg = Config {
        delivery: DeliveryConfig {
            timeout: Duration::from_millis(300),
            ..DeliveryConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::spawn_with(cfg).await;
    let redirecting = Receiver::start().await;
    redirecting.answer(302);
    let hanging = Receiver::start().await;
    hanging.delay(5_000);
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hooks", l.local_addr().unwrap())
    };
    app.webhook(&redirecting.url, &[CREATED]).await;
    app.webhook(&hanging.url, &[CREATED]).await;
    app.webhook(&closed, &[CREATED]).await;
    app.create("order-fail-0001", 1_000).await;

    let all = eventually("three failed first attempts", || async {
        let d = app.deliveries().await;
        (d.len() == 3
            && d.iter()
                .all(|d| d["attempts"].as_array().unwrap().len() == 1))
        .then_some(d)
    })
    .await;
    let kind = |url: &str| {
        let d = all.iter().find(|d| d["url"] == url).unwrap();
        assert_eq!(d["status"], "pending", "{url} is retried");
        (
            d["attempts"][0]["statusCode"].as_i64().unwrap(),
            d["attempts"][0]["errorKind"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(kind(&redirecting.url), (302, "redirect".to_owned()));
    assert_eq!(kind(&hanging.url), (0, "timeout".to_owned()));
    assert_eq!(kind(&closed), (0, "connect".to_owned()));
    // The redirect target was never visited.
    assert!(redirecting
        .received()
        .iter()
        .all(|r| r.path_and_query.starts_with("/hooks")));
}

#[tokio::test]
async fn a_hanging_receiver_does_not_hold_up_another_and_huge_answers_are_capped() {
    let cfg = Config {
        delivery: DeliveryConfig {
            timeout: Duration::from_secs(5),
            ..DeliveryConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::spawn_with(cfg).await;
    let hanging = Receiver::start().await;
    hanging.delay(4_000);
    let huge = Receiver::start().await;
    huge.pad_answers(10 * 1024 * 1024);
    app.webhook(&hanging.url, &[CREATED]).await;
    app.webhook(&huge.url, &[CREATED]).await;
    app.create("order-slow-0001", 1_000).await;

    let d = eventually("the huge answer's delivery", || async {
        app.deliveries()
            .await
            .into_iter()
            .find(|d| d["url"] == huge.url && d["status"] == "delivered")
    })
    .await;
    // Done while the hanging receiver still holds its request.
    let slow = app
        .deliveries()
        .await
        .into_iter()
        .find(|d| d["url"] == hanging.url)
        .unwrap();
    assert_eq!(slow["attempts"].as_array().unwrap().len(), 0);
    let kept = d["attempts"][0]["response"].as_str().unwrap().len();
    assert_eq!(kept, 20 * 1024);
    // The API answers meanwhile.
    assert_eq!(app.payment("order-slow-0001").await["state"], "CREATED");
}

#[tokio::test]
async fn fault_injection_drops_and_duplicates() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    app.webhook(&rx.url, &[CREATED]).await;
    let faults = app.url(&format!(
        "/sandbox/v1/merchants/{}/delivery-faults",
        app.merchant.msn
    ));

    let r = app
        .client
        .post(&faults)
        .json(&json!({"drop": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.create("order-drop-0001", 1_000).await;
    let d = eventually("the dropped delivery", || async {
        app.deliveries()
            .await
            .into_iter()
            .find(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(d["attempts"][0]["errorKind"], "dropped by fault injection");
    assert!(rx.received().is_empty());

    let r = app
        .client
        .post(&faults)
        .json(&json!({"duplicate": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.create("order-dup-00001", 1_000).await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].body, got[1].body);

    for bad in [
        json!({"drop": 1.5}),
        json!({"drop": -0.1}),
        json!({"delayMs": 999_999}),
        json!({"bogus": 1}),
    ] {
        assert_eq!(
            app.client
                .post(&faults)
                .json(&bad)
                .send()
                .await
                .unwrap()
                .status(),
            400,
            "{bad}"
        );
    }
    let r = app
        .client
        .post(app.url("/sandbox/v1/merchants/999999/delivery-faults"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let current: Value = app
        .client
        .get(&faults)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["duplicate"], 1.0);
}

#[tokio::test]
async fn a_delivery_can_be_resent_by_hand() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    app.webhook(&rx.url, &[CREATED]).await;
    app.create("order-resend-001", 1_000).await;
    rx.wait_for(1).await;
    let d = eventually("the delivery", || async {
        app.deliveries()
            .await
            .into_iter()
            .find(|d| d["status"] == "delivered")
    })
    .await;
    let id = d["id"].as_str().unwrap();
    let r = app
        .client
        .post(app.url(&format!("/sandbox/v1/deliveries/{id}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].body, got[1].body);
    let r = app
        .client
        .post(app.url("/sandbox/v1/deliveries/no-such-id/retry"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn several_workers_on_one_database_send_every_row_exactly_once() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    app.webhook(&rx.url, &[CREATED]).await;
    // Three more workers over the same database, as other server processes would run.
    for _ in 0..3 {
        vipps_delivery::Deliverer::new(
            app.db.clone(),
            app.state.clock.clone(),
            DeliveryConfig::default(),
        )
        .spawn();
    }
    let references: Vec<String> = (0..40).map(|i| format!("order-many-{i:04}")).collect();
    for r in &references {
        app.create(r, 1_000).await;
    }
    rx.wait_for(references.len()).await;
    // Let any would-be duplicate arrive before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = rx.received();
    assert_eq!(got.len(), references.len());
    let mut seen: Vec<String> = got
        .iter()
        .map(|r| r.json()["reference"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    assert_eq!(seen, references);
}

#[tokio::test]
async fn callbacks_get_one_attempt_with_the_merchants_token_and_no_signature() {
    use vipps_store::{deliveries::enqueue_callback, WriteSet};
    let app = TestApp::spawn().await;
    let ok = Receiver::start().await;
    let failing = Receiver::start().await;
    failing.answer(500);
    // The token is the payment's authToken, read when sending.
    crate::ecom::initiate(&app, "ecom-cb-token", 1_000, "https://shop.example/cb").await;
    let mut w = WriteSet::new();
    let now = app.state.clock.now();
    let msn = app.merchant.msn.clone();
    enqueue_callback(
        &mut w,
        "ecom_callback",
        &msn,
        "o1",
        1,
        &ok.url,
        r#"{"orderId":"o1"}"#,
        "ecom-cb-token",
        now,
    );
    enqueue_callback(
        &mut w,
        "ecom_callback",
        &msn,
        "o2",
        1,
        &failing.url,
        r#"{"orderId":"o2"}"#,
        "no-such-payment",
        now,
    );
    app.state.commit(w).await.unwrap();

    let got = ok.wait_for(1).await;
    assert_eq!(got[0].header("authorization"), "merchant-secret-token");
    assert!(got[0].header("x-ms-content-sha256").is_empty());
    // The token is in no delivery row and not in the inspection listing.
    let (copies,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM deliveries WHERE auth_header IS NOT NULL")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(copies, 0);
    let listing = serde_json::to_string(&app.deliveries().await).unwrap();
    assert!(!listing.contains("merchant-secret-token"));
    failing.wait_for(1).await;
    let failed = eventually("the failed callback", || async {
        app.deliveries()
            .await
            .into_iter()
            .find(|d| d["status"] == "failed")
    })
    .await;
    assert_eq!(failed["attempts"][0]["statusCode"], 500);
    app.advance_clock(3600).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(failing.received().len(), 1, "never retried");
}

#[tokio::test]
async fn fault_injection_delays_deliveries() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    app.webhook(&rx.url, &[CREATED]).await;
    let faults = app.url(&format!(
        "/sandbox/v1/merchants/{}/delivery-faults",
        app.merchant.msn
    ));
    let r = app
        .client
        .post(&faults)
        .json(&json!({"delay": 1.0, "delayMs": 400}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let committed = tokio::time::Instant::now();
    app.create("order-delay-0001", 1_000).await;
    rx.wait_for(1).await;
    // A lower bound only: the delivery was held back at least the delay.
    assert!(committed.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn finished_deliveries_are_forgotten_after_seven_days() {
    let app = TestApp::spawn().await;
    let ok = Receiver::start().await;
    app.webhook(&ok.url, &[CREATED]).await;
    app.create("order-prune-0001", 1_000).await;
    eventually("the delivered row", || async {
        app.deliveries()
            .await
            .into_iter()
            .find(|d| d["status"] == "delivered")
    })
    .await;
    app.advance_clock(7 * 24 * 3600 + 1).await;
    assert!(
        app.deliveries().await.is_empty(),
        "delivered a week ago: gone"
    );
}
