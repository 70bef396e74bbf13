//! The payer's pages in a browser: an ePayment paid from its redirect URL,
//! a declining card, the front page.

use super::{open, WIDTHS};
use crate::{common::create_body, common::TestApp, receiver::Receiver};

#[tokio::test]
async fn a_payer_approves_an_epayment_from_its_redirect_url() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        let shop = Receiver::start().await;
        let reference = format!("browser-epay-{}", size.0);
        let mut body = create_body(&reference, 49_900);
        body["returnUrl"] = serde_json::json!(format!("{}/return?order={reference}", shop.base));
        let r = app.post("/epayment/v1/payments", &reference, body).await;
        assert_eq!(r.status(), 201);
        let created: serde_json::Value = r.json().await.unwrap();
        let Some(b) = open("epayment-approve", size).await else {
            return;
        };
        b.goto(created["redirectUrl"].as_str().unwrap()).await;
        assert!(b.text(".card").await.contains("499.00"));
        b.check_page("landing").await;
        b.fill("#phone", "4712345678").await;
        b.click("form.single button[type=submit]").await;
        b.find("form[action='/app/approve'] button").await;
        b.check_page("app").await;
        b.click("form[action='/app/approve'] button").await;
        b.wait_for_url(&format!("{}/return", shop.base)).await;
        b.close().await;
        assert_eq!(app.payment(&reference).await["state"], "AUTHORIZED");
    }
}

#[tokio::test]
async fn a_declined_card_is_shown_and_the_payment_stays_open() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/epayment/v1/payments",
            "browser-decline-1",
            create_body("browser-decline-1", 10_000),
        )
        .await;
    let created: serde_json::Value = r.json().await.unwrap();
    let Some(b) = open("epayment-decline", WIDTHS[0]).await else {
        return;
    };
    b.goto(created["redirectUrl"].as_str().unwrap()).await;
    b.fill("#phone", "4700000001").await;
    b.click("form.single button[type=submit]").await;
    b.click("form[action='/app/approve'] button").await;
    let alert = b.text(".alert.error").await;
    assert!(alert.contains("declined"), "{alert}");
    b.check_page("declined").await;
    b.close().await;
    assert_eq!(app.payment("browser-decline-1").await["state"], "CREATED");
}

#[tokio::test]
async fn the_front_page_lists_the_test_payers_at_every_width() {
    let app = TestApp::spawn().await;
    for size in WIDTHS {
        let Some(b) = open("home", size).await else {
            return;
        };
        b.goto(&app.url("/")).await;
        assert!(b.text("body").await.contains("4712345678"));
        b.check_page("home").await;
        b.close().await;
    }
}
