//! eCom v2 express checkout over real HTTP: the shipping-details call to a
//! real merchant endpoint, the RESERVE callback with shipping and user
//! details, static shipping, the documented failures of a broken merchant,
//! and consent removal.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    common::TestApp,
    ecom::{details, ecom_error, force_approve, initiate_body, initiate_with, operations, send},
    receiver::Receiver,
};

fn express_body(app: &TestApp, order_id: &str, shop: &Receiver) -> Value {
    let mut b = initiate_body(app, order_id, 10_000, &format!("{}/cb", shop.base));
    b["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    b["merchantInfo"]["shippingDetailsPrefix"] = json!(format!("{}/ship/", shop.base));
    b["merchantInfo"]["consentRemovalPrefix"] = json!(format!("{}/consent", shop.base));
    b
}

fn shipping_answer(order_id: &str) -> Value {
    json!({
        "addressId": 100,
        "orderId": order_id,
        "shippingDetails": [
            {"isDefault": "N", "priority": 1, "shippingCost": 99.0, "shippingMethod": "Express", "shippingMethodId": "express"},
            {"isDefault": "Y", "priority": 2, "shippingCost": 49.9, "shippingMethod": "Posten Servicepakke", "shippingMethodId": "posten"}
        ]
    })
}

#[tokio::test]
async fn express_checkout_fetches_shipping_details_and_calls_back_reserve_with_shipping_and_user() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    shop.answer_json(&shipping_answer("exp-1"));
    initiate_with(&app, express_body(&app, "exp-1", &shop)).await;
    let r = force_approve(&app, "exp-1", json!({})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    let got = shop.wait_for(2).await;
    let ship = &got[0];
    assert_eq!(
        ship.path_and_query,
        "/ship/v2/payments/exp-1/shippingDetails"
    );
    assert_eq!(ship.header("authorization"), "merchant-secret-token");
    let req = ship.json();
    assert_eq!(req["country"], "NO");
    assert!(req["addressId"].as_i64().unwrap() >= 100);
    assert_eq!(req["postCode"].as_str().unwrap().len(), 4);

    let cb = got[1].json();
    assert_eq!(got[1].path_and_query, "/cb/v2/payments/exp-1");
    assert_eq!(cb["transactionInfo"]["status"], "RESERVE");
    assert_eq!(cb["transactionInfo"]["amount"], 10_000 + 4_990);
    assert_eq!(cb["shippingDetails"]["shippingMethodId"], "posten");
    assert_eq!(cb["shippingDetails"]["address"]["country"], "Norway");
    assert!(cb["shippingDetails"]["address"]["zipCode"].is_string());
    assert_eq!(cb["userDetails"]["mobileNumber"], "12345678");

    let d = details(&app, "exp-1").await;
    assert_eq!(d["shippingDetails"]["address"]["postCode"], "0154");
    assert_eq!(d["shippingDetails"]["shippingCost"], 49.9);
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 14_990);
    let user_id = d["userDetails"]["userId"].as_str().unwrap().to_owned();

    let r = app
        .client
        .post(app.url(&format!(
            "/sandbox/v1/merchants/{}/ecom/exp-1/remove-consent",
            app.merchant.msn
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["status"], 200);
    let got = shop.wait_for(3).await;
    assert_eq!(got[2].method, "DELETE");
    assert_eq!(
        got[2].path_and_query,
        format!("/consent/v2/consents/{}", urlencoding::encode(&user_id))
    );
    assert!(got[2].path_and_query.ends_with("%3D%3D"));
    assert_eq!(got[2].header("authorization"), "merchant-secret-token");

    // Both calls made while the payer waited are in the delivery log, like
    // every outgoing call.
    let log = app.deliveries().await;
    let kind = |k: &str| log.iter().find(|d| d["kind"] == k).cloned().unwrap();
    let ship = kind("ecom_shipping_details");
    assert_eq!(ship["status"], "delivered");
    assert_eq!(ship["attempts"][0]["statusCode"], 200);
    assert!(ship["url"]
        .as_str()
        .unwrap()
        .ends_with("/ship/v2/payments/exp-1/shippingDetails"));
    assert_eq!(kind("ecom_consent_removal")["status"], "delivered");
    assert_eq!(kind("ecom_callback")["status"], "delivered");

    // Seven days after the reservation the payer's personal data is gone
    // from /details; the payment itself is unchanged.
    app.advance_clock(7 * 24 * 3600 + 1).await;
    let d = details(&app, "exp-1").await;
    assert_eq!(d["shippingDetails"]["address"]["postCode"], "[Expired]");
    assert_eq!(d["shippingDetails"]["address"]["addressLine1"], "[Expired]");
    assert_eq!(d["userDetails"]["mobileNumber"], "[Expired]");
    assert_eq!(d["userDetails"]["email"], "[Expired]");
    assert_eq!(d["userDetails"]["userId"], user_id.as_str());
    assert_eq!(d["shippingDetails"]["shippingMethodId"], "posten");
}

#[tokio::test]
async fn static_shipping_details_skip_the_call_and_the_payer_may_pick_a_method() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let mut b = express_body(&app, "exp-static", &shop);
    b["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("shippingDetailsPrefix");
    b["merchantInfo"]["staticShippingDetails"] =
        shipping_answer("exp-static")["shippingDetails"].clone();
    initiate_with(&app, b).await;
    let r = force_approve(&app, "exp-static", json!({"shippingMethodId": "express"})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let got = shop.wait_for(1).await;
    assert_eq!(got.len(), 1, "no shipping call");
    let cb = got[0].json();
    assert_eq!(cb["transactionInfo"]["amount"], 10_000 + 9_900);
    assert_eq!(cb["shippingDetails"]["shippingMethodId"], "express");
}

#[tokio::test]
async fn a_merchant_answering_500_or_garbage_fails_the_payment_and_leaves_it_unpaid() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    shop.answer(500);
    initiate_with(&app, express_body(&app, "exp-500", &shop)).await;
    let r = force_approve(&app, "exp-500", json!({})).await;
    let e = ecom_error(r, 400, "Payment", "45").await;
    let failed = app
        .deliveries()
        .await
        .into_iter()
        .find(|d| d["kind"] == "ecom_shipping_details")
        .unwrap();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"][0]["statusCode"], 500);
    assert!(e["errorMessage"]
        .as_str()
        .unwrap()
        .starts_with("Payment failed"));

    shop.answer(200);
    shop.answer_raw("{\"shippingDetails\": 42}");
    let r = force_approve(&app, "exp-500", json!({})).await;
    ecom_error(r, 400, "Payment", "45").await;
    assert_eq!(operations(&details(&app, "exp-500").await), ["INITIATE"]);

    shop.answer_json(&shipping_answer("exp-500"));
    let r = force_approve(&app, "exp-500", json!({})).await;
    assert_eq!(r.status(), 200, "the payer may try again");
}

#[tokio::test]
async fn a_merchant_slower_than_ten_seconds_means_no_shipping_methods_found() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    shop.answer_json(&shipping_answer("exp-slow"));
    shop.delay(10_500);
    initiate_with(&app, express_body(&app, "exp-slow", &shop)).await;
    let started = std::time::Instant::now();
    let r = force_approve(&app, "exp-slow", json!({})).await;
    let e = ecom_error(r, 400, "Payment", "45").await;
    assert_eq!(e["errorMessage"], "No shipping methods found");
    assert!(started.elapsed().as_secs() < 12, "never a hang");
    assert_eq!(operations(&details(&app, "exp-slow").await), ["INITIATE"]);
}

#[tokio::test]
async fn express_initiate_rules_are_enforced() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let mut b = express_body(&app, "exp-bad", &shop);
    b["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("consentRemovalPrefix");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "InvalidRequest", "consentRemovalPrefix").await;

    let mut b = express_body(&app, "exp-bad", &shop);
    b["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("shippingDetailsPrefix");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "InvalidRequest", "shippingDetailsPrefix").await;

    let mut b = express_body(&app, "exp-bad", &shop);
    b["transaction"]["scope"] = json!("name");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "InvalidRequest", "scope").await;

    let mut b = express_body(&app, "exp-bad", &shop);
    b["merchantInfo"]["paymentType"] = json!("eCom Express Payment");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(b)).await;
    ecom_error(r, 400, "InvalidRequest", "paymentType").await;
}
