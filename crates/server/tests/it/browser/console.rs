//! The operator's console in a browser: a payment found in the list and
//! approved from its page, the overview with the clock's Advance, the
//! request log with its filter, deliveries with Retry.

use super::{open, WIDTHS};
use crate::{common::create_body, common::TestApp, receiver::Receiver};

#[tokio::test]
async fn the_console_shows_merchants_requests_and_deliveries_and_its_buttons_work() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        let hooks = Receiver::start().await;
        hooks.answer(500);
        app.webhook(&hooks.url, &["epayments.payment.created.v1"])
            .await;
        let reference = format!("console-{}", size.0);
        let r = app
            .post(
                "/epayment/v1/payments",
                &reference,
                create_body(&reference, 1000),
            )
            .await;
        assert_eq!(r.status(), 201);
        hooks.wait_for(1).await;
        let Some(b) = open("console", size).await else {
            return;
        };

        // The payment, found in the list, approved from its page; the API
        // requests that name it are listed there.
        app.payment(&reference).await;
        let named = format!("/epayment/v1/payments/{reference}");
        crate::common::eventually("the GET in the request log", || async {
            let log: serde_json::Value = app
                .client
                .get(app.url("/sandbox/v1/requests"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            log["requests"]
                .as_array()?
                .iter()
                .any(|r| r["path"] == named.as_str())
                .then_some(())
        })
        .await;
        b.goto(&app.url("/console/payments?api=ePayment")).await;
        b.check_page("payments").await;
        b.click("a[href^='/console/payments/']").await;
        b.wait_for_url(&app.url("/console/payments/")).await;
        assert_eq!(b.text("#payment-state").await, "CREATED");
        let page = b.text("main").await;
        assert!(page.contains(&reference), "{page}");
        assert!(
            page.contains(&format!("GET /epayment/v1/payments/{reference}")),
            "{page}"
        );
        assert!(page.contains("epayments.payment.created.v1"), "{page}");
        b.check_page("payment").await;
        b.click("form[action$='/approve'] button").await;
        b.wait_for_text("#payment-state", "AUTHORIZED").await;
        assert!(b.text("main").await.contains("AUTHORIZED"));
        assert_eq!(app.payment(&reference).await["state"], "AUTHORIZED");

        b.goto(&app.url("/console/deliveries")).await;
        let card = b.text("section.delivery").await;
        assert!(
            card.contains("webhook") && card.contains("HTTP 500"),
            "{card}"
        );
        b.check_page("deliveries").await;
        // Retry makes the failed webhook due now, ahead of its schedule.
        hooks.answer(200);
        let before = hooks.received().len();
        b.click("section.delivery form button").await;
        b.wait_for_url(&app.url("/console/deliveries")).await;
        hooks.wait_for(before + 1).await;
        b.goto(&app.url("/console/requests")).await;
        b.fill("input[name=path]", "/epayment/v1/payments").await;
        b.click("form.filters button").await;
        b.wait_for_url(&app.url("/console/requests?")).await;
        let log = b.text("table.log").await;
        assert!(log.contains("POST /epayment/v1/payments"), "{log}");
        assert!(log.contains("201"), "{log}");
        assert!(!log.contains("/accesstoken/get"), "{log}");
        b.check_page("requests").await;

        b.goto(&app.url("/console")).await;
        assert!(b.text("main").await.contains(&app.merchant.msn));
        assert_eq!(b.text("#clock-offset").await, "none");
        b.check_page("overview").await;
        b.fill("#minutes", "90").await;
        b.click("form[action='/console/clock'] button").await;
        b.wait_for_text("#clock-offset", "90 minutes").await;

        b.close().await;
    }
}
