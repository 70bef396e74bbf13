//! The payer's pages for eCom v2 payments, driven as a browser would: the
//! initiate `url` opens the landing page, forms are posted, and 303s are
//! followed by hand to the merchant's `fallBack`.

use reqwest::Response;
use serde_json::{json, Value};

use crate::{
    common::TestApp,
    ecom::{details, initiate_body, initiate_with, operations},
    receiver::Receiver,
    web::{get, location, page, post_form},
};

const FALLBACK: &str = "https://example.com/vipps/fallback/order123abc";

/// Initiates and returns the landing page's token.
async fn initiate(app: &TestApp, body: Value) -> String {
    let out = initiate_with(app, body).await;
    let url = out["url"].as_str().unwrap();
    assert!(url.starts_with(&app.url("/landing?token=")), "{url}");
    url.split("token=").nth(1).unwrap().to_owned()
}

/// The app page of `token` for `phone` (an MSISDN).
async fn app_page(app: &TestApp, token: &str, phone: &str) -> (u16, String) {
    page(get(app, &format!("/app/pay?token={token}&phone={phone}")).await).await
}

async fn approve(app: &TestApp, token: &str, phone: &str, shipping: Option<&str>) -> Response {
    let mut form = vec![("token", token), ("phone", phone)];
    if let Some(id) = shipping {
        form.push(("shippingMethodId", id));
    }
    post_form(app, "/app/approve", &form).await
}

fn express_body(app: &TestApp, order_id: &str, shop: &Receiver) -> Value {
    let mut b = initiate_body(app, order_id, 10_000, &format!("{}/cb", shop.base));
    b["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    b["merchantInfo"]["shippingDetailsPrefix"] = json!(format!("{}/ship/", shop.base));
    b["merchantInfo"]["consentRemovalPrefix"] = json!(format!("{}/consent", shop.base));
    b
}

fn shipping_options() -> Value {
    json!([
        {"isDefault": "N", "priority": 1, "shippingCost": 99.0, "shippingMethod": "Express", "shippingMethodId": "express"},
        {"isDefault": "Y", "priority": 2, "shippingCost": 49.9, "shippingMethod": "Posten Servicepakke", "shippingMethodId": "posten"}
    ])
}

fn static_body(app: &TestApp, order_id: &str, shop: &Receiver) -> Value {
    let mut b = express_body(app, order_id, shop);
    b["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("shippingDetailsPrefix");
    b["merchantInfo"]["staticShippingDetails"] = shipping_options();
    b
}

fn callbacks(shop: &Receiver) -> Vec<Value> {
    shop.received()
        .iter()
        .filter(|r| r.path_and_query.contains("/v2/payments/"))
        .filter(|r| !r.path_and_query.ends_with("/shippingDetails"))
        .map(|r| r.json())
        .collect()
}

async fn callback_statuses(shop: &Receiver, n: usize) -> Vec<String> {
    crate::common::eventually(&format!("{n} callbacks"), || async {
        let got = callbacks(shop);
        (got.len() >= n).then(|| {
            got.iter()
                .map(|c| c["transactionInfo"]["status"].as_str().unwrap().to_owned())
                .collect()
        })
    })
    .await
}

#[tokio::test]
async fn web_ecom_landing_shows_the_payment_and_prefills_the_mobile_number() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let token = initiate(
        &app,
        initiate_body(&app, "web-ecom-land", 49_900, &shop.base),
    )
    .await;

    let (status, html) = page(get(&app, &format!("/landing?token={token}")).await).await;
    assert_eq!(status, 200, "{html}");
    for needle in [
        "499.00 NOK",
        "Test Shop",
        "One pair of socks.",
        "value=\"12345678\"",
        "action=\"/landing\"",
    ] {
        assert!(html.contains(needle), "{needle} missing: {html}");
    }

    // Eight digits are a Norwegian number; the app page gets the MSISDN.
    let r = post_form(
        &app,
        "/landing",
        &[("token", &token), ("phone", "12345678")],
    )
    .await;
    assert_eq!(
        location(&r),
        format!("/app/pay?token={token}&phone=4712345678")
    );
    // eCom knows no foreign numbers: explained on the landing page.
    let (status, html) = page(
        post_form(
            &app,
            "/landing",
            &[("token", &token), ("phone", "4612345678")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(html.contains("Norwegian"), "{html}");
    let (status, _) = app_page(&app, &token, "4612345678").await;
    assert_eq!(status, 400);
    assert_eq!(
        operations(&details(&app, "web-ecom-land").await),
        ["INITIATE"]
    );
}

#[tokio::test]
async fn web_ecom_browser_flow_approves_reserves_and_returns_to_fallback() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let token = initiate(&app, initiate_body(&app, "web-ecom-ok", 49_900, &shop.base)).await;

    let r = post_form(
        &app,
        "/landing",
        &[("token", &token), ("phone", "12345678")],
    )
    .await;
    let app_url = location(&r);
    let (status, html) = page(get(&app, &app_url).await).await;
    assert_eq!(status, 200);
    for needle in [
        "Ola Nordmann",
        "Test Shop",
        "499.00 NOK",
        "One pair of socks.",
        "action=\"/app/approve\"",
        "action=\"/app/reject\"",
    ] {
        assert!(html.contains(needle), "{needle} missing: {html}");
    }
    assert!(!html.contains("shippingMethodId"), "not express");

    let r = approve(&app, &token, "4712345678", None).await;
    assert_eq!(location(&r), FALLBACK, "fallBack unchanged");

    let d = details(&app, "web-ecom-ok").await;
    assert_eq!(operations(&d), ["RESERVE", "INITIATE"]);
    assert_eq!(d["transactionLogHistory"][0]["operationSuccess"], true);
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 49_900);
    assert_eq!(callback_statuses(&shop, 1).await, ["RESERVED"]);
    let cb = &callbacks(&shop)[0];
    assert_eq!(cb["orderId"], "web-ecom-ok");
    assert_eq!(cb["transactionInfo"]["amount"], 49_900);

    // Reopening the link shows the outcome and the way back, never the buttons.
    let (status, html) = page(get(&app, &format!("/landing?token={token}")).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Payment approved") && html.contains("RESERVE"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"{FALLBACK}\"")), "{html}");
    assert!(!html.contains("action=\"/app/approve\""));
    assert!(
        !html.contains("Remove consent"),
        "regular payments share no profile"
    );

    // A second approval changes nothing.
    let (status, html) = page(approve(&app, &token, "4712345678", None).await).await;
    assert_eq!(status, 400);
    assert!(html.contains("Payment approved"), "{html}");
    assert_eq!(
        operations(&details(&app, "web-ecom-ok").await),
        ["RESERVE", "INITIATE"]
    );
}

#[tokio::test]
async fn web_ecom_reject_cancels_and_returns_to_fallback() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let token = initiate(&app, initiate_body(&app, "web-ecom-no", 1_000, &shop.base)).await;
    let r = post_form(
        &app,
        "/app/reject",
        &[("token", &token), ("phone", "4712345678")],
    )
    .await;
    assert_eq!(location(&r), FALLBACK);
    assert_eq!(callback_statuses(&shop, 1).await, ["CANCELLED"]);
    assert_eq!(
        operations(&details(&app, "web-ecom-no").await),
        ["CANCEL", "INITIATE"]
    );
    let (status, html) = app_page(&app, &token, "4712345678").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Payment cancelled") && html.contains("CANCEL"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"{FALLBACK}\"")));
}

#[tokio::test]
async fn web_ecom_a_declining_payer_sees_the_decline_and_may_still_reject() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let token = initiate(
        &app,
        initiate_body(&app, "web-ecom-decl", 1_000, &shop.base),
    )
    .await;
    let r = post_form(
        &app,
        "/landing",
        &[("token", &token), ("phone", "00000001")],
    )
    .await;
    assert_eq!(
        location(&r),
        format!("/app/pay?token={token}&phone=4700000001")
    );

    let (status, html) = page(approve(&app, &token, "4700000001", None).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Insufficient funds"), "{html}");
    assert!(html.contains("action=\"/app/approve\"") && html.contains("action=\"/app/reject\""));
    assert_eq!(callback_statuses(&shop, 1).await, ["RESERVE_FAILED"]);
    let d = details(&app, "web-ecom-decl").await;
    assert_eq!(operations(&d), ["RESERVE", "INITIATE"]);
    assert_eq!(d["transactionLogHistory"][0]["operationSuccess"], false);

    // Still visible after a reload, for this payer only.
    let (_, html) = app_page(&app, &token, "4700000001").await;
    assert!(html.contains("Insufficient funds"), "{html}");
    let (_, html) = app_page(&app, &token, "4712345678").await;
    assert!(!html.contains("Insufficient funds"), "{html}");

    let r = post_form(
        &app,
        "/app/reject",
        &[("token", &token), ("phone", "4700000001")],
    )
    .await;
    assert_eq!(location(&r), FALLBACK);
    assert_eq!(
        callback_statuses(&shop, 2).await,
        ["RESERVE_FAILED", "CANCELLED"]
    );
}

#[tokio::test]
async fn web_ecom_express_with_static_options_lets_the_payer_pick_shipping() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let token = initiate(&app, static_body(&app, "web-ecom-static", &shop)).await;

    let (status, html) = app_page(&app, &token, "4712345678").await;
    assert_eq!(status, 200);
    for needle in [
        "Robert Levins gate 5",
        "0154 Oslo",
        "Express",
        "99.00 NOK",
        "Posten Servicepakke",
        "49.90 NOK",
        "Total 149.90 NOK",
        "name=\"shippingMethodId\" value=\"express\"",
    ] {
        assert!(html.contains(needle), "{needle} missing: {html}");
    }
    // By priority, the merchant's default pre-selected.
    let express_at = html.find("value=\"express\"").unwrap();
    let posten_at = html.find("value=\"posten\"").unwrap();
    assert!(express_at < posten_at);
    assert!(
        html[posten_at..].starts_with("value=\"posten\" checked"),
        "{}",
        &html[express_at..]
    );
    assert!(!html[express_at..posten_at].contains("checked"));
    // The radio buttons belong to the Approve form.
    let approve_at = html.find("action=\"/app/approve\"").unwrap();
    assert!(approve_at < express_at);
    assert!(!html[approve_at..express_at].contains("</form>"));

    // An option the merchant does not offer is explained, not a 500.
    let (status, html) = page(approve(&app, &token, "4712345678", Some("nope")).await).await;
    assert_eq!(status, 400);
    assert!(html.contains("No shipping method with id"), "{html}");
    assert!(html.contains("action=\"/app/approve\""));

    let r = approve(&app, &token, "4712345678", Some("express")).await;
    assert_eq!(location(&r), FALLBACK);
    assert_eq!(callback_statuses(&shop, 1).await, ["RESERVE"]);
    let cb = &callbacks(&shop)[0];
    assert_eq!(cb["transactionInfo"]["amount"], 10_000 + 9_900);
    assert_eq!(cb["shippingDetails"]["shippingMethodId"], "express");
    let d = details(&app, "web-ecom-static").await;
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 19_900);
    assert_eq!(d["shippingDetails"]["shippingMethodId"], "express");
    assert_eq!(d["userDetails"]["mobileNumber"], "12345678");
    assert!(
        shop.received()
            .iter()
            .all(|r| !r.path_and_query.ends_with("/shippingDetails")),
        "static options need no call"
    );

    // The result page shows the total and lets the payer revoke the consent.
    let (_, html) = page(get(&app, &format!("/landing?token={token}")).await).await;
    assert!(
        html.contains("199.00 NOK") && html.contains("RESERVE"),
        "{html}"
    );
    assert!(html.contains("Remove consent for Test Shop"), "{html}");
    let (status, html) = page(post_form(&app, "/app/consent", &[("token", &token)]).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Consent removed"), "{html}");
    let user_id = d["userDetails"]["userId"].as_str().unwrap().to_owned();
    let deletes: Vec<_> = shop
        .received()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        deletes[0].path_and_query,
        format!("/consent/v2/consents/{}", urlencoding::encode(&user_id))
    );
}

#[tokio::test]
async fn web_ecom_express_asks_the_merchant_for_shipping_and_reserves_the_chosen_cost() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    shop.answer_json(&json!({
        "addressId": 100,
        "orderId": "web-ecom-exp",
        "shippingDetails": shipping_options(),
    }));
    let token = initiate(&app, express_body(&app, "web-ecom-exp", &shop)).await;

    // Opening the payment asks the merchant for its options, once.
    let (status, html) = app_page(&app, &token, "4712345678").await;
    assert_eq!(status, 200);
    assert!(html.contains("Robert Levins gate 5"), "{html}");
    assert!(
        html.contains("Posten Servicepakke") && html.contains("value=\"express\""),
        "{html}"
    );
    assert!(html.contains("99.00 NOK"), "the price is shown: {html}");
    let (status, _) = app_page(&app, &token, "4712345678").await;
    assert_eq!(status, 200);
    let asked = shop.received();
    assert_eq!(asked.len(), 1, "a reload asks nothing again");
    assert_eq!(
        asked[0].path_and_query,
        "/ship/v2/payments/web-ecom-exp/shippingDetails"
    );

    // Approval reserves the option picked from exactly what was shown.
    let r = approve(&app, &token, "4712345678", Some("express")).await;
    assert_eq!(location(&r), FALLBACK);
    assert_eq!(callback_statuses(&shop, 1).await, ["RESERVE"]);
    let shipping_calls = shop
        .received()
        .iter()
        .filter(|r| r.path_and_query.ends_with("/shippingDetails"))
        .count();
    assert_eq!(shipping_calls, 1, "no second call at approval");
    let cb = &callbacks(&shop)[0];
    assert_eq!(cb["transactionInfo"]["amount"], 10_000 + 9_900);
    assert_eq!(cb["shippingDetails"]["shippingMethodId"], "express");
    let d = details(&app, "web-ecom-exp").await;
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 19_900);
}

#[tokio::test]
async fn web_ecom_express_shipping_failure_is_shown_and_the_payer_may_retry() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    shop.answer(500);
    let token = initiate(&app, express_body(&app, "web-ecom-fail", &shop)).await;

    // Opening the payment shows the merchant's failure, with the buttons.
    let (status, html) = app_page(&app, &token, "4712345678").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Payment failed: the merchant answered HTTP 500"),
        "{html}"
    );

    let started = std::time::Instant::now();
    let (status, html) = page(approve(&app, &token, "4712345678", None).await).await;
    assert!(started.elapsed().as_secs() < 5, "never a hang");
    assert_eq!(status, 400);
    assert!(
        html.contains("Payment failed: the merchant answered HTTP 500"),
        "{html}"
    );
    assert!(html.contains("action=\"/app/approve\"") && html.contains("action=\"/app/reject\""));
    assert_eq!(
        operations(&details(&app, "web-ecom-fail").await),
        ["INITIATE"]
    );

    shop.answer(200);
    shop.answer_json(&json!({
        "addressId": 100,
        "orderId": "web-ecom-fail",
        "shippingDetails": shipping_options(),
    }));
    let r = approve(&app, &token, "4712345678", None).await;
    assert_eq!(location(&r), FALLBACK);
    let cb = crate::common::eventually("the RESERVE callback", || async {
        callbacks(&shop).into_iter().next()
    })
    .await;
    assert_eq!(cb["transactionInfo"]["status"], "RESERVE");
    assert_eq!(
        cb["transactionInfo"]["amount"],
        10_000 + 4_990,
        "the default"
    );
}

#[tokio::test]
async fn web_ecom_an_expired_payment_shows_expired_with_a_way_back() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let token = initiate(
        &app,
        initiate_body(&app, "web-ecom-late", 1_000, &shop.base),
    )
    .await;
    app.advance_clock(601).await;

    for path in [
        format!("/landing?token={token}"),
        format!("/app/pay?token={token}&phone=4712345678"),
    ] {
        let (status, html) = page(get(&app, &path).await).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Payment expired") && html.contains("CANCEL"),
            "{path}: {html}"
        );
        assert!(html.contains(&format!("href=\"{FALLBACK}\"")), "{html}");
        assert!(!html.contains("action=\"/app/approve\""));
    }
    let (status, html) = page(approve(&app, &token, "4712345678", None).await).await;
    assert_eq!(status, 400);
    assert!(html.contains("Payment expired"), "{html}");
    assert_eq!(callback_statuses(&shop, 1).await, ["REJECTED"]);
    assert_eq!(
        operations(&details(&app, "web-ecom-late").await),
        ["CANCEL", "INITIATE"]
    );
}

#[tokio::test]
async fn web_ecom_skip_landing_page_payments_wait_in_the_phone_inbox_beside_epayment_ones() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    // An ePayment push first, then an eCom payment that skips the landing page.
    let mut push = crate::common::create_body("order-inbox-ep01", 2_000);
    push["userFlow"] = json!("PUSH_MESSAGE");
    push["customer"] = json!({"phoneNumber": "4712345678"});
    assert_eq!(
        app.post("/epayment/v1/payments", "p1", push).await.status(),
        201
    );
    let mut body = initiate_body(&app, "web-ecom-push", 49_900, &shop.base);
    body["transaction"]["skipLandingPage"] = json!(true);
    let token = initiate(&app, body).await;

    let (status, html) = page(get(&app, "/app?phone=4712345678").await).await;
    assert_eq!(status, 200);
    let ecom_at = html.find("499.00 NOK").expect("the eCom payment is listed");
    let epayment_at = html
        .find("20.00 NOK")
        .expect("the ePayment payment is listed");
    assert!(ecom_at < epayment_at, "newest first");
    assert!(html.contains(&format!("/app/pay?token={token}")), "{html}");

    // Approved from the inbox like any other.
    let r = approve(&app, &token, "4712345678", None).await;
    assert_eq!(location(&r), FALLBACK);
    assert_eq!(
        operations(&details(&app, "web-ecom-push").await),
        ["RESERVE", "INITIATE"]
    );
    let (_, html) = page(get(&app, "/app?phone=4712345678").await).await;
    assert!(html.contains("RESERVE"), "{html}");
}
