//! eCom v2 errors over real HTTP: the documented (group, code) pairs and
//! HTTP statuses for initiate and for operations, the 180/365-day limits,
//! unit permissions, and refused operations in the log.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    common::TestApp,
    ecom::{
        action, approve, details, ecom_error, initiate, initiate_body, initiate_with, modify,
        operations, send,
    },
    receiver::Receiver,
};

#[tokio::test]
async fn initiate_errors_follow_the_documented_codes() {
    let app = TestApp::spawn().await;
    let cb = "https://shop.example/cb";
    initiate(&app, "dup-1", 10_000, cb).await;
    let r = send(
        &app,
        Method::POST,
        "/ecomm/v2/payments",
        Some(initiate_body(&app, "dup-1", 10_000, cb)),
    )
    .await;
    ecom_error(r, 400, "Merchant", "34").await;

    let mut b = initiate_body(&app, "fb-1", 10_000, cb);
    let fb = b["merchantInfo"]["fallBack"].take();
    b["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("fallBack");
    b["merchantInfo"]["fallback"] = fb;
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "InvalidRequest", "fallBack").await;

    let mut b = initiate_body(&app, "num-1", 10_000, cb);
    b["merchantInfo"]["merchantSerialNumber"] = json!(app.merchant.msn.parse::<u64>().unwrap());
    initiate_with(&app, b).await;

    let mut b = initiate_body(&app, "phone-1", 10_000, cb);
    b["customerInfo"]["mobileNumber"] = json!("+47 123");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "User", "81").await;

    let mut b = initiate_body(&app, "phone-2", 10_000, cb);
    b["customerInfo"]["mobileNumber"] = json!("+47 123 45 678");
    initiate_with(&app, b).await;

    let mut b = initiate_body(&app, "dec-1", 10_000, cb);
    b["transaction"]["amount"] = json!(100.5);
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "InvalidRequest", "transaction.amount").await;

    let mut b = initiate_body(&app, "msn-1", 10_000, cb);
    b["merchantInfo"]["merchantSerialNumber"] = json!("99999");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "InvalidRequest", "merchantSerialNumber").await;

    let mut b = initiate_body(&app, "nin-1", 10_000, cb);
    b["transaction"]["scope"] = json!("name nin");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 403, "Merchant", "51").await;

    let r = app
        .api(Method::POST, "/ecomm/v2/payments")
        .await
        .header("Content-Type", "application/json")
        .body("{\"merchantInfo\": ")
        .send()
        .await
        .unwrap();
    let e = ecom_error(r, 400, "InvalidRequest", "body").await;
    assert!(e["errorMessage"].as_str().unwrap().contains("EOF"));
}

#[tokio::test]
async fn operations_errors_follow_the_documented_codes() {
    let app = TestApp::spawn().await;
    let cb = "https://shop.example/cb";
    let r = send(&app, Method::GET, "/ecomm/v2/payments/nope/details", None).await;
    ecom_error(r, 404, "Merchant", "35").await;

    initiate(&app, "ops-1", 10_000, cb).await;
    let other = app.new_merchant("Other Shop").await;
    let r = app
        .as_merchant(&other, Method::GET, "/ecomm/v2/payments/ops-1/details")
        .await
        .send()
        .await
        .unwrap();
    ecom_error(r, 404, "Merchant", "35").await;

    let r = modify(&app, "ops-1", "capture", None, action(&app, None)).await;
    ecom_error(r, 400, "Payment", "62").await;
    let r = modify(&app, "ops-1", "refund", None, action(&app, None)).await;
    ecom_error(r, 400, "Payment", "72").await;
    approve(&app, "ops-1").await;
    let r = modify(
        &app,
        "ops-1",
        "capture",
        Some("big"),
        action(&app, Some(10_001)),
    )
    .await;
    ecom_error(r, 400, "Payment", "61").await;
    let r = modify(&app, "ops-1", "capture", None, action(&app, None)).await;
    assert_eq!(r.status(), 200);
    let r = modify(
        &app,
        "ops-1",
        "refund",
        Some("big"),
        action(&app, Some(10_001)),
    )
    .await;
    ecom_error(r, 400, "Payment", "71").await;
    let r = modify(&app, "ops-1", "cancel", None, action(&app, None)).await;
    ecom_error(r, 400, "Payment", "51").await;
    let r = modify(&app, "ops-1", "refund", None, json!({"transaction": {}})).await;
    ecom_error(r, 400, "InvalidRequest", "transactionText").await;
    let r = modify(
        &app,
        "ops-1",
        "refund",
        None,
        json!({"transaction": {"amount": "x", "transactionText": "t"}}),
    )
    .await;
    ecom_error(r, 400, "InvalidRequest", "transaction.amount").await;

    let r = app
        .client
        .get(app.url("/ecomm/v2/payments/ops-1/details"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the gateway answers for credentials");
}

#[tokio::test]
async fn capture_after_180_days_and_refund_after_365_days_are_refused() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "order-old-1", 10_000, &shop.base).await;
    approve(&app, "order-old-1").await;
    assert_eq!(
        modify(
            &app,
            "order-old-1",
            "capture",
            Some("c1"),
            action(&app, Some(4_000))
        )
        .await
        .status(),
        200
    );
    app.advance_clock(181 * 24 * 3600).await;
    let r = modify(
        &app,
        "order-old-1",
        "capture",
        Some("c2"),
        action(&app, Some(1_000)),
    )
    .await;
    ecom_error(r, 400, "Payment", "98").await;
    // Refunds stay possible until a year has passed.
    assert_eq!(
        modify(
            &app,
            "order-old-1",
            "refund",
            Some("r1"),
            action(&app, Some(1_000))
        )
        .await
        .status(),
        200
    );
    app.advance_clock(185 * 24 * 3600).await;
    let r = modify(
        &app,
        "order-old-1",
        "refund",
        Some("r2"),
        action(&app, Some(1_000)),
    )
    .await;
    ecom_error(r, 400, "Payment", "95").await;
}

#[tokio::test]
async fn skip_landing_page_needs_a_unit_allowed_to_use_it() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let settings = app.url(&format!(
        "/sandbox/v1/merchants/{}/settings",
        app.merchant.msn
    ));
    let r = app
        .client
        .post(&settings)
        .json(&json!({"skipLandingPageAllowed": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut body = initiate_body(&app, "order-skip-1", 10_000, &shop.base);
    body["transaction"]["skipLandingPage"] = json!(true);
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(body.clone())).await;
    ecom_error(r, 403, "Merchant", "38").await;
    let r = app
        .client
        .post(&settings)
        .json(&json!({"skipLandingPageAllowed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(body)).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_refused_merchant_operation_is_logged_as_failed_once_per_request_id() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    initiate(&app, "refused-1", 10_000, &shop.base).await;
    approve(&app, "refused-1").await;
    let too_much = action(&app, Some(20_000));
    let r = modify(
        &app,
        "refused-1",
        "capture",
        Some("cap-too-much"),
        too_much.clone(),
    )
    .await;
    ecom_error(r, 400, "Payment", "61").await;
    // The same request again replays the refusal and logs nothing more.
    let r = modify(&app, "refused-1", "capture", Some("cap-too-much"), too_much).await;
    ecom_error(r, 400, "Payment", "61").await;

    let d = details(&app, "refused-1").await;
    assert_eq!(operations(&d), ["CAPTURE", "RESERVE", "INITIATE"]);
    let failed = &d["transactionLogHistory"][0];
    assert_eq!(failed["operationSuccess"], false);
    assert_eq!(failed["requestId"], "cap-too-much");
    assert_eq!(failed["amount"], 20_000);
    assert_eq!(d["transactionSummary"]["capturedAmount"], 0);
    // Nothing changed: the status is still the reservation, and it can be captured.
    let r = send(
        &app,
        Method::GET,
        "/ecomm/v2/payments/refused-1/status",
        None,
    )
    .await;
    let status: Value = r.json().await.unwrap();
    assert_eq!(status["transactionInfo"]["status"], "RESERVE");
    let r = modify(
        &app,
        "refused-1",
        "capture",
        Some("cap-ok"),
        action(&app, Some(10_000)),
    )
    .await;
    assert_eq!(r.status(), 200);
}

/// The raw error body with its fresh `contextId` blanked out.
async fn raw_error(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let at = text.find("\"contextId\":\"").expect("a contextId") + "\"contextId\":\"".len();
    let end = at + text[at..].find('"').unwrap();
    (status, format!("{}…{}", &text[..at], &text[end..]))
}

#[tokio::test]
async fn error_bodies_are_byte_for_byte_the_documented_array() {
    let app = TestApp::spawn().await;
    let cb = "https://shop.example/cb";
    let r = send(&app, Method::GET, "/ecomm/v2/payments/nope/details", None).await;
    assert_eq!(
        raw_error(r).await,
        (
            404,
            r#"[{"errorGroup":"Merchant","errorCode":"35","errorMessage":"Requested Order not found: no payment 'nope' for this merchant","contextId":"…"}]"#
                .to_owned()
        )
    );
    initiate(&app, "bytes-1", 10_000, cb).await;
    let r = modify(&app, "bytes-1", "capture", None, action(&app, None)).await;
    assert_eq!(
        raw_error(r).await,
        (
            400,
            r#"[{"errorGroup":"Payment","errorCode":"62","errorMessage":"The payment must be reserved before it can be captured","contextId":"…"}]"#
                .to_owned()
        )
    );
    let r = modify(&app, "bytes-1", "refund", None, json!({"transaction": {}})).await;
    assert_eq!(
        raw_error(r).await,
        (
            400,
            r#"[{"errorGroup":"InvalidRequest","errorCode":"transactionText","errorMessage":"transactionText is required","contextId":"…"}]"#
                .to_owned()
        )
    );
    let r = modify(&app, "bytes-1", "cancel", None, action(&app, None)).await;
    assert_eq!(r.status(), 200);
    let r = modify(&app, "bytes-1", "cancel", None, action(&app, None)).await;
    assert_eq!(
        raw_error(r).await,
        (
            400,
            r#"[{"errorGroup":"VippsError","errorCode":"92","errorMessage":"Transaction already processed: the payment is already cancelled","contextId":"…"}]"#
                .to_owned()
        )
    );
}

/// Merchants the store creates without a chosen MSN satisfy the one MSN
/// rule, so each of them can initiate eCom payments.
#[tokio::test]
async fn created_merchants_have_msns_ecom_accepts() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let m = app.new_merchant(&format!("Shop {i}")).await;
        assert!(vipps_domain::Msn::parse(&m.msn).is_some(), "{}", m.msn);
    }
    assert!(vipps_domain::Msn::parse(&app.merchant.msn).is_some());
    initiate(&app, "msn-ok-1", 10_000, "https://shop.example/cb").await;
}

/// eCom URLs are parsed with the url crate: prefixes must be http(s) URLs
/// the sandbox can send to, fallBack may use an app scheme. Values the
/// former prefix checks let through but no URL parser accepts are refused.
#[tokio::test]
async fn urls_that_cannot_be_parsed_are_refused() {
    let app = TestApp::spawn().await;
    for (i, prefix) in [
        "https://[shop.example/cb",
        "http://shop.example:99999/cb",
        "https://?",
    ]
    .iter()
    .enumerate()
    {
        let r = send(
            &app,
            Method::POST,
            "/ecomm/v2/payments",
            Some(initiate_body(&app, &format!("badcb-{i}"), 10_000, prefix)),
        )
        .await;
        ecom_error(r, 400, "InvalidRequest", "callbackPrefix").await;
    }
    let cb = "https://shop.example/cb";
    for (i, fallback) in ["myshop://[result", "1shop://result"].iter().enumerate() {
        let mut b = initiate_body(&app, &format!("badfb-{i}"), 10_000, cb);
        b["merchantInfo"]["fallBack"] = json!(fallback);
        let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
        ecom_error(r, 400, "InvalidRequest", "fallBack").await;
    }
    // Still accepted: loopback over plain HTTP, app schemes, and anything with isApp.
    let mut b = initiate_body(&app, "goodurl-1", 10_000, "http://127.0.0.1:9/cb/");
    b["merchantInfo"]["fallBack"] = json!("myshop://result");
    initiate_with(&app, b).await;
    let mut b = initiate_body(&app, "goodurl-2", 10_000, cb);
    b["merchantInfo"]["fallBack"] = json!("1shop://[anything");
    b["merchantInfo"]["isApp"] = json!(true);
    initiate_with(&app, b).await;
}
