use base64::Engine;
use serde_json::Value;

use crate::common::TestApp;

#[tokio::test]
async fn access_token_answers_string_fields_and_a_jwt_bound_to_the_merchant() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let r = app
        .client
        .post(app.url("/accesstoken/get"))
        .header("client_id", &m.client_id)
        .header("client_secret", &m.client_secret)
        .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
        .header("Merchant-Serial-Number", &m.msn)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    for field in [
        "token_type",
        "expires_in",
        "ext_expires_in",
        "expires_on",
        "not_before",
        "resource",
        "access_token",
    ] {
        assert!(body[field].is_string(), "{field} must be a string: {body}");
    }
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], "3600");
    let not_before: i64 = body["not_before"].as_str().unwrap().parse().unwrap();
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_on - not_before, 3600);
    let jwt = body["access_token"].as_str().unwrap();
    let claims = jwt.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["msn"], m.msn.as_str());
    assert_eq!(claims["exp"], expires_on);
}

#[tokio::test]
async fn the_alternative_spelling_accesstoken_path_works_too() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let r = app
        .client
        .post(app.url("/accessToken/get"))
        .header("client_id", &m.client_id)
        .header("client_secret", &m.client_secret)
        .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_401() {
    let app = TestApp::spawn().await;
    let m = &app.merchant;
    let post = |id: &str, secret: &str, key: Option<&str>| {
        let mut b = app
            .client
            .post(app.url("/accesstoken/get"))
            .header("client_id", id)
            .header("client_secret", secret);
        if let Some(k) = key {
            b = b.header("Ocp-Apim-Subscription-Key", k);
        }
        b.send()
    };
    let r = post(&m.client_id, "wrong", Some(&m.subscription_key))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");

    let r = post("unknown", &m.client_secret, Some(&m.subscription_key))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let r = post(&m.client_id, &m.client_secret, None).await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["statusCode"], 401);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("missing subscription key"));

    let r = post(&m.client_id, &m.client_secret, Some("not-the-key"))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("invalid subscription key"));
}

#[tokio::test]
async fn api_calls_need_a_valid_unexpired_token_for_the_same_subscription_key() {
    let app = TestApp::spawn().await;
    let m = app.merchant.clone();
    let token = app.token_for(&m).await;
    let get = |token: String, key: String| {
        app.client
            .get(app.url("/epayment/v1/payments/unknown-ref"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Ocp-Apim-Subscription-Key", key)
            .send()
    };
    // Valid: reaches the API (404 for the unknown reference).
    assert_eq!(
        get(token.clone(), m.subscription_key.clone())
            .await
            .unwrap()
            .status(),
        404
    );
    // Tampered token.
    assert_eq!(
        get(format!("{token}x"), m.subscription_key.clone())
            .await
            .unwrap()
            .status(),
        401
    );
    // Another merchant's subscription key with this token.
    let other = app.new_merchant("Other").await;
    assert_eq!(
        get(token.clone(), other.subscription_key.clone())
            .await
            .unwrap()
            .status(),
        401
    );
    // `bearer` in lower case is not accepted, as at the real gateway.
    let r = app
        .client
        .get(app.url("/epayment/v1/payments/unknown-ref"))
        .header("Authorization", format!("bearer {token}"))
        .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // One hour later on the sandbox clock the token has expired.
    app.advance_clock(3600).await;
    assert_eq!(
        get(token, m.subscription_key.clone())
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn a_merchant_serial_number_header_of_another_merchant_is_403() {
    let app = TestApp::spawn().await;
    let other = app.new_merchant("Other").await;
    let r = app
        .api(reqwest::Method::GET, "/epayment/v1/payments/unknown-ref")
        .await
        .header("Merchant-Serial-Number", &other.msn)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_psp_gets_a_token_with_its_own_keys_that_merchant_apis_refuse() {
    let app = TestApp::spawn().await;
    let psp = app
        .db
        .create_psp(
            "Test PSP",
            Some("C948DFD1546347568874C4DDC93A2E3C"),
            std::slice::from_ref(&app.merchant.msn),
            app.state.clock.now(),
        )
        .await
        .unwrap();
    let token_call = |msn: Option<&str>| {
        let mut req = app
            .client
            .post(app.url("/accesstoken/get"))
            .header("client_id", &psp.client_id)
            .header("client_secret", &psp.client_secret)
            .header("Ocp-Apim-Subscription-Key", &psp.subscription_key);
        if let Some(msn) = msn {
            req = req.header("Merchant-Serial-Number", msn);
        }
        req.send()
    };
    let r = token_call(Some(&app.merchant.msn)).await.unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // An MSN the PSP does not serve is the gateway's 403.
    let other = app.new_merchant("Not served").await;
    assert_eq!(token_call(Some(&other.msn)).await.unwrap().status(), 403);
    // A PSP's token is no merchant's token.
    let r = app
        .client
        .get(app.url("/epayment/v1/payments/psp-token-1"))
        .bearer_auth(&token)
        .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Nor are its keys a merchant's for Checkout.
    let r = app
        .client
        .get(app.url("/checkout/v3/session/psp-token-1"))
        .header("client_id", &psp.client_id)
        .header("client_secret", &psp.client_secret)
        .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
