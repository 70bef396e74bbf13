//! ePayment on eCom payments (docs/compatibility.md#epayment-v1-on-ecom-payments): GET, `/events`, capture,
//! refund and cancel of `/epayment/v1/payments/{orderId}` act on the eCom
//! payment; eCom endpoints do not know ePayment references.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    common::{problem, TestApp},
    ecom::{approve, details, ecom_error, initiate, operations, send},
    receiver::Receiver,
};

async fn approved(app: &TestApp, shop: &Receiver, order_id: &str, amount: i64) {
    let prefix = format!("{}/vipps/callbacks/", shop.base);
    initiate(app, order_id, amount, &prefix).await;
    approve(app, order_id).await;
}

fn names(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn epayment_get_capture_refund_cancel_act_on_an_ecom_payment() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    approved(&app, &shop, "ecom-via-epayment-1", 10_000).await;

    let p = app.payment("ecom-via-epayment-1").await;
    assert_eq!(p["state"], "AUTHORIZED", "{p}");
    assert_eq!(p["reference"], "ecom-via-epayment-1");
    assert_eq!(p["amount"], json!({"currency": "NOK", "value": 10_000}));
    assert_eq!(p["aggregate"]["authorizedAmount"]["value"], 10_000);
    assert_eq!(p["aggregate"]["capturedAmount"]["value"], 0);
    assert_eq!(p["aggregate"]["cancelledAmount"]["value"], 0);
    assert_eq!(p["aggregate"]["refundedAmount"]["value"], 0);
    assert_eq!(p["paymentMethod"]["type"], "WALLET");
    assert!(p["pspReference"].as_str().unwrap().len() >= 10);

    // Partial capture.
    let r = app
        .modify("ecom-via-epayment-1", "capture", "cap-1", 6_000)
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["state"], "AUTHORIZED");
    assert_eq!(body["aggregate"]["capturedAmount"]["value"], 6_000);
    assert_eq!(body["reference"], "ecom-via-epayment-1");

    // The same key and body replays without a second capture.
    let r = app
        .modify("ecom-via-epayment-1", "capture", "cap-1", 6_000)
        .await;
    assert_eq!(r.status(), 200);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["aggregate"]["capturedAmount"]["value"], 6_000);
    let d = details(&app, "ecom-via-epayment-1").await;
    assert_eq!(operations(&d), ["CAPTURE", "RESERVE", "INITIATE"]);
    assert_eq!(d["transactionSummary"]["capturedAmount"], 6_000);

    // Refund part of it.
    let r = app
        .modify("ecom-via-epayment-1", "refund", "ref-1", 2_500)
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["aggregate"]["refundedAmount"]["value"], 2_500);
    let d = details(&app, "ecom-via-epayment-1").await;
    assert_eq!(operations(&d), ["REFUND", "CAPTURE", "RESERVE", "INITIATE"]);
    assert_eq!(d["transactionSummary"]["refundedAmount"], 2_500);
    assert_eq!(d["transactionLogHistory"][0]["requestId"], "ref-1");

    // Cancel releases the uncaptured rest: eCom VOID.
    let r = app
        .post(
            "/epayment/v1/payments/ecom-via-epayment-1/cancel",
            "can-1",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["state"], "AUTHORIZED");
    assert_eq!(body["aggregate"]["cancelledAmount"]["value"], 4_000);
    let d = details(&app, "ecom-via-epayment-1").await;
    assert_eq!(operations(&d)[0], "VOID");
    assert_eq!(d["transactionLogHistory"][0]["amount"], 4_000);

    let events = app.events("ecom-via-epayment-1").await;
    assert_eq!(
        names(&events),
        ["CREATED", "AUTHORIZED", "CAPTURED", "REFUNDED", "CANCELLED"]
    );
    assert!(events.iter().all(|e| e["success"] == true));
    assert_eq!(events[0]["idempotencyKey"], Value::Null);
    assert_eq!(events[2]["idempotencyKey"], "cap-1");
    assert_eq!(events[2]["amount"]["value"], 6_000);
    assert_eq!(events[0]["pspReference"], p["pspReference"]);

    let p = app.payment("ecom-via-epayment-1").await;
    assert_eq!(p["aggregate"]["capturedAmount"]["value"], 6_000);
    assert_eq!(p["aggregate"]["refundedAmount"]["value"], 2_500);
    assert_eq!(p["aggregate"]["cancelledAmount"]["value"], 4_000);
}

#[tokio::test]
async fn over_capture_of_an_ecom_payment_via_epayment_is_a_problem() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    approved(&app, &shop, "ecom-via-epayment-2", 5_000).await;
    let r = app
        .modify("ecom-via-epayment-2", "capture", "cap-too-much", 5_001)
        .await;
    let body = problem(r, 400).await;
    assert_eq!(body["title"], "Capture amount too high", "{body}");
    // Replayed as stored.
    let r = app
        .modify("ecom-via-epayment-2", "capture", "cap-too-much", 5_001)
        .await;
    let again = problem(r, 400).await;
    assert_eq!(again["title"], "Capture amount too high");
    // Logged as a failed capture, nothing captured.
    let d = details(&app, "ecom-via-epayment-2").await;
    let log = &d["transactionLogHistory"];
    assert_eq!(log.as_array().unwrap().len(), 3, "{d}");
    assert_eq!(log[0]["operation"], "CAPTURE");
    assert_eq!(log[0]["operationSuccess"], false);
    let events = app.events("ecom-via-epayment-2").await;
    assert_eq!(names(&events), ["CREATED", "AUTHORIZED", "CAPTURED"]);
    assert_eq!(events[2]["success"], false);
    let p = app.payment("ecom-via-epayment-2").await;
    assert_eq!(p["aggregate"]["capturedAmount"]["value"], 0);

    // Refund before any capture.
    let r = app
        .modify("ecom-via-epayment-2", "refund", "ref-early", 100)
        .await;
    let body = problem(r, 400).await;
    assert_eq!(body["title"], "Not enough refundable");
}

#[tokio::test]
async fn ecom_payment_states_seen_through_epayment() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let prefix = format!("{}/vipps/callbacks/", shop.base);

    initiate(&app, "ecom-state-created", 2_000, &prefix).await;
    let p = app.payment("ecom-state-created").await;
    assert_eq!(p["state"], "CREATED");
    assert_eq!(p["aggregate"]["authorizedAmount"]["value"], 0);
    // A capture before approval.
    let r = app
        .modify("ecom-state-created", "capture", "cap-early", 1_000)
        .await;
    let body = problem(r, 400).await;
    assert_eq!(body["title"], "Cannot capture before reservation");
    // A merchant cancel before approval terminates it.
    let r = app
        .post(
            "/epayment/v1/payments/ecom-state-created/cancel",
            "term-1",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["state"], "TERMINATED");
    assert_eq!(body["aggregate"]["cancelledAmount"]["value"], 2_000);
    assert_eq!(
        operations(&details(&app, "ecom-state-created").await)[0],
        "CANCEL"
    );
    let events = app.events("ecom-state-created").await;
    assert_eq!(names(&events).last().unwrap(), "TERMINATED");

    // The payer's timeout expires it.
    initiate(&app, "ecom-state-expired", 2_000, &prefix).await;
    app.advance_clock(11 * 60).await;
    let p = app.payment("ecom-state-expired").await;
    assert_eq!(p["state"], "EXPIRED", "{p}");

    // Unknown everywhere.
    let r = app.get("/epayment/v1/payments/ecom-state-nothing").await;
    let body = problem(r, 404).await;
    assert_eq!(body["title"], "Reference not found");
}

#[tokio::test]
async fn ecom_endpoints_do_not_know_epayment_references() {
    let app = TestApp::spawn().await;
    app.create("epayment-only-ref-1", 1_000).await;
    let r = send(
        &app,
        Method::GET,
        "/ecomm/v2/payments/epayment-only-ref-1/details",
        None,
    )
    .await;
    ecom_error(r, 404, "Merchant", "35").await;
}

#[tokio::test]
async fn a_payer_reject_reads_aborted_and_a_direct_capture_reads_captured() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let prefix = format!("{}/vipps/callbacks/", shop.base);

    // The payer rejects an eCom payment: ABORTED through ePayment.
    initiate(&app, "ecom-rejected-1", 10_000, &prefix).await;
    let reject = app.url(&format!(
        "/sandbox/v1/merchants/{}/ecom/ecom-rejected-1/reject",
        app.merchant.msn
    ));
    assert_eq!(app.client.post(&reject).send().await.unwrap().status(), 200);
    let p = app.payment("ecom-rejected-1").await;
    assert_eq!(p["state"], "ABORTED", "{p}");
    assert_eq!(
        names(&app.events("ecom-rejected-1").await),
        ["CREATED", "ABORTED"]
    );

    // A direct-capture unit sells at once: AUTHORIZED and fully captured.
    let settings = app.url(&format!(
        "/sandbox/v1/merchants/{}/settings",
        app.merchant.msn
    ));
    let r = app
        .client
        .post(&settings)
        .json(&json!({"directCapture": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    approved(&app, &shop, "ecom-sold-1", 10_000).await;
    let p = app.payment("ecom-sold-1").await;
    assert_eq!(p["state"], "AUTHORIZED", "{p}");
    assert_eq!(p["aggregate"]["capturedAmount"]["value"], 10_000);
    assert_eq!(
        names(&app.events("ecom-sold-1").await),
        ["CREATED", "AUTHORIZED", "CAPTURED"]
    );
    // Nothing is left to capture; a refund through ePayment works.
    let r = app.modify("ecom-sold-1", "capture", "cap-x", 1).await;
    assert_eq!(problem(r, 400).await["title"], "Capture amount too high");
    let r = app.modify("ecom-sold-1", "refund", "ref-1", 10_000).await;
    assert_eq!(r.status(), 200);
    assert_eq!(operations(&details(&app, "ecom-sold-1").await)[0], "REFUND");
}
