//! Faults on the incoming API, per merchant: errors in each API's own
//! format, latency, lost answers after the commit, resets, `times`,
//! seeded probability, rate limits, one firing across two servers, the
//! request log's marks, and rules that never touch another merchant.

use std::time::Instant;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vipps_domain::api_faults::parse_rule;

use crate::{
    checkout::{checkout_request, session_body},
    common::{create_body, eventually, TestApp},
    ecom,
    psp::PspTest,
};

async fn add_rule(app: &TestApp, msn: &str, rule: Value) -> String {
    let r = app
        .client
        .post(app.url(&format!("/sandbox/v1/merchants/{msn}/api-faults")))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn rules(app: &TestApp, msn: &str) -> Vec<Value> {
    let r = app
        .client
        .get(app.url(&format!("/sandbox/v1/merchants/{msn}/api-faults")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["rules"]
        .as_array()
        .unwrap()
        .clone()
}

/// Adds a rule firing once on `api`'s `operation` for the test merchant.
async fn once(app: &TestApp, api: &str, operation: &str, action: Value) {
    let rule = json!({"match": {"api": api, "operation": operation}, "action": action, "times": 1});
    add_rule(app, &app.merchant.msn, rule).await;
}

/// An authorized ePayment payment.
async fn authorized(app: &TestApp, reference: &str, value: i64) {
    app.create(reference, value).await;
    app.approve(reference).await;
}

/// An ePayment POST whose answer may never come.
async fn send_keyed(
    app: &TestApp,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Result<reqwest::Response> {
    app.api(Method::POST, path)
        .await
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
}

fn error_rule(api: &str, operation: Option<&str>, status: u16) -> Value {
    json!({"match": {"api": api, "operation": operation}, "action": {"kind": "error", "status": status}, "times": 1})
}

/// The request log's entry for `path`, once written.
async fn logged(app: &TestApp, path: &str) -> Vec<Value> {
    let url = app.url(&format!(
        "/sandbox/v1/requests?msn={}&limit=1000",
        app.merchant.msn
    ));
    let path = path.to_owned();
    eventually("the call in the request log", || {
        let url = url.clone();
        let path = path.clone();
        async move {
            let v: Value = reqwest::get(&url).await.ok()?.json().await.ok()?;
            let found: Vec<Value> = v["requests"]
                .as_array()?
                .iter()
                .filter(|r| r["path"] == path.as_str())
                .cloned()
                .collect();
            (!found.is_empty()).then_some(found)
        }
    })
    .await
}

#[tokio::test]
async fn an_error_rule_refuses_without_effect_in_each_apis_own_format() {
    let app = TestApp::spawn().await;
    let msn = app.merchant.msn.clone();

    // ePayment: a 500 problem, and the payment was never created.
    add_rule(&app, &msn, error_rule("epayment", Some("create"), 500)).await;
    let r = app
        .post(
            "/epayment/v1/payments",
            "f-1",
            create_body("fault-ref-1", 1000),
        )
        .await;
    let body = crate::common::problem(r, 500).await;
    assert_eq!(body["title"], "Internal Server Error");
    assert_eq!(
        app.get("/epayment/v1/payments/fault-ref-1").await.status(),
        404
    );
    // The rule fired once: the same call now goes through.
    let r = app
        .post(
            "/epayment/v1/payments",
            "f-1",
            create_body("fault-ref-1", 1000),
        )
        .await;
    assert_eq!(r.status(), 201);

    // eCom: its error array.
    add_rule(&app, &msn, error_rule("ecom", Some("initiate"), 400)).await;
    let r = app
        .api(Method::POST, "/ecomm/v2/payments")
        .await
        .json(&ecom::initiate_body(
            &app,
            "eco-fault-1",
            1000,
            "https://shop.example/cb",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body[0]["errorGroup"].is_string(), "{body}");

    // Checkout: its problem with errorCode.
    add_rule(&app, &msn, error_rule("checkout", None, 409)).await;
    let r = checkout_request(&app, &app.merchant, Method::POST, "/checkout/v3/session")
        .json(&session_body(
            "chk-fault-1",
            1000,
            "https://shop.example/cb",
        ))
        .send()
        .await
        .unwrap();
    crate::checkout::checkout_problem(r, 409, None).await;

    // Order Management: its problem.
    add_rule(&app, &msn, error_rule("order-management", Some("get"), 404)).await;
    let r = app.get("/order-management/v2/ecom/anything").await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["title"], "Not Found", "{body}");

    // Webhooks: its problem.
    add_rule(&app, &msn, error_rule("webhooks", Some("list"), 500)).await;
    let r = app.get("/webhooks/v1/webhooks").await;
    assert_eq!(r.status(), 500);

    // The gateway answers 503 itself, with Retry-After, even for a token.
    add_rule(&app, &msn, error_rule("accesstoken", None, 503)).await;
    let m = &app.merchant;
    let r = app
        .client
        .post(app.url("/accesstoken/get"))
        .header("client_id", &m.client_id)
        .header("client_secret", &m.client_secret)
        .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
        .header("Merchant-Serial-Number", &m.msn)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["statusCode"], 503, "{body}");

    // Each is marked in the request log with its rule.
    let entries = logged(&app, "/epayment/v1/payments").await;
    let marked: Vec<&Value> = entries.iter().filter(|e| e["fault"].is_string()).collect();
    assert_eq!(marked.len(), 1, "{entries:?}");
    assert!(marked[0]["fault"]
        .as_str()
        .unwrap()
        .ends_with(": error 500"));
    assert!(entries
        .iter()
        .any(|e| e["status"] == 201 && e["fault"].is_null()));
}

#[tokio::test]
async fn a_psp_call_gets_the_psp_apis_error_array() {
    let t = PspTest::start().await;
    add_rule(
        &t.app,
        &t.app.merchant.msn,
        error_rule("psp", Some("init"), 500),
    )
    .await;
    let r = t.init_with(t.init_body("psp-fault-1", 1000)).await;
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert!(body.is_array(), "{body}");
    // Not initiated: the same init now works.
    t.init("psp-fault-1", 1000).await;
}

#[tokio::test]
async fn latency_applies_the_call_and_answers_late() {
    let app = TestApp::spawn().await;
    app.create("slow-ref-1", 1000).await;
    add_rule(
        &app,
        &app.merchant.msn,
        json!({"match": {"api": "epayment", "operation": "get"}, "action": {"kind": "latency", "ms": 400}}),
    )
    .await;
    let started = Instant::now();
    let r = app.get("/epayment/v1/payments/slow-ref-1").await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed().as_millis() >= 400);
}

#[tokio::test]
async fn a_lost_capture_is_committed_and_a_same_key_retry_gets_the_stored_answer() {
    let app = TestApp::spawn().await;
    authorized(&app, "lost-ref-1", 20_000).await;
    once(
        &app,
        "epayment",
        "capture",
        json!({"kind": "lose_response", "after": "commit"}),
    )
    .await;
    let body = json!({"modificationAmount": {"currency": "NOK", "value": 4000}});
    let lost = send_keyed(
        &app,
        "/epayment/v1/payments/lost-ref-1/capture",
        "cap-lost-ref-1",
        &body,
    )
    .await;
    assert!(
        lost.is_err(),
        "the connection should close without an answer"
    );
    // It happened.
    assert_eq!(
        app.payment("lost-ref-1").await["aggregate"]["capturedAmount"]["value"],
        4000
    );
    // A retry with the same key: the stored answer, no second capture.
    let r = app
        .modify("lost-ref-1", "capture", "cap-lost-ref-1", 4000)
        .await;
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["aggregate"]["capturedAmount"]["value"], 4000);
    assert_eq!(
        app.payment("lost-ref-1").await["aggregate"]["capturedAmount"]["value"],
        4000
    );
    // Lost again, and retried with a new key: a second capture, as the
    // real API would make.
    once(
        &app,
        "epayment",
        "capture",
        json!({"kind": "lose_response"}),
    )
    .await;
    let lost = send_keyed(
        &app,
        "/epayment/v1/payments/lost-ref-1/capture",
        "cap-lost-ref-2",
        &body,
    )
    .await;
    assert!(lost.is_err());
    let r = app
        .modify("lost-ref-1", "capture", "cap-lost-ref-3", 4000)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.payment("lost-ref-1").await["aggregate"]["capturedAmount"]["value"],
        12000
    );
    // The log shows the lost call with no status and its rule.
    let entries = logged(&app, "/epayment/v1/payments/lost-ref-1/capture").await;
    let lost = entries
        .iter()
        .find(|e| e["status"] == 0)
        .expect("the lost call");
    assert!(lost["fault"].as_str().unwrap().ends_with("lose_response"));
    // The verifier sees the new-key retry of an unanswered capture.
    let report = crate::checklist::report_when(&app, &app.merchant.msn, "checkout", |r| {
        crate::checklist::item(r, "handle-errors")["verdict"] == "failed"
    })
    .await;
    let reason = crate::checklist::item(&report, "handle-errors")["reason"].clone();
    assert!(
        reason
            .as_str()
            .unwrap()
            .contains("retried with a different idempotency key"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_lost_answer_can_be_a_gateway_504_and_a_reset_applies_nothing() {
    let app = TestApp::spawn().await;
    authorized(&app, "gw-ref-001", 10_000).await;
    once(
        &app,
        "epayment",
        "capture",
        json!({"kind": "lose_response", "as": "504"}),
    )
    .await;
    let r = app.modify("gw-ref-001", "capture", "gw-cap-1", 3000).await;
    assert_eq!(r.status(), 504);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["statusCode"], 504);
    assert_eq!(
        app.payment("gw-ref-001").await["aggregate"]["capturedAmount"]["value"],
        3000
    );

    once(&app, "epayment", "refund", json!({"kind": "reset"})).await;
    let body = json!({"modificationAmount": {"currency": "NOK", "value": 1000}});
    let reset = send_keyed(
        &app,
        "/epayment/v1/payments/gw-ref-001/refund",
        "gw-ref-1",
        &body,
    )
    .await;
    assert!(reset.is_err());
    assert_eq!(
        app.payment("gw-ref-001").await["aggregate"]["refundedAmount"]["value"],
        0
    );
    // Nothing was stored under the key either: the retry refunds once.
    assert_eq!(
        app.modify("gw-ref-001", "refund", "gw-ref-1", 1000)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.payment("gw-ref-001").await["aggregate"]["refundedAmount"]["value"],
        1000
    );
}

#[tokio::test]
async fn times_and_seeded_probability_decide_which_calls_fire() {
    let app = TestApp::spawn().await;
    let msn = app.merchant.msn.clone();
    app.create("poll-ref-1", 1000).await;
    let id = add_rule(
        &app,
        &msn,
        json!({"match": {"api": "epayment", "operation": "get"}, "action": {"kind": "error", "status": 502}, "times": 2}),
    )
    .await;
    let statuses: Vec<u16> = futures_statuses(&app, 4).await;
    assert_eq!(statuses, [502, 502, 200, 200]);
    let listed = rules(&app, &msn).await;
    let rule = listed.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(
        (rule["fired"].clone(), rule["matched"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(rule["times"], 0);
    let r = app
        .client
        .delete(app.url(&format!("/sandbox/v1/merchants/{msn}/api-faults/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    let sent = json!({"match": {"api": "epayment", "operation": "get"},
        "action": {"kind": "error", "status": 503}, "probability": 0.5, "seed": 42});
    let id = add_rule(&app, &msn, sent.clone()).await;
    let expected_rule = parse_rule(&sent, id, 0).unwrap();
    let expected: Vec<u16> = (0..20)
        .map(|n| if expected_rule.drawn(n) { 503 } else { 200 })
        .collect();
    assert!(expected.contains(&503) && expected.contains(&200));
    assert_eq!(futures_statuses(&app, 20).await, expected);
}

/// The statuses of `n` reads of payment poll-ref-1, one after another.
async fn futures_statuses(app: &TestApp, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            app.get("/epayment/v1/payments/poll-ref-1")
                .await
                .status()
                .as_u16(),
        );
    }
    out
}

#[tokio::test]
async fn a_rule_with_times_1_fires_once_across_two_servers_and_never_for_another_merchant() {
    let app = TestApp::spawn().await;
    let other = app.new_merchant("Other Shop").await;
    let second = app.second_server().await;
    app.create("two-ref-01", 1000).await;
    add_rule(
        &app,
        &app.merchant.msn,
        error_rule("epayment", Some("get"), 500),
    )
    .await;
    // The other merchant is never touched.
    let r = app
        .as_merchant(&other, Method::GET, "/epayment/v1/payments/none")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let token = app.token_for(&app.merchant).await;
    let mut statuses = Vec::new();
    for base in [&second, &app.base, &second, &app.base] {
        let r = app
            .client
            .get(format!("{base}/epayment/v1/payments/two-ref-01"))
            .bearer_auth(&token)
            .header("Ocp-Apim-Subscription-Key", &app.merchant.subscription_key)
            .header("Merchant-Serial-Number", &app.merchant.msn)
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(statuses[0], StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        statuses[1..].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn rate_limits_answer_the_gateways_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let msn = app.merchant.msn.clone();
    app.create("rate-ref-1", 1000).await;
    let r = app
        .client
        .post(app.url(&format!("/sandbox/v1/merchants/{msn}/rate-limits")))
        .json(&json!({"limits": [{"match": {"api": "epayment", "operation": "get"}, "requests": 2, "perSeconds": 60}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get("/epayment/v1/payments/rate-ref-1").await.status(),
        200
    );
    assert_eq!(
        app.get("/epayment/v1/payments/rate-ref-1").await.status(),
        200
    );
    let r = app.get("/epayment/v1/payments/rate-ref-1").await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["statusCode"], 429);
    // Other operations are not limited; an empty list lifts the limit.
    assert_eq!(
        app.post(
            "/epayment/v1/payments",
            "rate-ref-2",
            create_body("rate-ref-2", 1000)
        )
        .await
        .status(),
        201
    );
    let r = app
        .client
        .post(app.url(&format!("/sandbox/v1/merchants/{msn}/rate-limits")))
        .json(&json!({"limits": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get("/epayment/v1/payments/rate-ref-1").await.status(),
        200
    );
    let entries = logged(&app, "/epayment/v1/payments/rate-ref-1").await;
    assert!(entries
        .iter()
        .any(|e| e["status"] == 429 && e["fault"].as_str().unwrap().starts_with("rate limit")));
}

#[tokio::test]
async fn bad_rules_are_400s_naming_the_field_and_unknown_ids_404s() {
    let app = TestApp::spawn().await;
    let msn = app.merchant.msn.clone();
    let url = app.url(&format!("/sandbox/v1/merchants/{msn}/api-faults"));
    for (rule, field) in [
        (
            json!({"match": {"api": "recurring"}, "action": {"kind": "reset"}}),
            "match.api",
        ),
        (
            json!({"match": {"api": "epayment", "operation": "explode"}, "action": {"kind": "reset"}}),
            "match.operation",
        ),
        (
            json!({"match": {"api": "epayment"}, "action": {"kind": "error", "status": 200}}),
            "action.status",
        ),
        (
            json!({"match": {"api": "epayment"}, "action": {"kind": "reset"}, "probability": 2}),
            "probability",
        ),
        (
            json!({"match": {"api": "epayment"}, "action": {"kind": "latency", "ms": -1}}),
            "action.ms",
        ),
    ] {
        let r = app.client.post(&url).json(&rule).send().await.unwrap();
        let body = crate::common::problem(r, 400).await;
        assert_eq!(body["extraDetails"][0]["name"], field, "{body}");
    }
    let r = app
        .client
        .post(&url)
        .body("{nope")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .delete(format!("{url}/nothere"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .client
        .get(app.url("/sandbox/v1/merchants/999999/api-faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    add_rule(&app, &msn, error_rule("ecom", None, 500)).await;
    assert_eq!(app.client.delete(&url).send().await.unwrap().status(), 204);
    assert!(rules(&app, &msn).await.is_empty());
}

#[tokio::test]
async fn a_lost_ecom_capture_retried_with_its_request_id_captures_once() {
    let app = TestApp::spawn().await;
    ecom::initiate(&app, "eco-lost-1", 10_000, "https://shop.example/cb").await;
    ecom::approve(&app, "eco-lost-1").await;
    once(&app, "ecom", "capture", json!({"kind": "lose_response"})).await;
    let lost = app
        .api(Method::POST, "/ecomm/v2/payments/eco-lost-1/capture")
        .await
        .header("X-Request-Id", "eco-cap-1")
        .json(&ecom::action(&app, Some(3000)))
        .send()
        .await;
    assert!(lost.is_err());
    let r = ecom::modify(
        &app,
        "eco-lost-1",
        "capture",
        Some("eco-cap-1"),
        ecom::action(&app, Some(3000)),
    )
    .await;
    assert_eq!(r.status(), 200);
    let details = ecom::details(&app, "eco-lost-1").await;
    let captures = ecom::operations(&details)
        .iter()
        .filter(|o| *o == "CAPTURE")
        .count();
    assert_eq!(captures, 1, "{details}");
}
