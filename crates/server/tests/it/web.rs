//! The payer's pages, driven as a browser would: GET pages, POST forms, and
//! follow 303s by hand (the test client does not follow redirects).

use reqwest::Response;
use serde_json::{json, Value};

use crate::common::{create_body, TestApp};

const RETURN_URL: &str = "https://shop.example/return?order=1";

/// The token in a `redirectUrl` (`…?token=T`).
fn token_of(redirect_url: &str) -> String {
    redirect_url
        .split("token=")
        .nth(1)
        .expect("a token")
        .to_owned()
}

async fn create_with(app: &TestApp, body: Value) -> Value {
    let key = format!("create-{}", body["reference"].as_str().unwrap());
    let r = app.post("/epayment/v1/payments", &key, body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

pub async fn get(app: &TestApp, path: &str) -> Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

pub async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Status and body of an HTML page.
pub async fn page(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    (status, r.text().await.unwrap())
}

pub fn location(r: &Response) -> String {
    assert_eq!(r.status(), 303, "{r:?}");
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn state(app: &TestApp, reference: &str) -> String {
    app.payment(reference).await["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn event_names(app: &TestApp, reference: &str) -> Vec<String> {
    app.events(reference)
        .await
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn home_lists_the_test_payers() {
    let app = TestApp::spawn().await;
    let (status, html) = page(get(&app, "/").await).await;
    assert_eq!(status, 200);
    for needle in [
        "4712345678",
        "Ola Nordmann",
        "4700000001",
        "Insufficient funds",
        "action=\"/app\"",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
}

#[tokio::test]
async fn landing_shows_the_payment_and_prefills_the_phone() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-web-landing1", 49_900);
    body["customer"] = json!({"phoneNumber": "4798765432"});
    let created = create_with(&app, body).await;
    let redirect = created["redirectUrl"].as_str().unwrap();
    assert!(
        redirect.starts_with(&app.url("/landing?token=")),
        "{redirect}"
    );

    let (status, html) = page(app.client.get(redirect).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(html.contains("499.00 NOK"), "{html}");
    assert!(html.contains("Test Shop"));
    assert!(html.contains("One pair of socks"));
    assert!(
        html.contains("value=\"4798765432\""),
        "phone not pre-filled: {html}"
    );

    // Without a customer the field is empty, for the payer to fill in.
    let created = app.create("order-web-landing2", 1_000).await;
    let (_, html) = page(
        app.client
            .get(created["redirectUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(html.contains("name=\"phone\" value=\"\""), "{html}");
    assert!(html.contains("10.00 NOK"));
}

#[tokio::test]
async fn browser_flow_approves_and_returns_to_the_merchant() {
    let app = TestApp::spawn().await;
    let created = app.create("order-web-approve1", 49_900).await;
    let token = token_of(created["redirectUrl"].as_str().unwrap());

    let (status, _) = page(get(&app, &format!("/landing?token={token}")).await).await;
    assert_eq!(status, 200);
    // The payer types the number any way they like.
    let r = post_form(
        &app,
        "/landing",
        &[("token", &token), ("phone", "+47 12 34 56 78")],
    )
    .await;
    let app_page = location(&r);
    assert_eq!(app_page, format!("/app/pay?token={token}&phone=4712345678"));

    let (status, html) = page(get(&app, &app_page).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ola Nordmann"));
    assert!(html.contains("499.00 NOK"));
    assert!(html.contains("action=\"/app/approve\"") && html.contains("action=\"/app/reject\""));

    let r = post_form(
        &app,
        "/app/approve",
        &[("token", &token), ("phone", "4712345678")],
    )
    .await;
    assert_eq!(location(&r), RETURN_URL);
    let p = app.payment("order-web-approve1").await;
    assert_eq!(p["state"], "AUTHORIZED");
    assert_eq!(p["aggregate"]["authorizedAmount"]["value"], 49_900);
    assert_eq!(
        event_names(&app, "order-web-approve1").await,
        ["CREATED", "AUTHORIZED"]
    );

    // Afterwards the landing page tells how it ended and links back.
    let (status, html) = page(get(&app, &format!("/landing?token={token}")).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("AUTHORIZED") && html.contains("Payment approved"));
    assert!(
        html.contains("href=\"https://shop.example/return?order=1\""),
        "{html}"
    );
    // A second approval changes nothing.
    let (status, _) = page(
        post_form(
            &app,
            "/app/approve",
            &[("token", &token), ("phone", "4712345678")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        event_names(&app, "order-web-approve1").await,
        ["CREATED", "AUTHORIZED"]
    );
}

#[tokio::test]
async fn reject_aborts_and_returns_to_the_merchant() {
    let app = TestApp::spawn().await;
    let created = app.create("order-web-reject01", 1_000).await;
    let token = token_of(created["redirectUrl"].as_str().unwrap());
    let r = post_form(
        &app,
        "/app/reject",
        &[("token", &token), ("phone", "4712345678")],
    )
    .await;
    assert_eq!(location(&r), RETURN_URL);
    assert_eq!(state(&app, "order-web-reject01").await, "ABORTED");
    assert_eq!(
        event_names(&app, "order-web-reject01").await,
        ["CREATED", "ABORTED"]
    );
}

#[tokio::test]
async fn a_declined_card_keeps_the_payment_open() {
    let app = TestApp::spawn().await;
    let created = app.create("order-web-decline1", 1_000).await;
    let token = token_of(created["redirectUrl"].as_str().unwrap());
    let (status, html) = page(
        post_form(
            &app,
            "/app/approve",
            &[("token", &token), ("phone", "4700000001")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Insufficient funds"), "{html}");
    assert!(
        html.contains("action=\"/app/reject\""),
        "the payer can still reject"
    );
    assert_eq!(state(&app, "order-web-decline1").await, "CREATED");

    // The payer gives up.
    let r = post_form(
        &app,
        "/app/reject",
        &[("token", &token), ("phone", "4700000001")],
    )
    .await;
    assert_eq!(location(&r), RETURN_URL);
    assert_eq!(state(&app, "order-web-decline1").await, "ABORTED");
}

#[tokio::test]
async fn push_message_payments_wait_in_the_phone_inbox() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-web-push001", 25_000);
    body["userFlow"] = json!("PUSH_MESSAGE");
    body["customer"] = json!({"phoneNumber": "4712345678"});
    body.as_object_mut().unwrap().remove("returnUrl");
    let created = create_with(&app, body).await;
    assert!(created.get("redirectUrl").is_none());

    // The home page's form is a GET to /app?phone=…; any spelling works.
    let (status, html) = page(get(&app, "/app?phone=%2B4712345678").await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("250.00 NOK") && html.contains("Test Shop") && html.contains("CREATED"),
        "{html}"
    );
    let href = html
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|s| s.starts_with("/app/pay?"))
        .expect("a link to the payment")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(href.ends_with("&phone=4712345678"), "{href}");
    let token = token_of(&href).split('&').next().unwrap().to_owned();

    let (status, html) = page(get(&app, &href).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Approve"));
    // No returnUrl: the result is a page of its own.
    let (status, html) = page(
        post_form(
            &app,
            "/app/approve",
            &[("token", &token), ("phone", "4712345678")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Payment approved"), "{html}");
    assert_eq!(state(&app, "order-web-push001").await, "AUTHORIZED");

    let (_, html) = page(get(&app, "/app?phone=4712345678").await).await;
    assert!(
        html.contains("AUTHORIZED") && !html.contains("/app/pay?"),
        "{html}"
    );
}

#[tokio::test]
async fn qr_images_encode_the_landing_page() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-web-qrsvg01", 1_000);
    body["userFlow"] = json!("QR");
    let svg_url = create_with(&app, body).await["redirectUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        svg_url.contains("/qr/") && svg_url.contains(".svg"),
        "{svg_url}"
    );
    let r = app.client.get(&svg_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().contains("<svg"));

    let mut body = create_body("order-web-qrpng01", 1_000);
    body["userFlow"] = json!("QR");
    body["qrFormat"] = json!({"format": "IMAGE/PNG"});
    let png_url = create_with(&app, body).await["redirectUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(png_url.contains(".png"), "{png_url}");
    let r = app.client.get(&png_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, 1024 px by default.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1024);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 1024);

    // A requested size is honoured through the handed-out link.
    let mut body = create_body("order-web-qrpng02", 1_000);
    body["userFlow"] = json!("QR");
    body["qrFormat"] = json!({"format": "IMAGE/PNG", "size": 300});
    let sized = create_with(&app, body).await["redirectUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = app
        .client
        .get(&sized)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 300);

    // The SVG's token also works as a PNG, and vice versa.
    let token = token_of(&png_url);
    let r = get(&app, &format!("/qr/{token}.svg")).await;
    assert_eq!(r.status(), 200);
    for path in [
        "/qr/nosuchtoken.svg",
        "/qr/nosuchtoken.png",
        &format!("/qr/{token}.gif"),
    ] {
        let (status, _) = page(get(&app, path).await).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn bad_links_get_pages_not_errors() {
    let app = TestApp::spawn().await;
    let created = app.create("order-web-badlink1", 1_000).await;
    let token = token_of(created["redirectUrl"].as_str().unwrap());

    for (path, want) in [
        ("/landing?token=nosuchtoken".to_owned(), 404),
        (
            "/app/pay?token=nosuchtoken&phone=4712345678".to_owned(),
            404,
        ),
        ("/landing".to_owned(), 400),
        ("/app/pay".to_owned(), 400),
        (format!("/app/pay?token={token}"), 400),
        (format!("/app/pay?token={token}&phone=12"), 400),
        ("/app".to_owned(), 400),
        ("/app?phone=abc".to_owned(), 400),
        ("/landing?token=a&token=b".to_owned(), 400),
    ] {
        let (status, html) = page(get(&app, &path).await).await;
        assert_eq!(status, want, "{path}: {html}");
    }
    for (form, want) in [
        (vec![("token", "nosuchtoken"), ("phone", "4712345678")], 404),
        (vec![("phone", "4712345678")], 400),
        (vec![("token", token.as_str())], 400),
    ] {
        let (status, _) = page(post_form(&app, "/app/approve", &form).await).await;
        assert_eq!(status, want, "{form:?}");
    }
    // Not a form at all.
    let r = app
        .client
        .post(app.url("/app/approve"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(page(r).await.0, 400);
    assert_eq!(state(&app, "order-web-badlink1").await, "CREATED");
}

#[tokio::test]
async fn an_invalid_phone_on_the_landing_page_is_explained() {
    let app = TestApp::spawn().await;
    let created = app.create("order-web-badphone", 1_000).await;
    let token = token_of(created["redirectUrl"].as_str().unwrap());
    let (status, html) =
        page(post_form(&app, "/landing", &[("token", &token), ("phone", "12<b>34")]).await).await;
    assert_eq!(status, 400);
    assert!(html.contains("is not a valid phone number"), "{html}");
    // What was typed is shown back, escaped, with the form to try again.
    assert!(
        html.contains("12&#60;b&#62;34") || html.contains("12&lt;b&gt;34"),
        "{html}"
    );
    assert!(!html.contains("12<b>34"));
    assert!(html.contains("action=\"/landing\""));
    assert_eq!(state(&app, "order-web-badphone").await, "CREATED");
}

#[tokio::test]
async fn an_expired_payment_cannot_be_approved() {
    let app = TestApp::spawn().await;
    let created = app.create("order-web-expired1", 1_000).await;
    let token = token_of(created["redirectUrl"].as_str().unwrap());
    app.advance_clock(601).await;

    let (status, html) = page(
        post_form(
            &app,
            "/app/approve",
            &[("token", &token), ("phone", "4712345678")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(html.contains("The payment has expired"), "{html}");
    assert!(
        html.contains("href=\"https://shop.example/return?order=1\""),
        "a way back: {html}"
    );
    assert_eq!(state(&app, "order-web-expired1").await, "EXPIRED");
    assert_eq!(
        event_names(&app, "order-web-expired1").await,
        ["CREATED", "EXPIRED"]
    );

    for path in [
        format!("/app/pay?token={token}&phone=4712345678"),
        format!("/landing?token={token}"),
    ] {
        let (status, html) = page(get(&app, &path).await).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Payment expired") && html.contains("EXPIRED"),
            "{path}: {html}"
        );
        assert!(!html.contains("action=\"/app/approve\""));
    }
}

#[tokio::test]
async fn pages_escape_merchant_text() {
    let app = TestApp::spawn().await;
    let mut body = create_body("order-web-escape01", 1_000);
    body["paymentDescription"] = json!("<script>alert(1)</script>");
    let created = create_with(&app, body).await;
    let (_, html) = page(
        app.client
            .get(created["redirectUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("alert(1)"));
}

#[tokio::test]
async fn going_back_to_the_landing_page_after_the_phone_cancels_the_payment() {
    let app = TestApp::spawn().await;
    let created = app.create("order-web-back01", 1_000).await;
    let token = token_of(created["redirectUrl"].as_str().unwrap());
    let landing = format!("/landing?token={token}");
    // Opening the link twice before entering a phone number is harmless.
    assert_eq!(page(get(&app, &landing).await).await.0, 200);
    assert_eq!(page(get(&app, &landing).await).await.0, 200);
    assert_eq!(state(&app, "order-web-back01").await, "CREATED");

    let r = post_form(
        &app,
        "/landing",
        &[("token", &token), ("phone", "4712345678")],
    )
    .await;
    assert_eq!(r.status(), 303);
    // The browser's back button: the landing page again.
    let (status, html) = page(get(&app, &landing).await).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("action=\"/app/approve\""),
        "no way to approve any more"
    );
    assert_eq!(state(&app, "order-web-back01").await, "ABORTED");
    assert_eq!(
        event_names(&app, "order-web-back01").await,
        ["CREATED", "ABORTED"]
    );
    // The app page now shows the outcome instead of the buttons.
    let (_, html) =
        page(get(&app, &format!("/app/pay?token={token}&phone=4712345678")).await).await;
    assert!(!html.contains("action=\"/app/approve\""));
}
