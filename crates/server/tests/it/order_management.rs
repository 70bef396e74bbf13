//! Order Management over real HTTP: images judged by their bytes,
//! categories (v2 upsert and v3), receipts once per order — also when they
//! came with an ePayment or Checkout payment — and one merchant's order data
//! out of another's reach.

use base64::{engine::general_purpose::STANDARD, Engine};
use image::{ImageBuffer, Rgb};
use reqwest::{Method, Response};
use serde_json::{json, Value};
use vipps_store::merchants::NewCredentials;

use crate::{
    checkout::{create_session, session_body},
    common::{create_body, TestApp},
};

fn image_b64(width: u32, height: u32, format: image::ImageFormat) -> String {
    let img = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 40])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    STANDARD.encode(out.into_inner())
}

fn png(height: u32) -> String {
    image_b64(200, height, image::ImageFormat::Png)
}

async fn call(
    app: &TestApp,
    m: &NewCredentials,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app.as_merchant(m, method, path).await;
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn upload(app: &TestApp, m: &NewCredentials, id: &str, src: &str) -> Response {
    call(
        app,
        m,
        Method::POST,
        "/order-management/v1/images",
        Some(json!({"imageId": id, "src": src, "type": "base64"})),
    )
    .await
}

async fn put_category(app: &TestApp, m: &NewCredentials, order: &str, body: Value) -> Response {
    call(
        app,
        m,
        Method::PUT,
        &format!("/order-management/v2/ecom/categories/{order}"),
        Some(body),
    )
    .await
}

async fn post_receipt(app: &TestApp, m: &NewCredentials, order: &str, body: Value) -> Response {
    call(
        app,
        m,
        Method::POST,
        &format!("/order-management/v2/ECOM/receipts/{order}"),
        Some(body),
    )
    .await
}

async fn get_order(app: &TestApp, m: &NewCredentials, order: &str) -> Response {
    call(
        app,
        m,
        Method::GET,
        &format!("/order-management/v2/Ecom/{order}"),
        None,
    )
    .await
}

/// The problem body, with the names of its invalid params.
async fn problem(r: Response, status: u16) -> (Value, Vec<String>) {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: Value = r.json().await.unwrap();
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["instance"].is_string(),
        "{body}"
    );
    let names = body["invalidParams"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    (body, names)
}

fn receipt() -> Value {
    json!({
        "orderLines": [
            {"name": "socks", "id": "line_item_1", "totalAmount": 1000, "totalAmountExcludingTax": 800,
             "totalTaxAmount": 200, "taxPercentage": 25,
             "unitInfo": {"unitPrice": 400, "quantity": "2.5", "quantityUnit": "KG"},
             "discount": 0, "productUrl": "https://example.com/store/socks", "isReturn": false, "isShipping": false},
            {"name": "Home Delivery", "id": "delivery", "totalAmount": 1000, "totalAmountExcludingTax": 800,
             "totalTaxAmount": 200, "taxRate": 2500, "isShipping": true}
        ],
        "bottomLine": {"currency": "NOK", "tipAmount": 0, "posId": "pos_122",
            "barcode": {"format": "CODE 39", "data": "SC0527013501 "}, "receiptNumber": "0527013501"}
    })
}

#[tokio::test]
async fn images_are_judged_by_their_bytes_and_cannot_be_replaced() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let r = upload(&app, m, "socks-orange-123", &png(200)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"imageId": "socks-orange-123"})
    );
    let jpeg = image_b64(300, 300, image::ImageFormat::Jpeg);
    assert_eq!(upload(&app, m, "socks.jpeg", &jpeg).await.status(), 200);
    // The same id again: 409, whatever the content.
    let (body, _) = problem(upload(&app, m, "socks-orange-123", &png(300)).await, 409).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("socks-orange-123"));

    let gif = STANDARD.encode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;");
    let raw_png = STANDARD.decode(png(200)).unwrap();
    let truncated = STANDARD.encode(&raw_png[..raw_png.len() / 2]);
    for (id, src, says) in [
        ("short", png(166), "167"),
        ("gif", gif, "PNG or JPEG"),
        ("url", "https://example.com/a.png".to_owned(), "base64"),
        ("truncated", truncated, "could not be read"),
    ] {
        let (body, names) = problem(upload(&app, m, id, &src).await, 400).await;
        assert_eq!(names, ["src"], "{id}");
        assert!(
            body["invalidParams"][0]["reason"]
                .as_str()
                .unwrap()
                .contains(says),
            "{id}: {body}"
        );
    }
    let (_, names) = problem(
        call(
            &app,
            m,
            Method::POST,
            "/order-management/v1/images",
            Some(json!({"imageId": "bad id", "src": png(200), "type": "url"})),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(names, ["imageId", "type"]);
}

#[tokio::test]
async fn a_category_is_upserted_last_wins_and_needs_a_known_image() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let r = put_category(
        &app,
        m,
        "order-cat-1",
        json!({"category": "GENERAL", "orderDetailsUrl": "https://example.com/o/1"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap().is_string());
    upload(&app, m, "ticket-img", &png(200)).await;
    let r = put_category(&app, m, "order-cat-1",
        json!({"category": "TICKET", "orderDetailsUrl": "https://example.com/t/1", "imageId": "ticket-img"})).await;
    assert_eq!(r.status(), 200);
    let order: Value = get_order(&app, m, "order-cat-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        order,
        json!({"category": {"category": "TICKET", "orderDetailsUrl": "https://example.com/t/1", "imageId": "ticket-img"}})
    );

    let (_, names) = problem(
        put_category(&app, m, "order-cat-1", json!({"category": "GENERAL"})).await,
        400,
    )
    .await;
    assert_eq!(names, ["orderDetailsUrl"]);
    let (_, names) = problem(
        put_category(&app, m, "order-cat-1", json!({"category": "GENERAL", "orderDetailsUrl": "https://x.example", "imageId": "never-uploaded"})).await,
        400,
    )
    .await;
    assert_eq!(names, ["imageId"]);
    let (_, names) = problem(
        call(
            &app,
            m,
            Method::PUT,
            "/order-management/v2/psp/categories/order-cat-1",
            Some(json!({"category": "GENERAL", "orderDetailsUrl": "https://x.example"})),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(names, ["paymentType"]);
    // The failed calls changed nothing.
    let order: Value = get_order(&app, m, "order-cat-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["category"]["category"], "TICKET");
}

#[tokio::test]
async fn a_receipt_is_added_once_and_echoed() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let (_, _) = problem(get_order(&app, m, "order-rec-1").await, 404).await;
    let r = post_receipt(&app, m, "order-rec-1", receipt()).await;
    assert_eq!(r.status(), 201);
    assert!(r.json::<Value>().await.unwrap().is_string());
    let order: Value = get_order(&app, m, "order-rec-1")
        .await
        .json()
        .await
        .unwrap();
    let r0 = &order["receipt"];
    assert_eq!(r0["orderLines"][0]["unitInfo"]["quantity"], "2.5");
    assert_eq!(r0["orderLines"][0]["taxPercentage"], 25);
    assert_eq!(r0["orderLines"][1]["taxRate"], 2500);
    assert_eq!(r0["orderLines"][1]["isShipping"], true);
    assert_eq!(r0["bottomLine"]["barcode"]["format"], "CODE 39");
    assert_eq!(r0["bottomLine"]["receiptNumber"], "0527013501");
    assert!(order.get("category").is_none());
    problem(post_receipt(&app, m, "order-rec-1", receipt()).await, 409).await;

    // Every rule broken is named.
    let mut bad = receipt();
    bad["orderLines"][0]["totalTaxAmount"] = json!(150);
    bad["bottomLine"]["currency"] = json!("SEK");
    let (_, names) = problem(post_receipt(&app, m, "order-rec-2", bad).await, 400).await;
    assert!(
        names.contains(&"orderLines[0].totalTaxAmount".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"bottomLine.currency".to_owned()),
        "{names:?}"
    );
    problem(get_order(&app, m, "order-rec-2").await, 404).await;
    // Malformed JSON is a 400 in the same format.
    let r = app
        .as_merchant(
            m,
            Method::POST,
            "/order-management/v2/ecom/receipts/order-rec-3",
        )
        .await
        .header("content-type", "application/json")
        .body("{\"orderLines\": [")
        .send()
        .await
        .unwrap();
    problem(r, 400).await;
    let r = app
        .as_merchant(m, Method::GET, "/order-management/v9/nothing")
        .await
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
}

#[tokio::test]
async fn epayment_and_checkout_receipts_are_the_orders_receipt() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let mut body = create_body("om-epay-1", 2000);
    body["receipt"] = receipt();
    let r = app
        .post("/epayment/v1/payments", "create-om-epay-1", body)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let order: Value = get_order(&app, m, "om-epay-1").await.json().await.unwrap();
    assert_eq!(order["receipt"]["orderLines"][0]["name"], "socks");
    problem(post_receipt(&app, m, "om-epay-1", receipt()).await, 409).await;

    let mut session = session_body("om-checkout-1", 10_000, "https://shop.example/cb");
    session["transaction"]["orderSummary"] = json!({
        "orderLines": [{"name": "Wool socks", "id": "socks", "totalAmount": 10_000,
                        "totalAmountExcludingTax": 8_000, "totalTaxAmount": 2_000, "taxRate": 2500}],
        "orderBottomLine": {"currency": "NOK"}
    });
    assert_eq!(create_session(&app, &session).await.status(), 200);
    let r = app
        .post(
            "/epayment/v1/test/payments/om-checkout-1/approve",
            "approve-om-checkout-1",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let order: Value = get_order(&app, m, "om-checkout-1")
        .await
        .json()
        .await
        .unwrap();
    let lines = order["receipt"]["orderLines"].as_array().unwrap();
    assert_eq!(lines[0]["name"], "Wool socks");
    // The chosen shipping is a shipping line.
    assert_eq!(lines[1]["isShipping"], true, "{order}");
    problem(post_receipt(&app, m, "om-checkout-1", receipt()).await, 409).await;
}

#[tokio::test]
async fn v3_categories_are_created_listed_read_and_deleted() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let add = |order: &'static str, kind: &'static str| {
        call(
            &app,
            m,
            Method::POST,
            "/order-management/v3/categories",
            Some(
                json!({"orderId": order, "paymentType": "ECOM", "type": kind, "url": "https://www.example.com"}),
            ),
        )
    };
    let r = add("PaymentReference123", "RECEIPT").await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["categoryId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(add("PaymentReference123", "DELIVERY").await.status(), 201);
    assert_eq!(add("OtherOrder", "TICKET").await.status(), 201);
    let list: Value = call(
        &app,
        m,
        Method::GET,
        "/order-management/v3/categories?orderId=PaymentReference123",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let kinds: Vec<&str> = list["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["RECEIPT", "DELIVERY"]);
    let one: Value = call(
        &app,
        m,
        Method::GET,
        &format!("/order-management/v3/categories/{id}"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(one["categoryId"], id.as_str());
    assert_eq!(one["paymentType"], "ECOM");
    let other = app.new_merchant("Other shop").await;
    problem(
        call(
            &app,
            &other,
            Method::GET,
            &format!("/order-management/v3/categories/{id}"),
            None,
        )
        .await,
        404,
    )
    .await;
    problem(
        call(
            &app,
            &other,
            Method::DELETE,
            &format!("/order-management/v3/categories/{id}"),
            None,
        )
        .await,
        404,
    )
    .await;
    let r = call(
        &app,
        m,
        Method::DELETE,
        &format!("/order-management/v3/categories/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    problem(
        call(
            &app,
            m,
            Method::GET,
            &format!("/order-management/v3/categories/{id}"),
            None,
        )
        .await,
        404,
    )
    .await;
    problem(
        call(
            &app,
            m,
            Method::GET,
            "/order-management/v3/categories/not-a-uuid",
            None,
        )
        .await,
        400,
    )
    .await;
    let (_, names) = problem(
        call(
            &app,
            m,
            Method::POST,
            "/order-management/v3/categories",
            Some(json!({"type": "NOPE"})),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(names, ["orderId", "paymentType", "type", "url"]);
}

#[tokio::test]
async fn one_merchants_orders_and_images_are_out_of_anothers_reach() {
    let app = TestApp::spawn().await;
    let a = &app.merchant;
    let b = app.new_merchant("Merchant B").await;
    upload(&app, a, "a-logo", &png(200)).await;
    put_category(&app, a, "shared-order-1",
        json!({"category": "RECEIPT", "orderDetailsUrl": "https://a.example/1", "imageId": "a-logo"})).await;
    post_receipt(&app, a, "shared-order-1", receipt()).await;

    problem(get_order(&app, &b, "shared-order-1").await, 404).await;
    // B cannot use A's image …
    let (_, names) = problem(
        put_category(&app, &b, "b-order", json!({"category": "GENERAL", "orderDetailsUrl": "https://b.example", "imageId": "a-logo"})).await,
        400,
    )
    .await;
    assert_eq!(names, ["imageId"]);
    // … but may have its own with that id, and its own order data.
    assert_eq!(upload(&app, &b, "a-logo", &png(200)).await.status(), 200);
    assert_eq!(
        post_receipt(&app, &b, "shared-order-1", receipt())
            .await
            .status(),
        201
    );
    put_category(
        &app,
        &b,
        "shared-order-1",
        json!({"category": "GENERAL", "orderDetailsUrl": "https://b.example/1"}),
    )
    .await;
    let a_order: Value = get_order(&app, a, "shared-order-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        a_order["category"]["orderDetailsUrl"],
        "https://a.example/1"
    );
}

#[tokio::test]
async fn the_payers_order_history_shows_each_orders_category_and_receipt() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let mut body = create_body("om-history-1", 2000);
    body["receipt"] = receipt();
    assert_eq!(
        app.post("/epayment/v1/payments", "create-om-history-1", body)
            .await
            .status(),
        201
    );
    upload(&app, m, "shop-logo", &png(200)).await;
    put_category(&app, m, "om-history-1",
        json!({"category": "TICKET", "orderDetailsUrl": "https://shop.example/tickets/1", "imageId": "shop-logo"})).await;
    // Not paid yet: not in the history.
    let page = |phone: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url(&format!("/app/orders?phone={phone}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    assert!(!page("4712345678").await.contains("om-history-1"));
    app.approve("om-history-1").await;

    let html = page("4712345678").await;
    assert!(html.contains("om-history-1"), "{html}");
    assert!(
        html.contains("Ticket") && html.contains("https://shop.example/tickets/1"),
        "{html}"
    );
    assert!(
        html.contains("socks") && html.contains("2.5 KG × 4.00 NOK"),
        "{html}"
    );
    assert!(
        html.contains("Home Delivery") && html.contains("(shipping)"),
        "{html}"
    );
    assert!(
        html.contains("25 %") && html.contains("20.00 NOK"),
        "{html}"
    );
    assert!(
        html.contains("CODE 39") && html.contains("SC0527013501"),
        "{html}"
    );
    let img = format!("/app/images/{}/shop-logo", m.msn);
    assert!(html.contains(&img), "{html}");
    let r = app.client.get(app.url(&img)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));
    // Another phone paid nothing.
    assert!(!page("4798765432").await.contains("om-history-1"));
    let r = app
        .client
        .get(app.url(&format!("/app/images/{}/nope", m.msn)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn two_receipts_racing_for_one_order_store_one() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let mut other = receipt();
    other["orderLines"][0]["name"] = json!("gloves");
    let (a, b) = tokio::join!(
        post_receipt(&app, m, "om-race-1", receipt()),
        post_receipt(&app, m, "om-race-1", other)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    let order: Value = get_order(&app, m, "om-race-1").await.json().await.unwrap();
    let name = order["receipt"]["orderLines"][0]["name"].as_str().unwrap();
    let winner = if a.status() == 201 { "socks" } else { "gloves" };
    assert_eq!(name, winner);
}
