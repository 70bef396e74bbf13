//! The hosted checkout in a browser: a full purchase with shipping and a
//! pickup point, a dynamic-options merchant that never answers, a rejection.

use serde_json::{json, Value};

use super::{open, Browser, WIDTHS};
use crate::{
    checkout::{create_session, get_session, session_body},
    common::TestApp,
    receiver::Receiver,
};

/// A session whose shopper returns to `shop`; the link to its hosted page.
async fn session(
    app: &TestApp,
    shop: &Receiver,
    reference: &str,
    change: impl FnOnce(&mut Value),
) -> String {
    let mut body = session_body(reference, 10_000, "https://shop.example/cb");
    body["merchantInfo"]["returnUrl"] = json!(format!("{}/return?order={reference}", shop.base));
    body["transaction"]["orderSummary"] = json!({
        "orderLines": [{"name": "Wool socks", "id": "socks", "totalAmount": 10_000,
                        "totalAmountExcludingTax": 8_000, "totalTaxAmount": 2_000, "taxRate": 2500,
                        "unitInfo": {"unitPrice": 5_000, "quantity": "2"}}],
        "orderBottomLine": {"currency": "NOK"}
    });
    body["configuration"]["showOrderSummary"] = json!(true);
    body["configuration"]["customConsent"] =
        json!({"text": "Send me the newsletter", "required": false});
    change(&mut body);
    let r = create_session(app, &body).await;
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.unwrap();
    format!(
        "{}?token={}",
        created["checkoutFrontendUrl"].as_str().unwrap(),
        created["token"].as_str().unwrap()
    )
}

/// Fills the contact and address fields as a shopper in Oslo.
async fn fill_shopper(b: &Browser) {
    b.fill("#firstName", "Kari").await;
    b.fill("#lastName", "Nordmann").await;
    b.fill("#email", "kari@example.com").await;
    b.fill("#phoneNumber", "+47 912 34 567").await;
    b.fill("#streetAddress", "Storgata 1").await;
    b.fill("#postalCode", "0155").await;
    b.fill("#city", "Oslo").await;
}

/// From the landing page through the app page: `button` is Approve or Reject.
async fn pay_in_app(b: &Browser, phone: &str, button: &str) {
    b.fill("#phone", phone).await;
    b.check_page("landing").await;
    b.click("form.single button[type=submit]").await;
    b.find("form[action='/app/approve'] button").await;
    b.check_page("app").await;
    b.click(button).await;
}

#[tokio::test]
async fn a_shopper_buys_with_a_pickup_point_and_returns_to_the_shop() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        let shop = Receiver::start().await;
        let reference = format!("browser-buy-{}", size.0);
        let link = session(&app, &shop, &reference, |b| {
            b["logistics"]["fixedOptions"].as_array_mut().unwrap().push(
                json!({"brand": "POSTNORD", "type": "PICKUP_POINT", "id": "pickup",
                             "priority": 3, "isDefault": false,
                             "amount": {"currency": "NOK", "value": 3_900}}),
            );
        })
        .await;
        let Some(b) = open("checkout-buy", size).await else {
            return;
        };
        b.goto(&link).await;
        assert!(b.text("table.lines").await.contains("Wool socks"));
        assert_eq!(b.text("#total").await, "149.00 NOK");
        b.check_page("form").await;
        fill_shopper(&b).await;
        b.click("input[name=shippingOptionId][value=pickup]").await;
        // The total follows the chosen option.
        assert_eq!(b.text("#total").await, "139.00 NOK");
        b.find("#pickup-pickup")
            .await
            .select_by_value("postnord-no-2")
            .await
            .unwrap();
        b.click("input[name=customConsent]").await;
        b.click("button.pay").await;
        b.find("#phone").await;
        pay_in_app(&b, "4712345678", "form[action='/app/approve'] button").await;
        b.wait_for_url(&format!("{}/return?order={reference}", shop.base))
            .await;
        b.close().await;

        let s = get_session(&app, &reference).await;
        assert_eq!(s["sessionState"], "PaymentSuccessful", "{s}");
        assert_eq!(s["paymentDetails"]["amount"]["value"], 13_900);
        assert_eq!(s["shippingDetails"]["shippingMethodId"], "pickup");
        assert_eq!(s["shippingDetails"]["pickupPoint"]["id"], "postnord-no-2");
        assert_eq!(s["shippingDetails"]["phoneNumber"], "4791234567");
        assert_eq!(s["customConsentProvided"], true);
    }
}

#[tokio::test]
async fn a_merchant_whose_options_never_come_still_lets_the_shopper_pay() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    // Longer than the 8 s the page waits for the merchant's options.
    shop.delay(12_000);
    let options_url = format!("{}/options", shop.base);
    let link = session(&app, &shop, "browser-slow-1", |b| {
        b["logistics"]["dynamicOptionsCallback"] = json!(options_url);
    })
    .await;
    let Some(b) = open("checkout-slow-options", WIDTHS[0]).await else {
        return;
    };
    b.goto(&link).await;
    fill_shopper(&b).await;
    b.click("button.update").await;
    let note = b.text(".alert.note").await;
    assert!(note.contains("standard options"), "{note}");
    b.check_page("fallback").await;
    b.click("button.pay").await;
    b.find("#phone").await;
    let s = get_session(&app, "browser-slow-1").await;
    assert_eq!(s["sessionState"], "PaymentInitiated", "{s}");
    assert_eq!(s["shippingDetails"]["shippingMethodId"], "posten-mailbox");
    b.close().await;
}

#[tokio::test]
async fn a_shopper_who_rejects_in_the_app_ends_the_session_terminated() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let link = session(&app, &shop, "browser-reject-1", |_| {}).await;
    let Some(b) = open("checkout-reject", WIDTHS[0]).await else {
        return;
    };
    b.goto(&link).await;
    fill_shopper(&b).await;
    b.click("button.pay").await;
    b.find("#phone").await;
    pay_in_app(&b, "4712345678", "form[action='/app/reject'] button").await;
    b.wait_for_url(&format!("{}/return", shop.base)).await;
    b.close().await;
    let s = get_session(&app, "browser-reject-1").await;
    assert_eq!(s["sessionState"], "PaymentTerminated", "{s}");
    assert_eq!(s["paymentDetails"]["state"], "TERMINATED");
}
