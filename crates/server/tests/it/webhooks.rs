//! Webhooks API v1: registration rules, and every ePayment event arriving
//! signed at the merchant's real endpoint.

use serde_json::{json, Value};

use crate::{
    common::{eventually, TestApp},
    receiver::{verify_signature, Receiver},
};

pub const ALL_EVENTS: [&str; 8] = [
    "epayments.payment.created.v1",
    "epayments.payment.authorized.v1",
    "epayments.payment.aborted.v1",
    "epayments.payment.expired.v1",
    "epayments.payment.terminated.v1",
    "epayments.payment.captured.v1",
    "epayments.payment.refunded.v1",
    "epayments.payment.cancelled.v1",
];

impl TestApp {
    pub async fn register_webhook(&self, url: &str, events: &[&str]) -> reqwest::Response {
        self.api(reqwest::Method::POST, "/webhooks/v1/webhooks")
            .await
            .json(&json!({"url": url, "events": events}))
            .send()
            .await
            .unwrap()
    }

    /// Registers and returns (id, secret).
    pub async fn webhook(&self, url: &str, events: &[&str]) -> (String, String) {
        let r = self.register_webhook(url, events).await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        (
            v["id"].as_str().unwrap().to_owned(),
            v["secret"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn deliveries(&self) -> Vec<Value> {
        let url = self.url(&format!("/sandbox/v1/deliveries?msn={}", self.merchant.msn));
        let v: Value = self
            .client
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["deliveries"].as_array().unwrap().clone()
    }
}

async fn webhook_problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], status);
    assert_eq!(v["instance"], "/webhooks/v1/webhooks");
    v
}

#[tokio::test]
async fn register_list_and_delete() {
    let app = TestApp::spawn().await;
    let (id, secret) = app
        .webhook(
            "https://shop.example/hooks",
            &["epayments.payment.captured.v1"],
        )
        .await;
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert!(secret.len() >= 32);
    let list: Value = app.get("/webhooks/v1/webhooks").await.json().await.unwrap();
    assert_eq!(
        list,
        json!({"webhooks": [{"id": id, "url": "https://shop.example/hooks", "events": ["epayments.payment.captured.v1"]}]})
    );
    assert!(
        !list.to_string().contains(&secret),
        "the secret is shown only once"
    );

    // Another merchant neither sees nor deletes it.
    let other = app.new_merchant("Other").await;
    let theirs: Value = app
        .as_merchant(&other, reqwest::Method::GET, "/webhooks/v1/webhooks")
        .await
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["webhooks"].as_array().unwrap().len(), 0);
    let r = app
        .as_merchant(
            &other,
            reqwest::Method::DELETE,
            &format!("/webhooks/v1/webhooks/{id}"),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let r = app
        .api(
            reqwest::Method::DELETE,
            &format!("/webhooks/v1/webhooks/{id}"),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let list: Value = app.get("/webhooks/v1/webhooks").await.json().await.unwrap();
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 0);
    let r = app
        .api(
            reqwest::Method::DELETE,
            &format!("/webhooks/v1/webhooks/{id}"),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn registration_rules() {
    let app = TestApp::spawn().await;
    let ev = ["epayments.payment.captured.v1"];
    for url in [
        "ftp://shop.example/hooks",
        "/relative/hooks",
        "http://shop.example/hooks",
        "not a url",
    ] {
        let p = webhook_problem(app.register_webhook(url, &ev).await, 400).await;
        assert_eq!(p["extraDetails"][0]["name"], "url", "{url}");
    }
    // Local receivers over plain HTTP are a sandbox extension.
    assert_eq!(
        app.register_webhook("http://127.0.0.1:9/hooks", &ev)
            .await
            .status(),
        201
    );
    assert_eq!(
        app.register_webhook("http://localhost:9/hooks", &ev)
            .await
            .status(),
        201
    );

    let p = webhook_problem(
        app.register_webhook("https://shop.example/h", &["epayments.payment.shipped.v1"])
            .await,
        400,
    )
    .await;
    assert_eq!(p["extraDetails"][0]["name"], "events");
    webhook_problem(
        app.register_webhook("https://shop.example/h", &[]).await,
        400,
    )
    .await;

    // Five per event type; the sixth is refused, other types are unaffected.
    for i in 0..3 {
        assert_eq!(
            app.register_webhook(&format!("https://shop.example/{i}"), &ev)
                .await
                .status(),
            201
        );
    }
    let p = webhook_problem(
        app.register_webhook("https://shop.example/6", &ev).await,
        400,
    )
    .await;
    assert_eq!(p["title"], "Too many webhooks");
    assert_eq!(
        app.register_webhook("https://shop.example/7", &["epayments.payment.refunded.v1"])
            .await
            .status(),
        201
    );

    // Malformed JSON, and no credentials.
    let r = app
        .api(reqwest::Method::POST, "/webhooks/v1/webhooks")
        .await
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    webhook_problem(r, 400).await;
    let r = app
        .client
        .get(app.url("/webhooks/v1/webhooks"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn every_epayment_event_arrives_signed_with_its_documented_payload() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    let (_, secret) = app.webhook(&rx.url, &ALL_EVENTS).await;

    // created, authorized, captured, refunded, cancelled
    app.create("order-hook-0001", 1_000).await;
    app.approve("order-hook-0001").await;
    assert_eq!(
        app.modify("order-hook-0001", "capture", "cap", 600)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.modify("order-hook-0001", "refund", "ref", 100)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post(
            "/epayment/v1/payments/order-hook-0001/cancel",
            "can",
            json!({})
        )
        .await
        .status(),
        200
    );
    // aborted: the payer rejects
    app.create("order-hook-0002", 1_000).await;
    vipps_server::apis::epayment::service::reject(&app.state, &app.merchant.msn, "order-hook-0002")
        .await
        .unwrap();
    // terminated: the merchant cancels before approval
    app.create("order-hook-0003", 1_000).await;
    assert_eq!(
        app.post(
            "/epayment/v1/payments/order-hook-0003/cancel",
            "can",
            json!({})
        )
        .await
        .status(),
        200
    );
    // expired: nobody acts
    app.create("order-hook-0004", 1_000).await;
    app.advance_clock(601).await;

    // Delivery is at least once: wait for every expected event, then check
    // each payment's events arrived in order (a retried copy may repeat one).
    let expected: [(&str, &[&str]); 4] = [
        (
            "order-hook-0001",
            &["CREATED", "AUTHORIZED", "CAPTURED", "REFUNDED", "CANCELLED"],
        ),
        ("order-hook-0002", &["CREATED", "ABORTED"]),
        ("order-hook-0003", &["CREATED", "TERMINATED"]),
        ("order-hook-0004", &["CREATED", "EXPIRED"]),
    ];
    let names_of = |got: &[crate::receiver::Received], reference: &str| -> Vec<String> {
        let mut names: Vec<String> = got
            .iter()
            .map(|r| r.json())
            .filter(|v| v["reference"] == reference)
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect();
        names.dedup();
        names
    };
    let got = eventually("every ePayment event", || async {
        let got = rx.received();
        expected
            .iter()
            .all(|(reference, names)| names_of(&got, reference).len() >= names.len())
            .then_some(got)
    })
    .await;
    for r in &got {
        verify_signature(r, &secret).unwrap();
        assert_eq!(r.header("content-type"), "application/json");
        let v = r.json();
        assert_eq!(v["msn"], app.merchant.msn.as_str());
        assert!(v["pspReference"].is_string() && v["timestamp"].is_string());
        assert_eq!(v["success"], true);
    }
    for (reference, names) in expected {
        assert_eq!(names_of(&got, reference), names, "{reference}");
    }
    let capture = got
        .iter()
        .map(|r| r.json())
        .find(|v| v["name"] == "CAPTURED")
        .unwrap();
    assert_eq!(capture["amount"], json!({"currency": "NOK", "value": 600}));
    assert_eq!(capture["idempotencyKey"], "cap");

    // A changed byte fails verification.
    let mut tampered = got[0].clone();
    let mut body = tampered.body.to_vec();
    body[2] ^= 1;
    tampered.body = body.into();
    assert!(verify_signature(&tampered, &secret).is_err());
}

#[tokio::test]
async fn a_webhook_gets_only_the_event_types_it_registered_for() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    app.webhook(&rx.url, &["epayments.payment.captured.v1"])
        .await;
    let other = Receiver::start().await;
    let them = app.new_merchant("Other").await;
    let token = app.token_for(&them).await;
    let r = app
        .client
        .post(app.url("/webhooks/v1/webhooks"))
        .bearer_auth(token)
        .header("Ocp-Apim-Subscription-Key", &them.subscription_key)
        .json(&json!({"url": other.url, "events": ALL_EVENTS}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    app.create("order-hook-0005", 1_000).await;
    app.approve("order-hook-0005").await;
    assert_eq!(
        app.modify("order-hook-0005", "capture", "cap", 1_000)
            .await
            .status(),
        200
    );
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].json()["name"], "CAPTURED");
    // The delivery of CAPTURED is the last thing that happened: nothing else follows.
    let all = eventually("the capture delivery to be recorded", || async {
        let d = app.deliveries().await;
        d.iter().all(|d| d["status"] == "delivered").then_some(d)
    })
    .await;
    assert_eq!(all.len(), 1);
    assert_eq!(rx.received().len(), 1);
    // The other merchant's webhook heard nothing of this merchant's payment.
    assert!(other.received().is_empty());
}
