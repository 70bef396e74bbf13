//! Requests a careless or hostile client sends: each is refused with a 4xx
//! in the API's own format and changes nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    common::{create_body, problem, TestApp},
    ecom::{approve, details, ecom_error, initiate, send},
};

/// The gateway's `{statusCode, message}` with `status`.
async fn gateway(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["statusCode"], status, "{body}");
    assert!(body["message"].is_string(), "{body}");
    body
}

#[tokio::test]
async fn a_credential_header_sent_twice_is_refused_by_the_gateway() {
    let app = TestApp::spawn().await;
    let token = app.token_for(&app.merchant).await;
    let url = app.url("/epayment/v1/payments/order-dup-header");
    let twice_token = app
        .client
        .get(&url)
        .bearer_auth(&token)
        .header("Authorization", "Bearer someone-elses-token")
        .header("Ocp-Apim-Subscription-Key", &app.merchant.subscription_key)
        .send()
        .await
        .unwrap();
    let body = gateway(twice_token, 400).await;
    assert!(body["message"].as_str().unwrap().contains("authorization"));
    let twice_key = app
        .client
        .get(&url)
        .bearer_auth(&token)
        .header("Ocp-Apim-Subscription-Key", &app.merchant.subscription_key)
        .header("Ocp-Apim-Subscription-Key", "another-key")
        .send()
        .await
        .unwrap();
    gateway(twice_key, 400).await;
    let twice_secret = app
        .client
        .post(app.url("/accesstoken/get"))
        .header("client_id", &app.merchant.client_id)
        .header("client_secret", &app.merchant.client_secret)
        .header("client_secret", "a-guess")
        .header("Ocp-Apim-Subscription-Key", &app.merchant.subscription_key)
        .send()
        .await
        .unwrap();
    gateway(twice_secret, 400).await;
}

#[tokio::test]
async fn an_idempotency_key_sent_twice_is_refused_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let r = app
        .api(Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", "first")
        .header("Idempotency-Key", "second")
        .json(&create_body("order-two-keys", 1_000))
        .send()
        .await
        .unwrap();
    let body = problem(r, 400).await;
    assert_eq!(body["extraDetails"][0]["name"], "Idempotency-Key", "{body}");
    let r = app.get("/epayment/v1/payments/order-two-keys").await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_x_request_id_sent_twice_is_refused_and_captures_nothing() {
    let app = TestApp::spawn().await;
    initiate(&app, "ecom-two-ids", 1_000, "https://shop.example/cb").await;
    approve(&app, "ecom-two-ids").await;
    let r = app
        .api(Method::POST, "/ecomm/v2/payments/ecom-two-ids/capture")
        .await
        .header("X-Request-Id", "first")
        .header("X-Request-Id", "second")
        .json(
            &json!({"merchantInfo": {"merchantSerialNumber": app.merchant.msn},
            "transaction": {"amount": 500, "transactionText": "Half"}}),
        )
        .send()
        .await
        .unwrap();
    ecom_error(r, 400, "InvalidRequest", "X-Request-Id").await;
    let d = details(&app, "ecom-two-ids").await;
    assert_eq!(d["transactionSummary"]["capturedAmount"], 0, "{d}");
}

#[tokio::test]
async fn a_nul_character_in_a_body_is_a_400_naming_the_field_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-nul-00001", 1_000);
    body["reference"] = json!("ref\u{0}abcdefgh");
    let r = app
        .post("/epayment/v1/payments", "nul-1", body.clone())
        .await;
    let p = problem(r, 400).await;
    assert_eq!(p["extraDetails"][0]["name"], "reference", "{p}");
    // Nothing was recorded under the key: the same key with a good body works.
    let r = app
        .post(
            "/epayment/v1/payments",
            "nul-1",
            create_body("order-nul-00001", 1_000),
        )
        .await;
    assert_eq!(r.status(), 201);

    let mut body = create_body("order-nul-00002", 1_000);
    body["paymentDescription"] = json!("socks\u{0}");
    let p = problem(app.post("/epayment/v1/payments", "nul-2", body).await, 400).await;
    assert_eq!(p["extraDetails"][0]["name"], "paymentDescription", "{p}");

    let mut body = crate::ecom::initiate_body(&app, "ecom-nul-1", 1_000, "https://shop.example/cb");
    body["transaction"]["transactionText"] = json!("a\u{0}b");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(body)).await;
    ecom_error(r, 400, "InvalidRequest", "transaction.transactionText").await;
    let r = app.get("/ecomm/v2/payments/ecom-nul-1/details").await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_webhook_id_that_cannot_exist_is_not_found() {
    let app = TestApp::spawn().await;
    let r = app
        .api(Method::DELETE, "/webhooks/v1/webhooks/abc%00def")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["instance"], "/webhooks/v1/webhooks/abc%00def",
        "{body}"
    );
}

#[tokio::test]
async fn a_nul_character_in_a_path_query_or_form_is_a_4xx_on_every_route() {
    let app = TestApp::spawn().await;
    let msn = app.merchant.msn.clone();
    let plain = [
        (Method::GET, "/landing?token=%00".to_owned()),
        (Method::GET, "/qr/%00.svg".to_owned()),
        (Method::GET, "/qr/ab%00cd.png".to_owned()),
        (
            Method::GET,
            "/app/pay?token=%00&phone=4712345678".to_owned(),
        ),
        (Method::GET, "/app?phone=%00".to_owned()),
        (Method::GET, "/sandbox/v1/requests?msn=%00".to_owned()),
        (Method::GET, "/sandbox/v1/deliveries?msn=%00".to_owned()),
        (Method::POST, "/sandbox/v1/deliveries/%00/retry".to_owned()),
        (
            Method::GET,
            "/sandbox/v1/merchants/%00/delivery-faults".to_owned(),
        ),
        (
            Method::POST,
            "/sandbox/v1/merchants/%00/settings".to_owned(),
        ),
        (
            Method::POST,
            format!("/sandbox/v1/merchants/{msn}/ecom/a%00b/reject"),
        ),
        (
            Method::POST,
            "/sandbox/v1/merchants/%00/ecom/order-1/remove-consent".to_owned(),
        ),
    ];
    for (method, path) in plain {
        let r = app
            .client
            .request(method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_client_error(),
            "{method} {path}: {}",
            r.status()
        );
    }
    for form in ["/app/approve", "/app/reject", "/app/consent", "/landing"] {
        let r = app
            .client
            .post(app.url(form))
            .form(&[("token", "ab\u{0}cd"), ("phone", "4712345678")])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "POST {form}: {}", r.status());
    }
    for path in [
        "/epayment/v1/payments/ref%00abc",
        "/epayment/v1/payments/ref%00abc/events",
        "/ecomm/v2/payments/ord%00er/details",
        "/ecomm/v2/payments/ord%00er/status",
    ] {
        let r = app.get(path).await;
        assert!(r.status().is_client_error(), "GET {path}: {}", r.status());
    }
}

#[tokio::test]
async fn refusals_made_before_a_handler_runs_are_in_the_apis_format() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/accesstoken/get"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("allow"));
    gateway(r, 405).await;

    let r = app.get("/epayment/v1/no-such-thing").await;
    problem(r, 404).await;
    let r = app.get("/epayment/v1/payments/%FF%FE").await;
    problem(r, 400).await;
    let r = app
        .api(Method::DELETE, "/epayment/v1/payments/order-1")
        .await
        .send()
        .await
        .unwrap();
    problem(r, 405).await;

    let r = app
        .api(Method::PUT, "/ecomm/v2/payments")
        .await
        .send()
        .await
        .unwrap();
    ecom_error(r, 405, "InvalidRequest", "request").await;
    let r = app.get("/ecomm/v2/payments/%FF/details").await;
    ecom_error(r, 400, "InvalidRequest", "request").await;

    let r = app.get("/webhooks/v1/no-such-thing").await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["instance"], "/webhooks/v1/no-such-thing", "{body}");
}

#[tokio::test]
async fn urls_with_credentials_or_at_metadata_addresses_are_refused_where_given() {
    let app = TestApp::spawn().await;
    for url in [
        "https://169.254.169.254/latest/meta-data/",
        "http://2852039166/latest/meta-data/",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://user:pass@shop.example/hooks",
    ] {
        let r = app
            .api(Method::POST, "/webhooks/v1/webhooks")
            .await
            .json(&json!({"url": url, "events": ["epayments.payment.created.v1"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{url}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["extraDetails"][0]["name"], "url", "{url}: {body}");
    }
    let mut body =
        crate::ecom::initiate_body(&app, "ecom-meta-1", 1_000, "https://shop.example/cb");
    body["merchantInfo"]["callbackPrefix"] = json!("https://169.254.169.254/cb");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(body)).await;
    ecom_error(r, 400, "InvalidRequest", "callbackPrefix").await;
}

/// The status of a webhook registration for `url`.
async fn register(app: &TestApp, url: &str) -> reqwest::StatusCode {
    app.api(Method::POST, "/webhooks/v1/webhooks")
        .await
        .json(&json!({"url": url, "events": ["epayments.payment.created.v1"]}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn private_network_addresses_are_refused_unless_the_operator_allows_them() {
    let app = TestApp::spawn().await;
    for url in [
        "https://10.0.0.1/hooks",
        "https://192.168.1.20/hooks",
        "http://167772161/hooks",
        "https://[fd00::1]/hooks",
    ] {
        assert_eq!(register(&app, url).await, 400, "{url}");
    }
    assert_eq!(register(&app, "http://127.0.0.1:9/hooks").await, 201);
    let mut body =
        crate::ecom::initiate_body(&app, "ecom-private-1", 1_000, "https://shop.example/cb");
    body["merchantInfo"]["callbackPrefix"] = json!("http://192.168.1.20/cb");
    let r = send(&app, Method::POST, "/ecomm/v2/payments", Some(body)).await;
    ecom_error(r, 400, "InvalidRequest", "callbackPrefix").await;

    let allowing = TestApp::spawn_with(vipps_server::Config {
        delivery: vipps_delivery::DeliveryConfig {
            allow_private_targets: true,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    assert_eq!(register(&allowing, "https://10.0.0.1/hooks").await, 201);
    assert_eq!(
        register(&allowing, "https://169.254.169.254/hooks").await,
        400
    );
}

#[tokio::test]
async fn a_name_that_resolves_to_a_refused_address_is_refused_at_send_time() {
    let shop = crate::receiver::Receiver::start().await;
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    let app = TestApp::spawn_with(vipps_server::Config {
        delivery: vipps_delivery::DeliveryConfig {
            host_overrides: vec![
                ("shop.test".into(), ip("127.0.0.1")),
                ("office.test".into(), ip("10.20.30.40")),
                ("metadata.test".into(), ip("169.254.169.254")),
            ],
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let port = shop.base.rsplit(':').next().unwrap();
    for (order, host) in [
        ("dns-office-1", "office.test"),
        ("dns-metadata-1", "metadata.test"),
        ("dns-shop-1", "shop.test"),
    ] {
        // Names pass at initiate: what they resolve to is judged when sending.
        initiate(&app, order, 1_000, &format!("http://{host}:{port}/cb")).await;
        approve(&app, order).await;
    }
    let got = shop.wait_for(1).await;
    assert!(
        got[0].path_and_query.contains("dns-shop-1"),
        "{}",
        got[0].path_and_query
    );
    for order in ["dns-office-1", "dns-metadata-1"] {
        let failed = crate::common::eventually("a refused callback attempt", || async {
            app.deliveries().await.into_iter().find(|d| {
                d["url"].as_str().unwrap_or("").contains(order)
                    && !d["attempts"].as_array().unwrap().is_empty()
            })
        })
        .await;
        let attempt = &failed["attempts"][0];
        assert_eq!(attempt["errorKind"], "connect", "{failed}");
        assert!(
            attempt["response"]
                .as_str()
                .unwrap()
                .contains("resolves to no address the sandbox may call"),
            "{failed}"
        );
    }
    assert_eq!(shop.received().len(), 1);
}
