//! ePayment v1 flows, named after the quick start and checklist items.

use serde_json::{json, Value};

use crate::common::{create_body, TestApp};

fn amounts(p: &Value) -> (i64, i64, i64, i64) {
    let a = &p["aggregate"];
    (
        a["authorizedAmount"]["value"].as_i64().unwrap(),
        a["capturedAmount"]["value"].as_i64().unwrap(),
        a["refundedAmount"]["value"].as_i64().unwrap(),
        a["cancelledAmount"]["value"].as_i64().unwrap(),
    )
}

fn names(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn quick_start_create_approve_capture_refund() {
    let app = TestApp::spawn().await;
    let created = app.create("order-quickstart-1", 49_900).await;
    assert_eq!(created["reference"], "order-quickstart-1");
    let redirect = created["redirectUrl"].as_str().unwrap();
    assert!(
        redirect.starts_with(&app.base) && redirect.contains("token="),
        "{redirect}"
    );

    let p = app.payment("order-quickstart-1").await;
    assert_eq!(p["state"], "CREATED");
    assert_eq!(p["redirectUrl"], redirect);
    assert_eq!(amounts(&p), (0, 0, 0, 0));
    assert_eq!(p["amount"], json!({"currency": "NOK", "value": 49_900}));
    assert_eq!(p["paymentMethod"]["type"], "WALLET");
    assert!(p["pspReference"].as_str().unwrap().len() >= 10);

    app.approve("order-quickstart-1").await;
    let p = app.payment("order-quickstart-1").await;
    assert_eq!(p["state"], "AUTHORIZED");
    assert_eq!(p["paymentMethod"]["cardBin"].as_str().unwrap().len(), 6);
    assert!(p.get("redirectUrl").is_none());

    let r = app
        .modify("order-quickstart-1", "capture", "cap-1", 20_000)
        .await;
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["state"], "AUTHORIZED");
    assert_eq!(amounts(&m), (49_900, 20_000, 0, 0));
    assert_eq!(m["amount"]["value"], 49_900);

    let r = app
        .modify("order-quickstart-1", "capture", "cap-2", 29_900)
        .await;
    assert_eq!(amounts(&r.json().await.unwrap()), (49_900, 49_900, 0, 0));
    let r = app
        .modify("order-quickstart-1", "refund", "ref-1", 10_000)
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .modify("order-quickstart-1", "refund", "ref-2", 39_900)
        .await;
    assert_eq!(
        amounts(&r.json().await.unwrap()),
        (49_900, 49_900, 49_900, 0)
    );

    let events = app.events("order-quickstart-1").await;
    assert_eq!(
        names(&events),
        [
            "CREATED",
            "AUTHORIZED",
            "CAPTURED",
            "CAPTURED",
            "REFUNDED",
            "REFUNDED"
        ]
    );
    assert_eq!(events[2]["amount"]["value"], 20_000);
    assert_eq!(events[2]["idempotencyKey"], "cap-1");
    assert!(events[1]["idempotencyKey"].is_null());
    assert!(events
        .iter()
        .all(|e| e["success"] == true && e["pspReference"] == p["pspReference"]));
}

#[tokio::test]
async fn cancel_before_approval_terminates_the_payment() {
    let app = TestApp::spawn().await;
    app.create("order-cancel-1", 1_000).await;
    let r = app
        .post(
            "/epayment/v1/payments/order-cancel-1/cancel",
            "c1",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["state"], "TERMINATED");
    assert_eq!(amounts(&m), (0, 0, 0, 1_000));
    // Approving a terminated payment fails; cancelling again answers the state.
    let r = app
        .post(
            "/epayment/v1/test/payments/order-cancel-1/approve",
            "-",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .post(
            "/epayment/v1/payments/order-cancel-1/cancel",
            "c2",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        names(&app.events("order-cancel-1").await),
        ["CREATED", "TERMINATED"]
    );
}

#[tokio::test]
async fn cancel_after_partial_capture_releases_the_rest() {
    let app = TestApp::spawn().await;
    app.create("order-cancel-2", 1_000).await;
    app.approve("order-cancel-2").await;
    assert_eq!(
        app.modify("order-cancel-2", "capture", "k1", 300)
            .await
            .status(),
        200
    );
    // A bodiless cancel, as the SDK sends it.
    let r = app
        .api(
            reqwest::Method::POST,
            "/epayment/v1/payments/order-cancel-2/cancel",
        )
        .await
        .header("Idempotency-Key", "c1")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["state"], "AUTHORIZED");
    assert_eq!(amounts(&m), (1_000, 300, 0, 700));
    let r = app.modify("order-cancel-2", "capture", "k2", 1).await;
    assert_eq!(
        crate::common::problem(r, 400).await["title"],
        "Cannot capture a cancelled payment"
    );
    // The captured part can still be refunded.
    assert_eq!(
        app.modify("order-cancel-2", "refund", "r1", 300)
            .await
            .status(),
        200
    );
    let events = app.events("order-cancel-2").await;
    assert_eq!(
        names(&events),
        ["CREATED", "AUTHORIZED", "CAPTURED", "CANCELLED", "REFUNDED"]
    );
    assert_eq!(events[3]["amount"]["value"], 700);
}

#[tokio::test]
async fn cancel_transaction_only_leaves_an_authorized_payment_alone() {
    let app = TestApp::spawn().await;
    app.create("order-cancel-3", 1_000).await;
    app.approve("order-cancel-3").await;
    let r = app
        .post(
            "/epayment/v1/payments/order-cancel-3/cancel",
            "c1",
            json!({"cancelTransactionOnly": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(amounts(&r.json().await.unwrap()), (1_000, 0, 0, 0));
}

#[tokio::test]
async fn a_fully_captured_payment_cannot_be_cancelled() {
    let app = TestApp::spawn().await;
    app.create("order-cancel-4", 1_000).await;
    app.approve("order-cancel-4").await;
    assert_eq!(
        app.modify("order-cancel-4", "capture", "k1", 1_000)
            .await
            .status(),
        200
    );
    let r = app
        .post(
            "/epayment/v1/payments/order-cancel-4/cancel",
            "c1",
            json!({}),
        )
        .await;
    assert_eq!(
        crate::common::problem(r, 400).await["title"],
        "Cannot cancel a captured payment"
    );
}

#[tokio::test]
async fn a_payment_nobody_acts_on_expires_after_ten_minutes() {
    let app = TestApp::spawn().await;
    app.create("order-expire-1", 1_000).await;
    app.advance_clock(9 * 60).await;
    assert_eq!(app.payment("order-expire-1").await["state"], "CREATED");
    app.advance_clock(61).await;
    assert_eq!(app.payment("order-expire-1").await["state"], "EXPIRED");
    assert_eq!(
        names(&app.events("order-expire-1").await),
        ["CREATED", "EXPIRED"]
    );
    let r = app
        .post(
            "/epayment/v1/test/payments/order-expire-1/approve",
            "-",
            json!({}),
        )
        .await;
    assert_eq!(
        crate::common::problem(r, 400).await["title"],
        "Approve failed"
    );
}

#[tokio::test]
async fn the_clock_advance_expires_payments_nobody_reads() {
    let app = TestApp::spawn().await;
    app.create("order-expire-2", 1_000).await;
    app.advance_clock(601).await;
    // The sweep ran during the advance: the row is EXPIRED before any read.
    let stored = app
        .db
        .payment(&app.merchant.msn, "order-expire-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.payment.state.as_str(), "EXPIRED");
}

#[tokio::test]
async fn a_payment_that_cannot_be_read_does_not_stop_the_expiry_sweep() {
    let app = TestApp::spawn().await;
    app.create("order-expire-bad", 1_000).await;
    app.create("order-expire-good", 1_000).await;
    // The first due row is unreadable: every sweep meets it first.
    sqlx::query("UPDATE payments SET body = 'not a payment' WHERE reference = 'order-expire-bad'")
        .execute(app.db.pool())
        .await
        .unwrap();
    app.advance_clock(601).await;
    let stored = app
        .db
        .payment(&app.merchant.msn, "order-expire-good")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.payment.state.as_str(), "EXPIRED");
}

#[tokio::test]
async fn force_approve_by_the_guide_path_with_token_and_phone() {
    let app = TestApp::spawn().await;
    let created = app.create("order-approve-1", 1_000).await;
    let token = created["redirectUrl"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/epayment/v1/payments/order-approve-1/approve",
            "-",
            json!({"token": "wrong"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .post(
            "/epayment/v1/payments/order-approve-1/approve",
            "-",
            json!({"token": token, "customer": {"phoneNumber": "4798765432"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.payment("order-approve-1").await["state"], "AUTHORIZED");
    // Approving twice is refused.
    let r = app
        .post(
            "/epayment/v1/test/payments/order-approve-1/approve",
            "-",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn a_declining_test_payer_fails_the_approval_and_logs_it() {
    let app = TestApp::spawn().await;
    app.create("order-decline-1", 1_000).await;
    let r = app
        .post(
            "/epayment/v1/test/payments/order-decline-1/approve",
            "-",
            json!({"customer": {"phoneNumber": "4700000001"}}),
        )
        .await;
    let p = crate::common::problem(r, 400).await;
    assert!(p["detail"].as_str().unwrap().contains("Insufficient funds"));
    assert_eq!(app.payment("order-decline-1").await["state"], "CREATED");
    let events = app.events("order-decline-1").await;
    assert_eq!(names(&events), ["CREATED", "AUTHORIZED"]);
    assert_eq!(events[1]["success"], false);
}

#[tokio::test]
async fn user_flows_hand_out_the_right_urls() {
    let app = TestApp::spawn().await;
    // PUSH_MESSAGE: no redirect, the payment goes to the phone's inbox.
    let mut body = create_body("order-push-0001", 1_000);
    body["userFlow"] = json!("PUSH_MESSAGE");
    body["customer"] = json!({"phoneNumber": "4712345678"});
    let r = app.post("/epayment/v1/payments", "p1", body).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert!(v.get("redirectUrl").is_none());
    let inbox = app.db.payments_for_phone("4712345678", 10).await.unwrap();
    assert_eq!(inbox[0].payment.reference, "order-push-0001");

    // QR: an image link by default, the landing page for TEXT/TARGETURL.
    let mut body = create_body("order-qr-00001", 1_000);
    body["userFlow"] = json!("QR");
    let v: Value = app
        .post("/epayment/v1/payments", "q1", body)
        .await
        .json()
        .await
        .unwrap();
    assert!(v["redirectUrl"].as_str().unwrap().contains("/qr/"), "{v}");
    let mut body = create_body("order-qr-00002", 1_000);
    body["userFlow"] = json!("QR");
    body["qrFormat"] = json!({"format": "TEXT/TARGETURL"});
    let v: Value = app
        .post("/epayment/v1/payments", "q2", body)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        v["redirectUrl"]
            .as_str()
            .unwrap()
            .contains("/landing?token="),
        "{v}"
    );

    // NATIVE_REDIRECT with an app scheme return URL.
    let mut body = create_body("order-native-01", 1_000);
    body["userFlow"] = json!("NATIVE_REDIRECT");
    body["returnUrl"] = json!("myshop://order/1");
    assert_eq!(
        app.post("/epayment/v1/payments", "n1", body).await.status(),
        201
    );
}

#[tokio::test]
async fn metadata_and_profile_sub_are_echoed() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-meta-0001", 1_000);
    body["metadata"] = json!({"orderNo": "42", "shop": "socks"});
    body["profile"] = json!({"scope": "name email"});
    assert_eq!(
        app.post("/epayment/v1/payments", "m1", body).await.status(),
        201
    );
    app.approve("order-meta-0001").await;
    let p = app.payment("order-meta-0001").await;
    assert_eq!(p["metadata"], json!({"orderNo": "42", "shop": "socks"}));
    assert!(p["profile"]["sub"].is_string());
}

#[tokio::test]
async fn small_amounts_in_dkk_and_eur_are_allowed() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-dkk-0001", 1);
    body["amount"]["currency"] = json!("DKK");
    assert_eq!(
        app.post("/epayment/v1/payments", "d1", body).await.status(),
        201
    );
    app.approve("order-dkk-0001").await;
    let r = app
        .post(
            "/epayment/v1/payments/order-dkk-0001/capture",
            "c",
            json!({"modificationAmount": {"currency": "NOK", "value": 1}}),
        )
        .await;
    assert_eq!(
        crate::common::problem(r, 400).await["title"],
        "Invalid currency"
    );
}
