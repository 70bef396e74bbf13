//! eCom v2, regular flow, over real HTTP: the quick start (initiate →
//! approve → details → capture → refund / cancel), every callback status a
//! regular payment produces, idempotency with `X-Request-Id`, and the
//! documented error codes.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::{common::TestApp, receiver::Receiver};

pub fn initiate_body(app: &TestApp, order_id: &str, amount: i64, callback: &str) -> Value {
    json!({
        "customerInfo": {"mobileNumber": "12345678"},
        "merchantInfo": {
            "merchantSerialNumber": app.merchant.msn,
            "callbackPrefix": callback,
            "fallBack": "https://example.com/vipps/fallback/order123abc",
            "authToken": "merchant-secret-token",
        },
        "transaction": {
            "amount": amount,
            "orderId": order_id,
            "transactionText": "One pair of socks.",
        }
    })
}

pub async fn send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut req = app.api(method, path).await;
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

pub async fn initiate_with(app: &TestApp, body: Value) -> Value {
    let r = send(app, Method::POST, "/ecomm/v2/payments/", Some(body)).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

pub async fn initiate(app: &TestApp, order_id: &str, amount: i64, callback: &str) -> Value {
    initiate_with(app, initiate_body(app, order_id, amount, callback)).await
}

pub async fn force_approve(app: &TestApp, order_id: &str, body: Value) -> Response {
    send(
        app,
        Method::POST,
        &format!("/ecomm/v2/integration-test/payments/{order_id}/approve"),
        Some(body),
    )
    .await
}

pub async fn details(app: &TestApp, order_id: &str) -> Value {
    let r = send(
        app,
        Method::GET,
        &format!("/ecomm/v2/payments/{order_id}/details"),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub fn operations(details: &Value) -> Vec<String> {
    details["transactionLogHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap().to_owned())
        .collect()
}

pub fn action(app: &TestApp, amount: Option<i64>) -> Value {
    let mut tx = json!({"transactionText": "Shipped with tracking 123"});
    if let Some(a) = amount {
        tx["amount"] = json!(a);
    }
    json!({"merchantInfo": {"merchantSerialNumber": app.merchant.msn}, "transaction": tx})
}

pub async fn modify(
    app: &TestApp,
    order_id: &str,
    op: &str,
    key: Option<&str>,
    body: Value,
) -> Response {
    let method = if op == "cancel" {
        Method::PUT
    } else {
        Method::POST
    };
    let mut req = app
        .api(method, &format!("/ecomm/v2/payments/{order_id}/{op}"))
        .await
        .json(&body);
    if let Some(k) = key {
        req = req.header("X-Request-Id", k);
    }
    req.send().await.unwrap()
}

/// Asserts the eCom error array and returns its first element.
pub async fn ecom_error(r: Response, status: u16, group: &str, code: &str) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    let e = body[0].clone();
    assert_eq!(e["errorGroup"], group, "{body}");
    assert_eq!(e["errorCode"], code, "{body}");
    assert!(e["errorMessage"].is_string());
    assert!(e["contextId"].is_string());
    e
}

pub async fn approve(app: &TestApp, order_id: &str) {
    let r = force_approve(app, order_id, json!({"customerPhoneNumber": "12345678"})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn quick_start_initiate_approve_details_capture_refund_with_reserved_callback() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let prefix = format!("{}/vipps/callbacks/", shop.base);
    let out = initiate(&app, "UNIQUE-PAYMENT-REFERENCE", 49_900, &prefix).await;
    assert_eq!(out["orderId"], "UNIQUE-PAYMENT-REFERENCE");
    assert!(out["url"].as_str().unwrap().contains("/landing?token="));

    let d = details(&app, "UNIQUE-PAYMENT-REFERENCE").await;
    assert_eq!(operations(&d), ["INITIATE"]);
    assert!(d.get("transactionSummary").is_none());

    approve(&app, "UNIQUE-PAYMENT-REFERENCE").await;
    let got = shop.wait_for(1).await;
    assert_eq!(got[0].method, "POST");
    assert_eq!(
        got[0].path_and_query,
        "/vipps/callbacks/v2/payments/UNIQUE-PAYMENT-REFERENCE"
    );
    assert_eq!(got[0].header("authorization"), "merchant-secret-token");
    let cb = got[0].json();
    assert_eq!(cb["merchantSerialNumber"], app.merchant.msn);
    assert_eq!(cb["transactionInfo"]["status"], "RESERVED");
    assert_eq!(cb["transactionInfo"]["amount"], 49_900);

    let d = details(&app, "UNIQUE-PAYMENT-REFERENCE").await;
    assert_eq!(operations(&d), ["RESERVE", "INITIATE"]);
    let log = d["transactionLogHistory"].as_array().unwrap();
    assert_eq!(log[0]["transactionId"], log[1]["transactionId"]);
    assert_eq!(log[0]["requestId"], "");
    assert!(log[0]["timeStamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 49_900);
    assert!(d["transactionSummary"]["bankIdentificationNumber"].is_number());

    let r = modify(
        &app,
        "UNIQUE-PAYMENT-REFERENCE",
        "capture",
        Some("cap-1"),
        action(&app, Some(20_000)),
    )
    .await;
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["transactionInfo"]["status"], "Captured");
    assert_eq!(c["transactionInfo"]["amount"], 20_000);
    assert_eq!(c["transactionSummary"]["remainingAmountToCapture"], 29_900);

    let r = modify(
        &app,
        "UNIQUE-PAYMENT-REFERENCE",
        "capture",
        None,
        action(&app, None),
    )
    .await;
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["transactionInfo"]["amount"], 29_900);
    assert_eq!(c["transactionSummary"]["capturedAmount"], 49_900);

    let r = modify(
        &app,
        "UNIQUE-PAYMENT-REFERENCE",
        "refund",
        Some("ref-1"),
        action(&app, Some(9_900)),
    )
    .await;
    assert_eq!(r.status(), 200);
    let f: Value = r.json().await.unwrap();
    assert_eq!(f["transaction"]["status"], "Refund");
    assert_eq!(f["transaction"]["amount"], 9_900);
    assert!(f.get("transactionInfo").is_none());
    let r = modify(
        &app,
        "UNIQUE-PAYMENT-REFERENCE",
        "refund",
        None,
        action(&app, None),
    )
    .await;
    let f: Value = r.json().await.unwrap();
    assert_eq!(f["transactionSummary"]["refundedAmount"], 49_900);

    let d = details(&app, "UNIQUE-PAYMENT-REFERENCE").await;
    assert_eq!(
        operations(&d),
        ["REFUND", "REFUND", "CAPTURE", "CAPTURE", "RESERVE", "INITIATE"]
    );
    assert_eq!(d["transactionLogHistory"][3]["requestId"], "cap-1");
    let r = send(
        &app,
        Method::GET,
        "/ecomm/v2/payments/UNIQUE-PAYMENT-REFERENCE/status",
        None,
    )
    .await;
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["transactionInfo"]["status"], "REFUND");
    assert_eq!(
        shop.received().len(),
        1,
        "merchant operations send no callback"
    );
}

#[tokio::test]
async fn cancel_of_a_reservation_is_void_and_of_an_initiated_payment_is_cancel() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "void-1", 10_000, &shop.base).await;
    approve(&app, "void-1").await;
    let r = modify(&app, "void-1", "cancel", None, action(&app, None)).await;
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["transactionInfo"]["status"], "Cancelled");
    assert_eq!(c["transactionInfo"]["amount"], 10_000);
    assert_eq!(operations(&details(&app, "void-1").await)[0], "VOID");
    let r = modify(&app, "void-1", "cancel", None, action(&app, None)).await;
    ecom_error(r, 400, "VippsError", "92").await;
    let r = modify(&app, "void-1", "capture", None, action(&app, None)).await;
    ecom_error(r, 400, "VippsError", "91").await;
    let r = modify(&app, "void-1", "refund", None, action(&app, None)).await;
    ecom_error(r, 400, "Payment", "73").await;

    initiate(&app, "cancel-1", 10_000, &shop.base).await;
    let r = modify(&app, "cancel-1", "cancel", None, action(&app, None)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        operations(&details(&app, "cancel-1").await),
        ["CANCEL", "INITIATE"]
    );
}

#[tokio::test]
async fn cancel_after_a_partial_capture_releases_the_rest_only_when_asked() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "part-1", 10_000, &shop.base).await;
    approve(&app, "part-1").await;
    let r = modify(
        &app,
        "part-1",
        "capture",
        Some("c1"),
        action(&app, Some(4_000)),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = modify(&app, "part-1", "cancel", None, action(&app, None)).await;
    ecom_error(r, 400, "Payment", "51").await;
    let mut body = action(&app, None);
    body["shouldReleaseRemainingFunds"] = json!(true);
    let r = modify(&app, "part-1", "cancel", None, body).await;
    assert_eq!(r.status(), 200);
    let d = details(&app, "part-1").await;
    assert_eq!(d["transactionLogHistory"][0]["operation"], "VOID");
    assert_eq!(d["transactionLogHistory"][0]["amount"], 6_000);
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 0);
    assert_eq!(d["transactionSummary"]["remainingAmountToRefund"], 4_000);
}

#[tokio::test]
async fn capture_and_refund_with_the_same_request_id_are_replayed_and_a_different_body_is_refused()
{
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "idem-1", 10_000, &shop.base).await;
    approve(&app, "idem-1").await;
    let first = modify(
        &app,
        "idem-1",
        "capture",
        Some("key-1"),
        action(&app, Some(3_000)),
    )
    .await;
    assert_eq!(first.status(), 200);
    let first = first.text().await.unwrap();
    let again = modify(
        &app,
        "idem-1",
        "capture",
        Some("key-1"),
        action(&app, Some(3_000)),
    )
    .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), first, "replayed byte for byte");
    let d = details(&app, "idem-1").await;
    assert_eq!(d["transactionSummary"]["capturedAmount"], 3_000);

    let other = modify(
        &app,
        "idem-1",
        "capture",
        Some("key-1"),
        action(&app, Some(4_000)),
    )
    .await;
    ecom_error(other, 400, "VippsError", "93").await;

    let r = modify(
        &app,
        "idem-1",
        "refund",
        Some("r-1"),
        action(&app, Some(1_000)),
    )
    .await;
    let body = r.text().await.unwrap();
    let r = modify(
        &app,
        "idem-1",
        "refund",
        Some("r-1"),
        action(&app, Some(1_000)),
    )
    .await;
    assert_eq!(r.text().await.unwrap(), body);
    assert_eq!(
        details(&app, "idem-1").await["transactionSummary"]["refundedAmount"],
        1_000
    );

    let r = modify(&app, "idem-1", "capture", None, action(&app, Some(1_000))).await;
    ecom_error(r, 400, "InvalidRequest", "X-Request-Id").await;
    let r = modify(
        &app,
        "idem-1",
        "capture",
        Some(&"k".repeat(41)),
        action(&app, None),
    )
    .await;
    ecom_error(r, 400, "InvalidRequest", "X-Request-Id").await;
}

#[tokio::test]
async fn a_payer_who_rejects_gets_a_cancelled_callback() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "reject-1", 10_000, &shop.base).await;
    let r = app
        .client
        .post(app.url(&format!(
            "/sandbox/v1/merchants/{}/ecom/reject-1/reject",
            app.merchant.msn
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = shop.wait_for(1).await;
    assert_eq!(got[0].json()["transactionInfo"]["status"], "CANCELLED");
    assert_eq!(operations(&details(&app, "reject-1").await)[0], "CANCEL");
}

#[tokio::test]
async fn a_payer_who_never_acts_times_out_with_a_rejected_callback() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "idle-1", 10_000, &shop.base).await;
    app.advance_clock(601).await;
    let got = shop.wait_for(1).await;
    assert_eq!(got[0].json()["transactionInfo"]["status"], "REJECTED");
    assert_eq!(
        operations(&details(&app, "idle-1").await),
        ["CANCEL", "INITIATE"]
    );
    let r = force_approve(&app, "idle-1", json!({})).await;
    ecom_error(r, 400, "Payment", "45").await;
}

#[tokio::test]
async fn a_declining_payer_gets_reserve_failed_and_can_still_reject() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "decline-1", 10_000, &shop.base).await;
    let r = force_approve(
        &app,
        "decline-1",
        json!({"customerPhoneNumber": "00000001"}),
    )
    .await;
    ecom_error(r, 400, "Payment", "45").await;
    let got = shop.wait_for(1).await;
    let cb = got[0].json();
    assert_eq!(cb["transactionInfo"]["status"], "RESERVE_FAILED");
    assert_eq!(cb["errorInfo"]["errorGroup"], "Payment");
    let d = details(&app, "decline-1").await;
    assert_eq!(d["transactionLogHistory"][0]["operation"], "RESERVE");
    assert_eq!(d["transactionLogHistory"][0]["operationSuccess"], false);
    approve(&app, "decline-1").await;
}

#[tokio::test]
async fn a_direct_capture_unit_sells_at_once_with_a_sale_callback() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let r = app
        .client
        .post(app.url(&format!(
            "/sandbox/v1/merchants/{}/settings",
            app.merchant.msn
        )))
        .json(&json!({"directCapture": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    initiate(&app, "sale-1", 10_000, &shop.base).await;
    approve(&app, "sale-1").await;
    let got = shop.wait_for(1).await;
    assert_eq!(got[0].json()["transactionInfo"]["status"], "SALE");
    let r = modify(&app, "sale-1", "capture", None, action(&app, None)).await;
    ecom_error(r, 400, "VippsError", "91").await;
    let r = modify(&app, "sale-1", "refund", None, action(&app, None)).await;
    assert_eq!(r.status(), 200);
    // The refused capture is logged too, as failed.
    let d = details(&app, "sale-1").await;
    assert_eq!(operations(&d), ["REFUND", "CAPTURE", "SALE", "INITIATE"]);
    assert_eq!(d["transactionLogHistory"][1]["operationSuccess"], false);
}

#[tokio::test]
async fn is_app_payments_get_a_deeplink() {
    let app = TestApp::spawn().await;
    let mut b = initiate_body(&app, "app-1", 10_000, "https://shop.example/cb");
    b["merchantInfo"]["isApp"] = json!(true);
    b["merchantInfo"]["fallBack"] = json!("myshop://result");
    let out = initiate_with(&app, b).await;
    assert!(out["url"]
        .as_str()
        .unwrap()
        .starts_with("vippsMT://?token="));
}

#[tokio::test]
async fn a_declining_payer_on_a_direct_capture_unit_gets_sale_failed() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
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
    initiate(&app, "sale-fail-1", 10_000, &shop.base).await;
    let r = force_approve(
        &app,
        "sale-fail-1",
        json!({"customerPhoneNumber": "00000002"}),
    )
    .await;
    ecom_error(r, 400, "Payment", "44").await;
    let cb = shop.wait_for(1).await[0].json();
    assert_eq!(cb["transactionInfo"]["status"], "SALE_FAILED");
    assert_eq!(cb["errorInfo"]["errorGroup"], "Payment");
    let d = details(&app, "sale-fail-1").await;
    assert_eq!(d["transactionLogHistory"][0]["operation"], "SALE");
    assert_eq!(d["transactionLogHistory"][0]["operationSuccess"], false);
}
