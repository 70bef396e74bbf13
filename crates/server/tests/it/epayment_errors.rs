//! Bad input gets a 4xx problem body, never a 500; other merchants' payments
//! do not exist for you.

use serde_json::json;

use crate::common::{create_body, problem, TestApp};

#[tokio::test]
async fn malformed_json_and_wrong_types_are_400_problems_naming_the_field() {
    let app = TestApp::spawn().await;
    let r = app
        .api(reqwest::Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "k1")
        .header("Content-Type", "application/json")
        .body("{\"amount\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r, 400).await["title"], "Invalid JSON");

    let mut body = create_body("order-types-001", 1_000);
    body["amount"]["value"] = json!("1000");
    let p = problem(app.post("/epayment/v1/payments", "k2", body).await, 400).await;
    assert_eq!(p["extraDetails"][0]["name"], "amount.value");

    let mut body = create_body("order-types-002", 1_000);
    body["amount"]["value"] = json!(10.5);
    problem(app.post("/epayment/v1/payments", "k3", body).await, 400).await;

    let mut body = create_body("order-types-003", 1_000);
    body.as_object_mut().unwrap().remove("userFlow");
    let p = problem(app.post("/epayment/v1/payments", "k4", body).await, 400).await;
    assert!(p["detail"].as_str().unwrap().contains("userFlow"));

    // Unknown properties are ignored, as the real API does.
    let mut body = create_body("order-types-004", 1_000);
    body["somethingNew"] = json!(true);
    assert_eq!(
        app.post("/epayment/v1/payments", "k5", body).await.status(),
        201
    );
}

#[tokio::test]
async fn amount_and_reference_rules_are_enforced() {
    let app = TestApp::spawn().await;
    for (i, (value, currency, title)) in [
        (0, "NOK", "Amount too small"),
        (99, "NOK", "Amount too small"),
        (-5, "NOK", "Amount too small"),
        (65_000_001, "NOK", "Amount invalid"),
        (1_000, "SEK", "Invalid currency"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = create_body(&format!("order-amount-{i:03}"), value);
        body["amount"]["currency"] = json!(currency);
        let p = problem(
            app.post("/epayment/v1/payments", &format!("a{i}"), body)
                .await,
            400,
        )
        .await;
        assert_eq!(p["title"], title, "{value} {currency}");
    }
    for (i, reference) in ["short", "has space 123", "under_score_1", &"x".repeat(51)]
        .into_iter()
        .enumerate()
    {
        let p = problem(
            app.post(
                "/epayment/v1/payments",
                &format!("r{i}"),
                create_body(reference, 1_000),
            )
            .await,
            400,
        )
        .await;
        assert_eq!(p["title"], "Invalid reference");
    }
    let mut body = create_body("order-url-0001", 1_000);
    body["returnUrl"] = json!("not a url");
    assert_eq!(
        problem(app.post("/epayment/v1/payments", "u1", body).await, 400).await["title"],
        "Invalid URL"
    );
    let mut body = create_body("order-phone-001", 1_000);
    body["customer"] = json!({"phoneNumber": "+47 123"});
    assert_eq!(
        problem(app.post("/epayment/v1/payments", "p1", body).await, 400).await["title"],
        "Invalid phone number"
    );
}

#[tokio::test]
async fn modification_amounts_out_of_range_are_refused_without_changing_anything() {
    let app = TestApp::spawn().await;
    app.create("order-range-01", 1_000).await;
    let p = problem(
        app.modify("order-range-01", "capture", "c0", 100).await,
        400,
    )
    .await;
    assert_eq!(p["title"], "Cannot capture before reservation");
    app.approve("order-range-01").await;
    assert_eq!(
        problem(
            app.modify("order-range-01", "capture", "c1", 1_001).await,
            400
        )
        .await["title"],
        "Capture amount too high"
    );
    assert_eq!(
        problem(app.modify("order-range-01", "capture", "c2", 0).await, 400).await["title"],
        "Amount too small"
    );
    assert_eq!(
        problem(app.modify("order-range-01", "refund", "r1", 1).await, 400).await["title"],
        "Not enough refundable"
    );
    let p = app.payment("order-range-01").await;
    assert_eq!(p["aggregate"]["capturedAmount"]["value"], 0);
    assert_eq!(app.events("order-range-01").await.len(), 2);
}

#[tokio::test]
async fn missing_idempotency_key_is_400() {
    let app = TestApp::spawn().await;
    let r = app
        .api(reqwest::Method::POST, "/epayment/v1/payments")
        .await
        .json(&create_body("order-nokey-01", 1_000))
        .send()
        .await
        .unwrap();
    let p = problem(r, 400).await;
    assert_eq!(p["extraDetails"][0]["name"], "Idempotency-Key");
    let long = "k".repeat(51);
    problem(
        app.post(
            "/epayment/v1/payments",
            &long,
            create_body("order-nokey-02", 1_000),
        )
        .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-huge-0001", 1_000);
    body["paymentDescription"] = json!("x".repeat(1024 * 1024 + 10));
    problem(app.post("/epayment/v1/payments", "h1", body).await, 413).await;
}

#[tokio::test]
async fn unknown_references_are_404_and_bad_path_references_400() {
    let app = TestApp::spawn().await;
    assert_eq!(
        problem(app.get("/epayment/v1/payments/no-such-order").await, 404).await["title"],
        "Reference not found"
    );
    problem(
        app.get("/epayment/v1/payments/no-such-order/events").await,
        404,
    )
    .await;
    problem(app.modify("no-such-order", "capture", "k", 100).await, 404).await;
    problem(app.get("/epayment/v1/payments/bad_reference").await, 400).await;
}

#[tokio::test]
async fn another_merchants_payment_is_404_for_everyone_else() {
    let app = TestApp::spawn().await;
    app.create("order-tenant-01", 1_000).await;
    app.approve("order-tenant-01").await;
    let other = app.new_merchant("Other Shop").await;
    let get = app
        .as_merchant(
            &other,
            reqwest::Method::GET,
            "/epayment/v1/payments/order-tenant-01",
        )
        .await;
    problem(get.send().await.unwrap(), 404).await;
    let capture = app
        .as_merchant(
            &other,
            reqwest::Method::POST,
            "/epayment/v1/payments/order-tenant-01/capture",
        )
        .await
        .header("Idempotency-Key", "x")
        .json(&json!({"modificationAmount": {"currency": "NOK", "value": 100}}))
        .send()
        .await
        .unwrap();
    problem(capture, 404).await;
    let approve = app
        .as_merchant(
            &other,
            reqwest::Method::POST,
            "/epayment/v1/test/payments/order-tenant-01/approve",
        )
        .await
        .send()
        .await
        .unwrap();
    problem(approve, 404).await;
    // The other merchant may use the same reference for its own payment.
    let create = app
        .as_merchant(&other, reqwest::Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "c")
        .json(&create_body("order-tenant-01", 500))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), 201);
    assert_eq!(
        app.payment("order-tenant-01").await["aggregate"]["capturedAmount"]["value"],
        0
    );
    assert_eq!(
        app.payment("order-tenant-01").await["amount"]["value"],
        1_000
    );
}

#[tokio::test]
async fn a_trailing_slash_is_the_same_path() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/epayment/v1/payments/",
            "t1",
            create_body("order-slash-01", 1_000),
        )
        .await;
    assert_eq!(r.status(), 201);
}

/// A returnUrl is parsed with the url crate: app schemes and any absolute
/// URL still pass, but what it cannot parse — accepted before it was
/// used — is refused.
#[tokio::test]
async fn return_urls_must_parse_as_urls() {
    let app = TestApp::spawn().await;
    for (i, url) in [
        "1shop://done",
        "myshop://[done",
        "https://[shop.example/done",
    ]
    .iter()
    .enumerate()
    {
        let mut body = create_body(&format!("order-badurl-{i:03}"), 1_000);
        body["returnUrl"] = json!(url);
        let p = problem(
            app.post("/epayment/v1/payments", &format!("bu{i}"), body)
                .await,
            400,
        )
        .await;
        assert_eq!(p["title"], "Invalid URL", "{url}");
        assert_eq!(p["extraDetails"][0]["name"], "returnUrl", "{url}");
    }
    for (i, url) in [
        "myshop://order/1",
        "MyShop://done",
        "http://localhost:3000/done",
    ]
    .iter()
    .enumerate()
    {
        let mut body = create_body(&format!("order-goodurl-{i:03}"), 1_000);
        body["returnUrl"] = json!(url);
        let r = app
            .post("/epayment/v1/payments", &format!("gu{i}"), body)
            .await;
        assert_eq!(r.status(), 201, "{url}");
    }
}

/// A receipt with one line of 25 % VAT: 100 NOK including 20 NOK tax.
fn receipt() -> serde_json::Value {
    json!({
        "orderLines": [{
            "name": "Socks", "id": "socks-1",
            "totalAmount": 10_000, "totalAmountExcludingTax": 8_000, "totalTaxAmount": 2_000,
            "taxRate": 2500,
            "unitInfo": {"unitPrice": 5_000, "quantity": "2", "quantityUnit": "PCS"}
        }],
        "bottomLine": {"currency": "NOK", "receiptNumber": "0042"}
    })
}

#[tokio::test]
async fn a_receipt_is_checked_line_by_line_and_a_bad_one_creates_nothing() {
    let app = TestApp::spawn().await;
    let with_receipt = |reference: &str, receipt: serde_json::Value| {
        let mut body = create_body(reference, 10_000);
        body["receipt"] = receipt;
        body
    };
    let mut cases = vec![];
    let mut empty = receipt();
    empty["orderLines"] = json!([]);
    cases.push(("receipt-empty-1", empty, "receipt.orderLines"));
    let mut vat = receipt();
    vat["orderLines"][0]["totalTaxAmount"] = json!(1_000);
    cases.push(("receipt-vat-1", vat, "receipt.orderLines[0]"));
    let mut currency = receipt();
    currency["bottomLine"]["currency"] = json!("DKK");
    cases.push((
        "receipt-currency-1",
        currency,
        "receipt.bottomLine.currency",
    ));
    let mut unit = receipt();
    unit["orderLines"][0]["unitInfo"]["quantityUnit"] = json!("BARRELS");
    cases.push((
        "receipt-unit-1",
        unit,
        "receipt.orderLines[0].unitInfo.quantityUnit",
    ));
    for (reference, receipt, field) in cases {
        let r = app
            .post(
                "/epayment/v1/payments",
                reference,
                with_receipt(reference, receipt),
            )
            .await;
        let body = problem(r, 400).await;
        let named = body["extraDetails"][0]["name"].as_str().unwrap();
        assert!(named.starts_with(field), "{field}: {body}");
        assert_eq!(
            app.get(&format!("/epayment/v1/payments/{reference}"))
                .await
                .status(),
            404
        );
    }
    let r = app
        .post(
            "/epayment/v1/payments",
            "receipt-ok-1",
            with_receipt("receipt-ok-1", receipt()),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}
