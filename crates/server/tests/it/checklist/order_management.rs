//! The Order Management checklist: a good integration (an image, a
//! category using it, a receipt and the order read back, for an ePayment
//! payment) ends all green; each broken variant turns exactly one item red.

use base64::{engine::general_purpose::STANDARD, Engine};
use image::{ImageBuffer, Rgb};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use super::{all_green, item, only_red, open_items, report_when, Shop};
use crate::common::{create_body, TestApp};

const ORDER: &str = "om-socks-1";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Break {
    Nothing,
    NoReceipt,
    NeverReadsOrder,
    RepeatsRefusedReceipt,
}

/// A 200×200 PNG, base64-encoded, as the image endpoint takes it.
fn png() -> String {
    let img = ImageBuffer::from_fn(200, 200, |x, y| Rgb([x as u8, y as u8, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    STANDARD.encode(out.into_inner())
}

fn receipt() -> Value {
    json!({
        "orderLines": [
            {"name": "socks", "id": "line_item_1", "totalAmount": 10000,
             "totalAmountExcludingTax": 8000, "totalTaxAmount": 2000, "taxPercentage": 25}
        ],
        "bottomLine": {"currency": "NOK", "receiptNumber": "0527013501"}
    })
}

async fn send(shop: &Shop<'_>, method: Method, path: &str, body: Value) -> Response {
    shop.call(method, path)
        .await
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn post_receipt(shop: &Shop<'_>, body: Value) -> u16 {
    send(
        shop,
        Method::POST,
        &format!("/order-management/v2/ecom/receipts/{ORDER}"),
        body,
    )
    .await
    .status()
    .as_u16()
}

/// A merchant's Order Management integration, broken in one way (or none).
async fn integrate(app: &TestApp, broken: Break) {
    let shop = Shop::new(app, &app.merchant);
    let r = shop
        .call(Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", format!("create-{ORDER}"))
        .json(&create_body(ORDER, 10_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let r = send(
        &shop,
        Method::POST,
        "/order-management/v1/images",
        json!({"imageId": "socks-img", "src": png(), "type": "base64"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = send(
        &shop,
        Method::PUT,
        &format!("/order-management/v2/ecom/categories/{ORDER}"),
        json!({"category": "GENERAL", "orderDetailsUrl": "https://example.com/o/1",
               "imageId": "socks-img"}),
    )
    .await;
    assert_eq!(r.status(), 200);

    // An error met and handled: a receipt whose tax does not add up is
    // refused, the corrected one accepted.
    let mut bad = receipt();
    bad["orderLines"][0]["totalTaxAmount"] = json!(1500);
    assert_eq!(post_receipt(&shop, bad.clone()).await, 400);
    if broken == Break::RepeatsRefusedReceipt {
        assert_eq!(post_receipt(&shop, bad).await, 400);
    }
    if broken != Break::NoReceipt {
        assert_eq!(post_receipt(&shop, receipt()).await, 201);
    }

    if broken != Break::NeverReadsOrder {
        let r = shop
            .call(Method::GET, &format!("/order-management/v2/ecom/{ORDER}"))
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let order: Value = r.json().await.unwrap();
        assert_eq!(order["category"]["imageId"], "socks-img");
    }
}

#[tokio::test]
async fn a_good_order_management_integration_passes_every_item() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::Nothing).await;
    let msn = app.merchant.msn.clone();
    let r = report_when(&app, &msn, "order-management", all_green).await;
    assert_eq!(r["checklist"], "order-management");
    assert_eq!(r["msn"], msn.as_str());
    assert!(open_items(&r).is_empty());
    for id in ["design-guidelines", "customer-support"] {
        assert_eq!(item(&r, id)["verdict"], "manual", "{id}");
    }
    for id in ["image", "category", "receipt", "get-order", "http-headers"] {
        let i = item(&r, id);
        assert_eq!(i["verdict"], "passed", "{id}");
        assert_eq!(i["evidence"][0]["kind"], "request", "{id}");
        assert!(i["evidence"][0]["at"].as_str().unwrap().ends_with('Z'));
    }
    let errors = item(&r, "handle-errors");
    assert!(
        errors["reason"].as_str().unwrap().contains(&format!(
            "400 on POST /order-management/v2/ecom/receipts/{ORDER}"
        )),
        "{errors}"
    );
}

#[tokio::test]
async fn without_a_receipt_the_receipt_item_is_not_yet_done() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::NoReceipt).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "order-management",
        "receipt",
        "not_yet",
    )
    .await;
    assert!(
        reason.starts_with("POST /order-management/v2/…/receipts/… was called 1 time(s) but never succeeded (last: 400"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_order_never_read_leaves_get_order_not_yet_done() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::NeverReadsOrder).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "order-management",
        "get-order",
        "not_yet",
    )
    .await;
    assert!(
        reason.starts_with("GET /order-management/v2/…/… has not been called yet"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_refused_receipt_sent_again_unchanged_fails_error_handling() {
    let app = TestApp::spawn().await;
    integrate(&app, Break::RepeatsRefusedReceipt).await;
    let reason = only_red(
        &app,
        &app.merchant.msn,
        "order-management",
        "handle-errors",
        "failed",
    )
    .await;
    assert!(
        reason.contains(&format!(
            "POST /order-management/v2/ecom/receipts/{ORDER} was refused with 400"
        )),
        "{reason}"
    );
    assert!(reason.contains("sent again unchanged"), "{reason}");
}
