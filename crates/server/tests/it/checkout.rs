//! Checkout API v3 over real HTTP: sessions created with client credentials
//! (no token), polled, completed by the ePayment force-approve endpoints as
//! the shopper, captured and refunded through ePayment, ended by the payer
//! or the clock, with the session callback to the merchant's receiver.

use reqwest::{Method, Response};
use serde_json::{json, Value};
use vipps_store::merchants::NewCredentials;

use crate::{common::TestApp, receiver::Receiver};

/// A session request with every required field and a fixed shipping option.
pub fn session_body(reference: &str, goods: i64, callback: &str) -> Value {
    json!({
        "merchantInfo": {
            "callbackUrl": callback,
            "returnUrl": "https://shop.example/return?order=1",
            "callbackAuthorizationToken": "session-callback-token-1",
            "termsAndConditionsUrl": "https://shop.example/terms"
        },
        "transaction": {
            "amount": {"currency": "NOK", "value": goods},
            "reference": reference,
            "paymentDescription": "Two pairs of socks"
        },
        "logistics": {
            "fixedOptions": [
                {"brand": "POSTEN", "type": "MAILBOX", "id": "posten-mailbox", "priority": 1,
                 "isDefault": true, "amount": {"currency": "NOK", "value": 4900}},
                {"brand": "OTHER", "type": "HOME_DELIVERY", "id": "courier", "priority": 2,
                 "isDefault": false, "title": "Bike courier", "amount": {"currency": "NOK", "value": 9900}}
            ]
        },
        "configuration": {"elements": "Full", "countries": {"supported": ["NO", "SE"]}}
    })
}

/// A request to the Checkout API with merchant `m`'s client credentials.
pub fn checkout_request(
    app: &TestApp,
    m: &NewCredentials,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    app.client
        .request(method, url)
        .header("client_id", &m.client_id)
        .header("client_secret", &m.client_secret)
        .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
        .header("Merchant-Serial-Number", &m.msn)
}

pub async fn create_session(app: &TestApp, body: &Value) -> Response {
    checkout_request(app, &app.merchant, Method::POST, "/checkout/v3/session")
        .json(body)
        .send()
        .await
        .unwrap()
}

pub async fn get_session(app: &TestApp, reference: &str) -> Value {
    let r = checkout_request(
        app,
        &app.merchant,
        Method::GET,
        &format!("/checkout/v3/session/{reference}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// A Checkout problem with `status`, naming `field` in `errors` when given.
pub async fn checkout_problem(r: Response, status: u16, field: Option<&str>) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status, "{body}");
    assert!(body["errorCode"].is_string(), "{body}");
    assert!(body["errors"].is_object(), "{body}");
    assert!(
        body["instance"]
            .as_str()
            .unwrap()
            .starts_with("/checkout/v3/session"),
        "{body}"
    );
    if let Some(field) = field {
        assert!(body["errors"][field].is_array(), "{field} not in {body}");
    }
    body
}

async fn force_approve(app: &TestApp, reference: &str) -> Response {
    app.post(
        &format!("/epayment/v1/test/payments/{reference}/approve"),
        &format!("approve-{reference}"),
        json!({}),
    )
    .await
}

#[tokio::test]
async fn a_session_is_created_polled_and_has_no_payment_until_the_shopper_pays() {
    let app = TestApp::spawn().await;
    let r = create_session(
        &app,
        &session_body("checkout-order-1", 10_000, "https://shop.example/cb"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.unwrap();
    assert!(!created["token"].as_str().unwrap().is_empty());
    let frontend = created["checkoutFrontendUrl"].as_str().unwrap();
    assert!(frontend.starts_with(&app.base), "{frontend}");
    let polling = created["pollingUrl"].as_str().unwrap();
    assert_eq!(polling, app.url("/checkout/v3/session/checkout-order-1"));

    let polled: Value = checkout_request(&app, &app.merchant, Method::GET, polling)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled["reference"], "checkout-order-1");
    assert_eq!(polled["sessionState"], "SessionCreated");
    assert_eq!(polled["merchantSerialNumber"], app.merchant.msn.as_str());
    assert!(polled["sessionId"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        polled.get("paymentDetails").is_none_or(Value::is_null),
        "{polled}"
    );
    assert_eq!(get_session(&app, "checkout-order-1").await, polled);

    let payment = app.get("/epayment/v1/payments/checkout-order-1").await;
    assert_eq!(payment.status(), 404);
}

#[tokio::test]
async fn credentials_are_client_id_secret_and_key_not_a_token() {
    let app = TestApp::spawn().await;
    let body = session_body("checkout-creds-1", 10_000, "https://shop.example/cb");
    let wrong_secret = app
        .client
        .post(app.url("/checkout/v3/session"))
        .header("client_id", &app.merchant.client_id)
        .header("client_secret", "not-the-secret")
        .header("Ocp-Apim-Subscription-Key", &app.merchant.subscription_key)
        .json(&body)
        .send()
        .await
        .unwrap();
    checkout_problem(wrong_secret, 401, None).await;

    let no_key = app
        .client
        .post(app.url("/checkout/v3/session"))
        .header("client_id", &app.merchant.client_id)
        .header("client_secret", &app.merchant.client_secret)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 401);
    let gateway: Value = no_key.json().await.unwrap();
    assert_eq!(gateway["statusCode"], 401);

    let other = app.new_merchant("Other Shop").await;
    let wrong_msn = checkout_request(&app, &app.merchant, Method::POST, "/checkout/v3/session")
        .header("Merchant-Serial-Number", &other.msn)
        .json(&body)
        .send()
        .await
        .unwrap();
    // reqwest sends both MSN headers; either way the request is refused.
    assert!(wrong_msn.status() == 403 || wrong_msn.status() == 400);

    // Nothing was created by the refused requests.
    let r = checkout_request(
        &app,
        &app.merchant,
        Method::GET,
        "/checkout/v3/session/checkout-creds-1",
    )
    .send()
    .await
    .unwrap();
    checkout_problem(r, 404, None).await;
}

#[tokio::test]
async fn sessions_belong_to_their_merchant() {
    let app = TestApp::spawn().await;
    let r = create_session(
        &app,
        &session_body("checkout-mine-1", 10_000, "https://shop.example/cb"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let other = app.new_merchant("Other Shop").await;
    let r = checkout_request(
        &app,
        &other,
        Method::GET,
        "/checkout/v3/session/checkout-mine-1",
    )
    .send()
    .await
    .unwrap();
    checkout_problem(r, 404, None).await;
    // The same reference is free for another merchant.
    let r = checkout_request(&app, &other, Method::POST, "/checkout/v3/session")
        .json(&session_body(
            "checkout-mine-1",
            10_000,
            "https://shop.example/cb",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn invalid_fields_are_400s_naming_each_field_and_a_taken_reference_is_409() {
    let app = TestApp::spawn().await;
    let base = session_body("checkout-valid-1", 10_000, "https://shop.example/cb");
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "transaction.reference",
            Box::new(|b| b["transaction"]["reference"] = json!("short")),
        ),
        (
            "transaction.paymentDescription",
            Box::new(|b| b["transaction"]["paymentDescription"] = json!("x")),
        ),
        (
            "transaction.amount.currency",
            Box::new(|b| b["transaction"]["amount"]["currency"] = json!("SEK")),
        ),
        (
            "merchantInfo.callbackUrl",
            Box::new(|b| b["merchantInfo"]["callbackUrl"] = json!("not a url")),
        ),
        (
            "merchantInfo.callbackAuthorizationToken",
            Box::new(|b| {
                b["merchantInfo"]
                    .as_object_mut()
                    .unwrap()
                    .remove("callbackAuthorizationToken");
            }),
        ),
        (
            "configuration.elements",
            Box::new(|b| b["configuration"]["elements"] = json!("Everything")),
        ),
    ];
    for (field, change) in cases {
        let mut body = base.clone();
        change(&mut body);
        let r = create_session(&app, &body).await;
        checkout_problem(r, 400, Some(field)).await;
    }
    let malformed = checkout_request(&app, &app.merchant, Method::POST, "/checkout/v3/session")
        .header("content-type", "application/json")
        .body("{\"merchantInfo\": ")
        .send()
        .await
        .unwrap();
    checkout_problem(malformed, 400, None).await;

    let mut subscription = base.clone();
    subscription["type"] = json!("SUBSCRIPTION");
    checkout_problem(create_session(&app, &subscription).await, 400, Some("type")).await;

    // Address-based logistics need the address fields.
    let mut payment_only = base.clone();
    payment_only["configuration"]["elements"] = json!("PaymentOnly");
    payment_only["logistics"] = json!({"dynamicOptionsCallback": "https://shop.example/options"});
    checkout_problem(create_session(&app, &payment_only).await, 400, None).await;

    // No session was stored by any of the refusals.
    let r = checkout_request(
        &app,
        &app.merchant,
        Method::GET,
        "/checkout/v3/session/checkout-valid-1",
    )
    .send()
    .await
    .unwrap();
    checkout_problem(r, 404, None).await;

    assert_eq!(create_session(&app, &base).await.status(), 200);
    checkout_problem(create_session(&app, &base).await, 409, None).await;
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer() {
    let app = TestApp::spawn().await;
    let body = session_body("checkout-idem-1", 10_000, "https://shop.example/cb");
    let send = |body: Value| {
        checkout_request(&app, &app.merchant, Method::POST, "/checkout/v3/session")
            .header("Idempotency-Key", "checkout-key-1")
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 200);
    let first = first.text().await.unwrap();
    let again = send(body.clone()).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), first);

    let mut changed = body;
    changed["transaction"]["amount"]["value"] = json!(20_000);
    checkout_problem(send(changed).await.unwrap(), 409, None).await;
}

#[tokio::test]
async fn force_approve_completes_the_session_and_epayment_captures_and_refunds_show_in_it() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let callback = format!("{}/checkout/callback", shop.base);
    let r = create_session(&app, &session_body("checkout-paid-1", 10_000, &callback)).await;
    assert_eq!(r.status(), 200);

    let r = force_approve(&app, "checkout-paid-1").await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    let session = get_session(&app, "checkout-paid-1").await;
    assert_eq!(session["sessionState"], "PaymentSuccessful", "{session}");
    let details = &session["paymentDetails"];
    assert_eq!(details["state"], "AUTHORIZED");
    // Goods plus the default shipping option.
    assert_eq!(
        details["amount"],
        json!({"currency": "NOK", "value": 14_900})
    );
    assert_eq!(details["aggregate"]["authorizedAmount"]["value"], 14_900);
    assert_eq!(
        session["shippingDetails"]["shippingMethodId"], "posten-mailbox",
        "{session}"
    );
    assert!(session["billingDetails"].is_object(), "{session}");

    let payment: Value = app
        .get("/epayment/v1/payments/checkout-paid-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(payment["state"], "AUTHORIZED");
    assert_eq!(payment["amount"]["value"], 14_900);

    // The callback: the session as polled, with the merchant's token.
    let got = shop.wait_for(1).await;
    assert_eq!(got[0].header("authorization"), "session-callback-token-1");
    let sent = got[0].json();
    assert_eq!(sent["reference"], "checkout-paid-1");
    assert_eq!(sent["sessionState"], "PaymentSuccessful");
    assert_eq!(sent["paymentDetails"]["state"], "AUTHORIZED");

    let r = app
        .post(
            "/epayment/v1/payments/checkout-paid-1/capture",
            "capture-checkout-paid-1",
            json!({"modificationAmount": {"currency": "NOK", "value": 10_000}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app
        .post(
            "/epayment/v1/payments/checkout-paid-1/refund",
            "refund-checkout-paid-1",
            json!({"modificationAmount": {"currency": "NOK", "value": 2_500}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let session = get_session(&app, "checkout-paid-1").await;
    assert_eq!(session["sessionState"], "PaymentSuccessful");
    assert_eq!(session["paymentDetails"]["state"], "AUTHORIZED");
    assert_eq!(
        session["paymentDetails"]["aggregate"]["capturedAmount"]["value"],
        10_000
    );
    assert_eq!(
        session["paymentDetails"]["aggregate"]["refundedAmount"]["value"],
        2_500
    );
}

#[tokio::test]
async fn a_session_nobody_pays_expires_after_an_hour_without_a_callback() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let callback = format!("{}/checkout/callback", shop.base);
    assert_eq!(
        create_session(&app, &session_body("checkout-idle-1", 10_000, &callback))
            .await
            .status(),
        200
    );
    app.advance_clock(59 * 60).await;
    assert_eq!(
        get_session(&app, "checkout-idle-1").await["sessionState"],
        "SessionCreated"
    );
    app.advance_clock(2 * 60).await;
    assert_eq!(
        get_session(&app, "checkout-idle-1").await["sessionState"],
        "SessionExpired"
    );
    // Too late to pay.
    assert!(force_approve(&app, "checkout-idle-1")
        .await
        .status()
        .is_client_error());
    assert!(shop.received().is_empty());
}

#[tokio::test]
async fn a_cancel_after_approval_shows_in_the_aggregate_and_the_session_stays_successful() {
    let app = TestApp::spawn().await;
    let r = create_session(
        &app,
        &session_body("checkout-cancel-1", 10_000, "https://shop.example/cb"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(force_approve(&app, "checkout-cancel-1").await.status(), 200);
    let r = app
        .post(
            "/epayment/v1/payments/checkout-cancel-1/cancel",
            "cancel-checkout-1",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let session = get_session(&app, "checkout-cancel-1").await;
    assert_eq!(session["sessionState"], "PaymentSuccessful", "{session}");
    assert_eq!(session["paymentDetails"]["state"], "AUTHORIZED");
    assert_eq!(
        session["paymentDetails"]["aggregate"]["cancelledAmount"]["value"],
        14_900
    );
}

#[tokio::test]
async fn a_declined_shopper_leaves_the_payment_open_and_a_merchant_cancel_terminates_the_session() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    let callback = format!("{}/checkout/callback", shop.base);
    let r = create_session(&app, &session_body("checkout-decline-1", 10_000, &callback)).await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            "/epayment/v1/test/payments/checkout-decline-1/approve",
            "approve-decline-1",
            json!({"customer": {"phoneNumber": "4700000001"}}),
        )
        .await;
    assert_eq!(r.status(), 400, "{}", r.text().await.unwrap());
    let session = get_session(&app, "checkout-decline-1").await;
    assert_eq!(session["sessionState"], "PaymentInitiated", "{session}");
    assert_eq!(session["paymentDetails"]["state"], "CREATED");
    assert_eq!(session["paymentDetails"]["amount"]["value"], 14_900);

    let r = app
        .post(
            "/epayment/v1/payments/checkout-decline-1/cancel",
            "cancel-decline-1",
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let session = get_session(&app, "checkout-decline-1").await;
    assert_eq!(session["sessionState"], "PaymentTerminated", "{session}");
    assert_eq!(session["paymentDetails"]["state"], "TERMINATED");
    let got = shop.wait_for(1).await;
    assert_eq!(got[0].header("authorization"), "session-callback-token-1");
    assert_eq!(got[0].json()["sessionState"], "PaymentTerminated");
}

#[tokio::test]
async fn a_failing_callback_receiver_gets_three_retries() {
    let app = TestApp::spawn().await;
    let shop = Receiver::start().await;
    shop.answer(500);
    let callback = format!("{}/checkout/callback", shop.base);
    let r = create_session(&app, &session_body("checkout-retry-1", 10_000, &callback)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(force_approve(&app, "checkout-retry-1").await.status(), 200);
    // Each retry is due seconds after the attempt before it on the sandbox
    // clock: wait for each attempt, then move the clock past the next one.
    for attempt in 1..=3 {
        shop.wait_for(attempt).await;
        app.advance_clock(10).await;
    }
    let got = shop.wait_for(4).await;
    assert!(got
        .iter()
        .all(|r| r.json()["reference"] == "checkout-retry-1"));
    let listing = crate::common::eventually("a failed checkout callback", || async {
        app.deliveries()
            .await
            .into_iter()
            .find(|d| d["kind"] == "checkout_callback" && d["status"] == "failed")
    })
    .await;
    assert_eq!(
        listing["attempts"].as_array().unwrap().len(),
        4,
        "{listing}"
    );
}

#[tokio::test]
async fn user_info_webhooks_and_elements_follow_the_configuration() {
    let app = TestApp::spawn().await;
    let hooks = Receiver::start().await;
    let r = app
        .api(Method::POST, "/webhooks/v1/webhooks")
        .await
        .json(&json!({"url": hooks.url, "events": ["epayments.payment.authorized.v1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut body = session_body("checkout-info-1", 10_000, "https://shop.example/cb");
    body.as_object_mut().unwrap().remove("logistics");
    body["configuration"] = json!({"elements": "PaymentAndContactInfo", "requireUserInfo": true});
    let created: Value = create_session(&app, &body).await.json().await.unwrap();
    let page = app
        .client
        .get(format!(
            "{}?token={}",
            created["checkoutFrontendUrl"].as_str().unwrap(),
            created["token"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"email\""), "contact fields missing");
    assert!(
        !page.contains("id=\"streetAddress\""),
        "address asked without Full"
    );
    assert!(
        !page.contains("Delivery"),
        "delivery shown without logistics"
    );

    assert_eq!(force_approve(&app, "checkout-info-1").await.status(), 200);
    let session = get_session(&app, "checkout-info-1").await;
    assert!(
        session["userInfo"]["sub"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{session}"
    );
    assert_eq!(session["userInfo"]["email"], "ola.nordmann@example.com");
    assert!(
        session["shippingDetails"]
            .get("streetAddress")
            .is_none_or(Value::is_null),
        "{session}"
    );
    // The session's payment is an ePayment payment: its webhooks fire.
    let got = hooks.wait_for(1).await;
    assert_eq!(got[0].json()["reference"], "checkout-info-1");
    assert_eq!(got[0].json()["name"], "AUTHORIZED");
}
