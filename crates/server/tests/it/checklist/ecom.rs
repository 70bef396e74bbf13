//! The eCom checklist, express checkout included: a good integration ends
//! all green; each broken variant turns exactly one item red.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use super::{all_green, item, only_red, open_items, report_when, Shop};
use crate::{
    common::TestApp,
    ecom::{action, initiate_body},
    receiver::Receiver,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Break {
    Nothing,
    CallbackFailsOnRejection,
    PartialCaptureWithoutRequestId,
    ShippingDetailsFail,
    NoVoid,
    NeverReadsVoidOrder,
}

async fn send(
    shop: &Shop<'_>,
    method: Method,
    path: &str,
    body: Option<Value>,
    request_id: Option<&str>,
) -> Response {
    let mut rb = shop.call(method, path).await;
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    if let Some(id) = request_id {
        rb = rb.header("X-Request-Id", id);
    }
    rb.send().await.unwrap()
}

async fn initiate(shop: &Shop<'_>, body: Value) {
    let r = send(shop, Method::POST, "/ecomm/v2/payments", Some(body), None).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// The payer approves in the app (the eCom test approval endpoint).
async fn approve(shop: &Shop<'_>, order_id: &str, body: Value) -> u16 {
    let path = format!("/ecomm/v2/integration-test/payments/{order_id}/approve");
    send(shop, Method::POST, &path, Some(body), None)
        .await
        .status()
        .as_u16()
}

async fn read(shop: &Shop<'_>, order_id: &str) {
    let path = format!("/ecomm/v2/payments/{order_id}/details");
    let r = send(shop, Method::GET, &path, None, None).await;
    assert_eq!(r.status(), 200);
}

async fn modify(
    shop: &Shop<'_>,
    order_id: &str,
    op: &str,
    amount: Option<i64>,
    request_id: Option<&str>,
) -> u16 {
    let method = if op == "cancel" {
        Method::PUT
    } else {
        Method::POST
    };
    let path = format!("/ecomm/v2/payments/{order_id}/{op}");
    let body = action(shop.app, amount);
    send(shop, method, &path, Some(body), request_id)
        .await
        .status()
        .as_u16()
}

async fn as_payer(app: &TestApp, order_id: &str, what: &str) {
    let r = app
        .client
        .post(app.url(&format!(
            "/sandbox/v1/merchants/{}/ecom/{order_id}/{what}",
            app.merchant.msn
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

fn shipping_answer(order_id: &str) -> Value {
    json!({
        "addressId": 100,
        "orderId": order_id,
        "shippingDetails": [
            {"isDefault": "Y", "priority": 1, "shippingCost": 49.9, "shippingMethod": "Posten Servicepakke", "shippingMethodId": "posten"}
        ]
    })
}

/// A merchant's whole eCom integration, regular and express, as its test
/// suite would run it, broken in one way (or none).
pub(crate) async fn integrate(app: &TestApp, broken: Break) {
    let shop = Shop::new(app, &app.merchant);
    let callbacks = Receiver::start().await;
    if broken == Break::CallbackFailsOnRejection {
        callbacks.fail_bodies_containing("\"CANCELLED\"");
    }
    let prefix = format!("{}/vipps/callbacks", callbacks.base);
    let pay = |order_id: &str| initiate_body(app, order_id, 10_000, &prefix);

    // Regular payments the payer approves, each read once afterwards.
    for order_id in ["e-capture-part", "e-refund-full", "e-refund-part", "e-void"] {
        initiate(&shop, pay(order_id)).await;
        if broken == Break::NoVoid && order_id == "e-void" {
            // Cancelled before the payer acts: it ends in CANCEL, not VOID.
            continue;
        }
        assert_eq!(
            approve(&shop, order_id, json!({"customerPhoneNumber": "12345678"})).await,
            200
        );
        if !(broken == Break::NeverReadsVoidOrder && order_id == "e-void") {
            read(&shop, order_id).await;
        }
    }

    // A payment the payer rejects: an unsuccessful callback.
    initiate(&shop, pay("e-reject")).await;
    as_payer(app, "e-reject", "reject").await;
    read(&shop, "e-reject").await;

    // Partial capture, with an error met and corrected on the way.
    assert_eq!(
        modify(
            &shop,
            "e-capture-part",
            "capture",
            Some(4_000),
            Some("cap-1")
        )
        .await,
        200
    );
    assert_eq!(
        modify(
            &shop,
            "e-capture-part",
            "capture",
            Some(50_000),
            Some("cap-2")
        )
        .await,
        400
    );
    assert_eq!(
        modify(
            &shop,
            "e-capture-part",
            "capture",
            Some(1_000),
            Some("cap-3")
        )
        .await,
        200
    );

    // Full capture and full refund.
    if broken == Break::PartialCaptureWithoutRequestId {
        // The sandbox refuses it (400); the merchant then captures all.
        assert_eq!(
            modify(&shop, "e-refund-full", "capture", Some(4_000), None).await,
            400
        );
    }
    assert_eq!(
        modify(
            &shop,
            "e-refund-full",
            "capture",
            Some(10_000),
            Some("cap-4")
        )
        .await,
        200
    );
    assert_eq!(
        modify(
            &shop,
            "e-refund-full",
            "refund",
            Some(10_000),
            Some("ref-1")
        )
        .await,
        200
    );

    // Full capture and partial refund.
    assert_eq!(
        modify(&shop, "e-refund-part", "capture", None, Some("cap-5")).await,
        200
    );
    assert_eq!(
        modify(&shop, "e-refund-part", "refund", Some(2_500), Some("ref-2")).await,
        200
    );

    // A reservation released: VOID (or, broken, a cancel before approval).
    assert_eq!(
        modify(&shop, "e-void", "cancel", None, Some("void-1")).await,
        200
    );
    if broken == Break::NoVoid {
        read(&shop, "e-void").await;
    }

    // Express checkout: the shipping details call, then consent removal.
    let express = Receiver::start().await;
    let mut b = initiate_body(app, "e-express", 10_000, &format!("{}/cb", express.base));
    b["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    b["merchantInfo"]["shippingDetailsPrefix"] = json!(format!("{}/ship/", express.base));
    b["merchantInfo"]["consentRemovalPrefix"] = json!(format!("{}/consent", express.base));
    initiate(&shop, b).await;
    if broken == Break::ShippingDetailsFail {
        // The payer's first try fails on the merchant's 500; once the
        // endpoint is fixed the payer tries again with other details.
        express.answer(500);
        assert_eq!(
            approve(
                &shop,
                "e-express",
                json!({"customerPhoneNumber": "12345678"})
            )
            .await,
            400
        );
        express.answer(200);
    }
    express.answer_json(&shipping_answer("e-express"));
    assert_eq!(approve(&shop, "e-express", json!({})).await, 200);
    read(&shop, "e-express").await;
    as_payer(app, "e-express", "remove-consent").await;
}

fn evidence_ids(item: &Value) -> Vec<&str> {
    item["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_good_ecom_integration_passes_every_item() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::Nothing).await;
    let msn = app.merchant.msn.clone();
    let r = report_when(&app, &msn, "ecom", all_green).await;
    assert_eq!(r["checklist"], "ecom");
    assert_eq!(r["msn"], msn.as_str());
    assert!(open_items(&r).is_empty());

    let ends = item(&r, "test-ids");
    assert_eq!(ends["verdict"], "passed");
    let ids = evidence_ids(ends);
    assert!(ids[0].starts_with("e-refund-"), "{ids:?}");
    assert_eq!(ids[1], "e-void");
    for e in ends["evidence"].as_array().unwrap() {
        assert_eq!(e["kind"], "order");
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
    }
    let capture = item(&r, "capture");
    assert_eq!(
        evidence_ids(capture),
        ["e-refund-full", "e-capture-part"],
        "{capture}"
    );
    let refund = item(&r, "refund");
    assert_eq!(
        evidence_ids(refund),
        ["e-refund-full", "e-refund-part"],
        "{refund}"
    );
    let partial = item(&r, "partial-request-id");
    assert!(
        partial["reason"]
            .as_str()
            .unwrap()
            .starts_with("All 3 partial captures and refunds carried an X-Request-Id"),
        "{partial}"
    );
    assert_eq!(partial["evidence"][0]["kind"], "request");
    for id in ["callback", "shipping-details", "remove-consent"] {
        assert_eq!(item(&r, id)["evidence"][0]["kind"], "delivery", "{id}");
    }
    assert_eq!(item(&r, "design-guidelines")["verdict"], "manual");
    assert_eq!(item(&r, "http-headers")["evidence"][0]["kind"], "request");
}

#[tokio::test]
async fn an_unsuccessful_callback_answered_500_fails_the_callback_item() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::CallbackFailsOnRejection).await;
    let reason = only_red(&app, &app.merchant.msn, "ecom", "callback", "failed").await;
    assert!(
        reason.contains("/vipps/callbacks/v2/payments/e-reject answered 500 at"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_partial_capture_without_request_id_fails_that_item() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::PartialCaptureWithoutRequestId).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "ecom",
        "partial-request-id",
        "failed",
    )
    .await;
    assert!(
        reason.starts_with("Partial capture sent without X-Request-Id at "),
        "{reason}"
    );
    assert!(reason.contains("(1 of 4 partial calls)"), "{reason}");
}

#[tokio::test]
async fn a_shipping_details_endpoint_answering_500_fails_that_item() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::ShippingDetailsFail).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "ecom",
        "shipping-details",
        "failed",
    )
    .await;
    assert!(
        reason.contains("/ship/v2/payments/e-express/shippingDetails answered 500 at"),
        "{reason}"
    );
    assert!(reason.ends_with("(1 of 2)."), "{reason}");
}

#[tokio::test]
async fn without_a_voided_order_the_test_ids_are_not_yet_shown() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::NoVoid).await;
    let reason = only_red(&app, &app.merchant.msn, "ecom", "test-ids", "not_yet").await;
    assert!(reason.starts_with("No order ends in VOID yet"), "{reason}");
}

#[tokio::test]
async fn an_approved_order_never_read_fails_not_relying_on_callbacks() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::NeverReadsVoidOrder).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "ecom",
        "not-rely-on-callback",
        "failed",
    )
    .await;
    assert!(reason.contains("e-void"), "{reason}");
    assert!(reason.contains("never read"), "{reason}");
}
