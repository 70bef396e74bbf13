//! `serve --admin-token`: the sandbox API and the console require the token;
//! the payer's pages, `/health` and the merchant APIs do not.

use reqwest::{header, Response};
use serde_json::{json, Value};
use vipps_server::Config;

use crate::common::TestApp;

const TOKEN: &str = "team-s3cret+token";

async fn with_token() -> TestApp {
    TestApp::spawn_with(Config {
        admin_token: Some(TOKEN.into()),
        ..Config::default()
    })
    .await
}

async fn clock(app: &TestApp, header: Option<(&str, &str)>) -> Response {
    let mut req = app.client.get(app.url("/sandbox/v1/clock"));
    if let Some((name, value)) = header {
        req = req.header(name, value);
    }
    req.send().await.unwrap()
}

async fn assert_problem_401(r: Response) {
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 401, "{body}");
    assert_eq!(body["title"], "Unauthorized", "{body}");
    assert!(body["traceId"].is_string(), "{body}");
    assert!(!body.to_string().contains(TOKEN), "{body}");
}

#[tokio::test]
async fn the_sandbox_api_needs_the_token_as_bearer_or_header() {
    let app = with_token().await;
    assert_problem_401(clock(&app, None).await).await;
    assert_problem_401(clock(&app, Some(("Authorization", "Bearer wrong"))).await).await;
    assert_problem_401(clock(&app, Some(("X-Admin-Token", "wrong"))).await).await;
    assert_problem_401(clock(&app, Some(("X-Admin-Token", "team-s3cret+toke"))).await).await;
    // The query opens only the console pages, not the API.
    let r = app
        .client
        .get(app.url(&format!(
            "/sandbox/v1/clock?admin_token={}",
            urlencoding::encode(TOKEN)
        )))
        .send()
        .await
        .unwrap();
    assert_problem_401(r).await;

    let bearer = format!("Bearer {TOKEN}");
    let r = clock(&app, Some(("Authorization", &bearer))).await;
    assert_eq!(r.status(), 200);
    let r = clock(&app, Some(("X-Admin-Token", TOKEN))).await;
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap().is_object());

    // Writes too, and unknown paths under /sandbox/ say nothing without it.
    let r = app
        .client
        .post(app.url("/sandbox/v1/clock/advance"))
        .json(&json!({"seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_problem_401(r).await;
    let r = app
        .client
        .post(app.url("/sandbox/v1/clock/advance"))
        .bearer_auth(TOKEN)
        .json(&json!({"seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_problem_401(
        app.client
            .get(app.url("/sandbox/v1/no-such-thing"))
            .send()
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test]
async fn the_console_opens_with_the_token_once_then_with_its_cookie() {
    let app = with_token().await;
    let r = app.client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("/console?admin_token="), "{html}");
    for path in ["/console/payments", "/console/requests", "/console/"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    let r = app
        .client
        .post(app.url("/console/clock"))
        .form(&[("minutes", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A wrong token is refused and sets nothing.
    let r = app
        .client
        .get(app.url("/console?admin_token=wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get(header::SET_COOKIE).is_none());

    // The right one: 303 to the same page without the token, and a cookie.
    let r = app
        .client
        .get(app.url(&format!(
            "/console/payments?api=epayment&admin_token={}",
            urlencoding::encode(TOKEN)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()[header::LOCATION],
        "/console/payments?api=epayment"
    );
    let set_cookie = r.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("vipps_sandbox_admin="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(!set_cookie.contains(TOKEN), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let r = app
        .client
        .get(app.url("/console"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(app.url("/console/payments?api=epayment"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The console's forms post with the cookie too.
    let r = app
        .client
        .post(app.url("/console/clock"))
        .header(header::COOKIE, &cookie)
        .form(&[("minutes", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A forged cookie is no good.
    let r = app
        .client
        .get(app.url("/console"))
        .header(header::COOKIE, format!("vipps_sandbox_admin={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Programs may use the headers on the console as well.
    let r = app
        .client
        .get(app.url("/console"))
        .header("X-Admin-Token", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn payer_pages_health_and_merchant_apis_need_no_token() {
    let app = with_token().await;
    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let created = app.create("admin-open-1", 1000).await;
    let redirect = created["redirectUrl"].as_str().unwrap();
    let r = app.client.get(redirect).send().await.unwrap();
    assert_eq!(r.status(), 200, "{redirect}");
    let payment = app.payment("admin-open-1").await;
    assert_eq!(payment["state"], "CREATED");
}

#[tokio::test]
async fn without_a_token_everything_stays_open() {
    let app = TestApp::spawn().await;
    let r = clock(&app, None).await;
    assert_eq!(r.status(), 200);
    let r = app.client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The query parameter means nothing then.
    let r = app
        .client
        .get(app.url("/console?admin_token=anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get(header::SET_COOKIE).is_none());
}
