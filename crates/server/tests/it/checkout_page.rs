//! Checkout's hosted page over HTTP: the order, the shopper's form, Pay
//! handing over to the payment, dynamic delivery options and their
//! fallback, and links that are unknown or finished.

use reqwest::Response;
use serde_json::{json, Value};

use crate::{
    checkout::{create_session, get_session, session_body},
    common::TestApp,
    receiver::Receiver,
};

/// The hosted page's form, as a browser would post it.
async fn submit_page(app: &TestApp, fields: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url("/checkout-frontend/v1/"))
        .form(fields)
        .send()
        .await
        .unwrap()
}

fn token_of(created: &Value) -> String {
    created["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_hosted_page_shows_the_order_and_pay_hands_over_to_the_payment() {
    let app = TestApp::spawn().await;
    let mut body = session_body("checkout-page-1", 10_000, "https://shop.example/cb");
    body["transaction"]["orderSummary"] = json!({
        "orderLines": [{"name": "Wool socks", "id": "socks", "totalAmount": 10_000,
                        "totalAmountExcludingTax": 8_000, "totalTaxAmount": 2_000, "taxRate": 2500,
                        "unitInfo": {"unitPrice": 5_000, "quantity": "2"}}],
        "orderBottomLine": {"currency": "NOK"}
    });
    body["configuration"]["showOrderSummary"] = json!(true);
    body["prefillCustomer"] = json!({"firstName": "Kari", "email": "kari@example.com"});
    let created: Value = create_session(&app, &body).await.json().await.unwrap();
    let page_url = format!(
        "{}?token={}",
        created["checkoutFrontendUrl"].as_str().unwrap(),
        token_of(&created)
    );
    let page = app.client.get(&page_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for shown in [
        "Wool socks",
        "Two pairs of socks",
        "Posten mailbox",
        "Bike courier",
        "149.00 NOK",
        "value=\"Kari\"",
        "https://shop.example/terms",
    ] {
        assert!(html.contains(shown), "{shown} missing");
    }

    // Missing fields are named; nothing is started.
    let token = token_of(&created);
    let r = submit_page(
        &app,
        &[("token", &token), ("action", "pay"), ("firstName", "Kari")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("field-error"), "{html}");
    assert_eq!(
        get_session(&app, "checkout-page-1").await["sessionState"],
        "SessionCreated"
    );

    let r = submit_page(
        &app,
        &[
            ("token", &token),
            ("action", "pay"),
            ("firstName", "Kari"),
            ("lastName", "Nordmann"),
            ("email", "kari@example.com"),
            ("phoneNumber", "+47 912 34 567"),
            ("streetAddress", "Storgata 1"),
            ("postalCode", "0155"),
            ("city", "Oslo"),
            ("country", "NO"),
            ("shippingOptionId", "courier"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let landing = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(landing.contains("/landing?token="), "{landing}");
    let session = get_session(&app, "checkout-page-1").await;
    assert_eq!(session["sessionState"], "PaymentInitiated", "{session}");
    assert_eq!(session["paymentDetails"]["amount"]["value"], 19_900);
    assert_eq!(session["shippingDetails"]["shippingMethodId"], "courier");
    assert_eq!(session["billingDetails"]["phoneNumber"], "4791234567");
    let payment: Value = app
        .get("/epayment/v1/payments/checkout-page-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(payment["state"], "CREATED");

    // The page now sends the shopper on to the payment.
    let again = app.client.get(&page_url).send().await.unwrap();
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()["location"].to_str().unwrap(), landing);
}

#[tokio::test]
async fn dynamic_options_come_from_the_merchant_and_fall_back_when_it_fails() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    shop.answer_json(&json!([
        {"brand": "POSTNORD", "type": "PICKUP_POINT", "id": "postnord-pickup", "priority": 0,
         "isDefault": true, "amount": {"currency": "NOK", "value": 3900}}
    ]));
    let mut body = session_body("checkout-dyn-1", 10_000, "https://shop.example/cb");
    body["logistics"]["dynamicOptionsCallback"] = json!(format!("{}/options", shop.base));
    let created: Value = create_session(&app, &body).await.json().await.unwrap();
    let token = token_of(&created);
    let address = [
        ("token", token.as_str()),
        ("action", "update"),
        ("streetAddress", "Storgata 1"),
        ("postalCode", "0155"),
        ("city", "Oslo"),
        ("country", "NO"),
    ];
    let html = submit_page(&app, &address).await.text().await.unwrap();
    assert!(html.contains("postnord-pickup"), "dynamic option missing");
    assert!(html.contains("Pickup point"), "pickup points missing");
    assert!(
        !html.contains("posten-mailbox"),
        "fixed options shown beside dynamic ones"
    );
    let got = shop.wait_for(1).await;
    assert_eq!(got[0].header("authorization"), "session-callback-token-1");
    assert_eq!(
        got[0].json(),
        json!({"streetAddress": "Storgata 1", "postalCode": "0155", "region": "Oslo", "country": "NO"})
    );

    // A failing callback: the fixed options, and the shopper is told why.
    shop.answer(500);
    let html = submit_page(&app, &address).await.text().await.unwrap();
    assert!(
        html.contains("posten-mailbox"),
        "no fallback to fixed options"
    );
    assert!(html.contains("HTTP 500"), "no reason given");

    // Garbage, or options that break the rules, fall back the same way.
    shop.answer(200);
    shop.answer_raw("<html>not options</html>");
    let html = submit_page(&app, &address).await.text().await.unwrap();
    assert!(html.contains("posten-mailbox") && html.contains("Unreadable answer"));
    shop.answer_json(
        &json!([{"brand": "POSTEN", "type": "MAILBOX", "id": "x", "priority": -1,
                              "isDefault": true, "amount": {"currency": "SEK", "value": 100}}]),
    );
    let html = submit_page(&app, &address).await.text().await.unwrap();
    assert!(html.contains("posten-mailbox") && html.contains("Invalid options"));
    // Every call was recorded.
    let calls = app
        .deliveries()
        .await
        .into_iter()
        .filter(|d| d["kind"] == "checkout_logistics")
        .count();
    assert!(calls >= 4, "{calls} recorded calls");
}

#[tokio::test]
async fn an_unknown_or_finished_checkout_link_says_so() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/checkout-frontend/v1/?token=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let created: Value = create_session(
        &app,
        &session_body("checkout-gone-1", 10_000, "https://shop.example/cb"),
    )
    .await
    .json()
    .await
    .unwrap();
    app.advance_clock(2 * 3600).await;
    let r = app
        .client
        .get(app.url(&format!(
            "/checkout-frontend/v1/?token={}",
            token_of(&created)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("https://shop.example/return?order=1"));
}
