//! The Checkout (+ ePayment) checklist: a good integration ends all green;
//! each broken variant turns exactly one item red.

use reqwest::Method;
use serde_json::{json, Value};

use super::{all_green, item, only_red, open_items, report_when, Shop};
use crate::{
    checkout::{checkout_request, session_body},
    common::{create_body, TestApp},
    receiver::Receiver,
};

const EVENTS: &[&str] = &[
    "epayments.payment.created.v1",
    "epayments.payment.aborted.v1",
    "epayments.payment.expired.v1",
    "epayments.payment.cancelled.v1",
    "epayments.payment.captured.v1",
    "epayments.payment.refunded.v1",
    "epayments.payment.authorized.v1",
    "epayments.payment.terminated.v1",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Break {
    Nothing,
    WebhookFailsOnCancel,
    OneCallWithoutHeaders,
    NeverReadsOnePayment,
    NoPartialRefund,
    RepeatsRefusedCapture,
}

async fn post(shop: &Shop<'_>, path: &str, key: &str, body: Value) -> reqwest::Response {
    shop.call(Method::POST, path)
        .await
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn modify(shop: &Shop<'_>, reference: &str, op: &str, key: &str, value: i64) -> u16 {
    let body = json!({"modificationAmount": {"currency": "NOK", "value": value}});
    post(
        shop,
        &format!("/epayment/v1/payments/{reference}/{op}"),
        key,
        body,
    )
    .await
    .status()
    .as_u16()
}

async fn read(shop: &Shop<'_>, reference: &str) {
    let r = shop
        .call(Method::GET, &format!("/epayment/v1/payments/{reference}"))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn read_session(shop: &Shop<'_>, reference: &str) {
    let r = Shop::with_system_headers(checkout_request(
        shop.app,
        shop.merchant,
        Method::GET,
        &format!("/checkout/v3/session/{reference}"),
    ))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
}

/// A merchant's whole Checkout + ePayment integration, as its test suite
/// would run it, broken in one way (or none).
pub(crate) async fn integrate(app: &TestApp, broken: Break) {
    let shop = Shop::new(app, &app.merchant);
    let hooks = Receiver::start().await;
    let callbacks = Receiver::start().await;
    if broken == Break::WebhookFailsOnCancel {
        hooks.fail_bodies_containing("\"CANCELLED\"");
    }
    let r = shop
        .call(Method::POST, "/webhooks/v1/webhooks")
        .await
        .json(&json!({"url": hooks.url, "events": EVENTS}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // A session the shopper pays, and one whose payer declines and the
    // merchant then cancels.
    let callback = format!("{}/checkout/callback", callbacks.base);
    for reference in ["chk-paid", "chk-declined"] {
        let r = Shop::with_system_headers(checkout_request(
            app,
            &app.merchant,
            Method::POST,
            "/checkout/v3/session",
        ))
        .json(&session_body(reference, 10_000, &callback))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = post(
        &shop,
        "/epayment/v1/test/payments/chk-paid/approve",
        "approve-chk-paid",
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    read_session(&shop, "chk-paid").await;
    let r = post(
        &shop,
        "/epayment/v1/test/payments/chk-declined/approve",
        "approve-chk-declined",
        json!({"customer": {"phoneNumber": "4700000001"}}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = post(
        &shop,
        "/epayment/v1/payments/chk-declined/cancel",
        "cancel-chk-declined",
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    read_session(&shop, "chk-declined").await;

    // ePayment payments ending in each state the checklist names.
    let refs = [
        "p-authorized",
        "p-refund-part",
        "p-capture-part",
        "p-refund-full",
        "p-cancel",
    ];
    for reference in refs {
        let r = post(
            &shop,
            "/epayment/v1/payments",
            &format!("create-{reference}"),
            create_body(reference, 10_000),
        )
        .await;
        assert_eq!(r.status(), 201);
        let r = post(
            &shop,
            &format!("/epayment/v1/test/payments/{reference}/approve"),
            "-",
            json!({}),
        )
        .await;
        assert_eq!(r.status(), 200);
        if !(broken == Break::NeverReadsOnePayment && reference == "p-authorized") {
            read(&shop, reference).await;
        }
    }
    assert_eq!(
        modify(&shop, "p-refund-part", "capture", "c1", 10_000).await,
        200
    );
    let refund = if broken == Break::NoPartialRefund {
        10_000
    } else {
        4_000
    };
    assert_eq!(
        modify(&shop, "p-refund-part", "refund", "r1", refund).await,
        200
    );
    assert_eq!(
        modify(&shop, "p-capture-part", "capture", "c2", 3_000).await,
        200
    );
    assert_eq!(
        modify(&shop, "p-refund-full", "capture", "c3", 10_000).await,
        200
    );
    assert_eq!(
        modify(&shop, "p-refund-full", "refund", "r3", 10_000).await,
        200
    );
    let r = post(
        &shop,
        "/epayment/v1/payments/p-cancel/cancel",
        "cancel-1",
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // An error met and handled: too much captured, then the right amount.
    assert_eq!(
        modify(&shop, "p-capture-part", "capture", "c4", 50_000).await,
        400
    );
    if broken == Break::RepeatsRefusedCapture {
        assert_eq!(
            modify(&shop, "p-capture-part", "capture", "c4", 50_000).await,
            400
        );
    } else {
        assert_eq!(
            modify(&shop, "p-capture-part", "capture", "c5", 1_000).await,
            200
        );
    }
    if broken == Break::OneCallWithoutHeaders {
        let r = shop
            .bare(Method::GET, "/epayment/v1/payments/p-cancel")
            .bearer_auth(shop.token().await)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn a_good_checkout_integration_passes_every_item() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::Nothing).await;
    let msn = app.merchant.msn.clone();
    let r = report_when(&app, &msn, "checkout", all_green).await;
    assert_eq!(r["checklist"], "checkout");
    assert_eq!(r["msn"], msn.as_str());
    assert!(open_items(&r).is_empty());
    let ends = item(&r, "test-ids");
    assert_eq!(ends["verdict"], "passed");
    let ids: Vec<&str> = ends["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    // The first authorized order is the paid Checkout session's.
    for wanted in ["chk-paid", "p-capture-part", "p-refund-part", "p-cancel"] {
        assert!(ids.contains(&wanted), "{ids:?}");
    }
    for e in ends["evidence"].as_array().unwrap() {
        assert_eq!(e["kind"], "order");
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(item(&r, "design-guidelines")["verdict"], "manual");
    let headers = item(&r, "http-headers");
    assert_eq!(headers["evidence"][0]["kind"], "request");
    let callbacks = item(&r, "checkout-callback");
    assert_eq!(callbacks["evidence"][0]["kind"], "delivery");
}

#[tokio::test]
async fn a_webhook_answered_500_fails_callback_handling() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::WebhookFailsOnCancel).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "checkout",
        "handle-callbacks",
        "failed",
    )
    .await;
    assert!(reason.contains("answered 500 at"), "{reason}");
}

#[tokio::test]
async fn one_call_without_system_headers_fails_the_header_item() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::OneCallWithoutHeaders).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "checkout",
        "http-headers",
        "failed",
    )
    .await;
    assert!(
        reason.starts_with("Vipps-System-Name header missing on 1 of "),
        "{reason}"
    );
    assert!(
        reason.contains("GET /epayment/v1/payments/p-cancel"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_approved_payment_never_read_fails_polling() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::NeverReadsOnePayment).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "checkout",
        "poll-details",
        "failed",
    )
    .await;
    assert!(reason.contains("p-authorized"), "{reason}");
    assert!(reason.contains("never read"), "{reason}");
}

#[tokio::test]
async fn without_a_partial_refund_the_refund_item_is_not_yet_done() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::NoPartialRefund).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "checkout",
        "epayment-refund",
        "not_yet",
    )
    .await;
    assert!(reason.starts_with("No partial refund yet"), "{reason}");
}

#[tokio::test]
async fn a_refused_capture_sent_again_unchanged_fails_error_handling() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::RepeatsRefusedCapture).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "checkout",
        "handle-errors",
        "failed",
    )
    .await;
    assert!(
        reason.contains("POST /epayment/v1/payments/p-capture-part/capture was refused with 400"),
        "{reason}"
    );
    assert!(reason.contains("sent again unchanged"), "{reason}");
}
