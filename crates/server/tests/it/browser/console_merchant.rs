//! One merchant in the console: settings saved through forms and seen by
//! the sandbox API, an API fault rule added and deleted, its own clock
//! advanced, its webhooks listed, and its data forgotten after a confirm.

use serde_json::{json, Value};

use super::{open, WIDTHS};
use crate::common::TestApp;

async fn unit_settings(app: &TestApp) -> Value {
    app.client
        .post(app.url(&format!(
            "/sandbox/v1/merchants/{}/settings",
            app.merchant.msn
        )))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_merchants_settings_faults_clock_and_webhooks_work_from_its_page() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        app.webhook(
            "https://shop.example/hooks",
            &["epayments.payment.created.v1"],
        )
        .await;
        let Some(b) = open("console-merchant", size).await else {
            return;
        };
        let page = app.url(&format!("/console/merchants/{}", app.merchant.msn));
        b.goto(&app.url("/console")).await;
        b.click(&format!(
            "a[href='/console/merchants/{}']",
            app.merchant.msn
        ))
        .await;
        b.wait_for_url(&page).await;
        assert_eq!(b.text("#merchant-name").await, "Test Shop");
        assert!(b
            .text("#webhooks")
            .await
            .contains("https://shop.example/hooks"));
        b.check_page("merchant").await;

        assert_eq!(unit_settings(&app).await["directCapture"], false);
        // Ticked for sure before the form goes (a click on a page still
        // settling can miss).
        crate::common::eventually("the direct capture box ticked", || async {
            let tick = b.find("#direct-capture").await;
            if tick.prop("checked").await.ok().flatten().as_deref() != Some("true") {
                let _ = tick.click().await;
            }
            (tick.prop("checked").await.ok().flatten().as_deref() == Some("true")).then_some(())
        })
        .await;
        b.click("#settings button").await;
        crate::common::eventually("direct capture saved", || async {
            (unit_settings(&app).await["directCapture"] == true).then_some(())
        })
        .await;

        b.click("#add-rule button").await;
        b.wait_for_text("#rules tbody td:nth-child(2)", "lose_response")
            .await;
        b.click("#rules button").await;
        b.wait_for_text("#no-rules", "No rules.").await;

        b.fill("#merchant-minutes", "90").await;
        b.click("form[action$='/clock'] button").await;
        b.wait_for_text("#merchant-offset", "90").await;
        let clock: Value = app
            .client
            .get(app.url(&format!("/sandbox/v1/merchants/{}/clock", app.merchant.msn)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(clock["merchantOffsetMs"], 90 * 60_000);
        b.check_page("merchant-after").await;
        b.close().await;
    }
}

#[tokio::test]
async fn the_merchant_forms_refuse_bad_input_with_a_page_never_a_500() {
    let app = TestApp::spawn().await;
    let base = app.url(&format!("/console/merchants/{}", app.merchant.msn));
    let form = |path: &str, body: &[(&str, &str)]| {
        app.client.post(format!("{base}{path}")).form(body).send()
    };
    let r = app
        .client
        .get(app.url("/console/merchants/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .client
        .post(app.url("/console/merchants/12/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = form(
        "/delivery-faults",
        &[
            ("drop", "2"),
            ("delay", "0"),
            ("delay_ms", "0"),
            ("duplicate", "0"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let r = form("/api-faults", &[("json", "{nope")]).await.unwrap();
    assert_eq!(r.status(), 400);
    let r = form(
        "/api-faults",
        &[(
            "json",
            r#"{"match": {"api": "nope"}, "action": {"kind": "reset"}}"#,
        )],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("match.api"));
    let r = form("/rate-limits", &[("json", "{}")]).await.unwrap();
    assert_eq!(r.status(), 400);
    let r = form("/clock", &[("minutes", "-3")]).await.unwrap();
    assert_eq!(r.status(), 400);
    let r = form("/api-faults/abc/delete", &[]).await.unwrap();
    assert_eq!(r.status(), 404);
    // Forgetting needs the box ticked.
    app.create("forget-ref-1", 1000).await;
    let r = form("/forget", &[]).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.get("/epayment/v1/payments/forget-ref-1").await.status(),
        200
    );
    let r = form("/forget", &[("confirm", "on")]).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.get("/epayment/v1/payments/forget-ref-1").await.status(),
        404
    );
}

#[tokio::test]
async fn expire_now_ends_an_open_payment_as_the_clock_would_and_notifies() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        let hooks = crate::receiver::Receiver::start().await;
        app.webhook(&hooks.url, &["epayments.payment.expired.v1"])
            .await;
        let reference = format!("expire-now-{}", size.0);
        app.create(&reference, 1000).await;
        let Some(b) = open("console-expire", size).await else {
            return;
        };
        b.goto(&app.url(&format!("/console/payments?q={reference}")))
            .await;
        b.click("a[href^='/console/payments/']").await;
        b.wait_for_text("#payment-state", "CREATED").await;
        b.click("#expire-now").await;
        b.wait_for_text("#payment-state", "EXPIRED").await;
        b.check_page("expired").await;
        assert_eq!(app.payment(&reference).await["state"], "EXPIRED");
        let got = hooks.wait_for(1).await;
        assert_eq!(got[0].json()["name"], "EXPIRED");
        assert_eq!(got[0].json()["reference"], reference.as_str());
        // An ended payment has no Expire now, and a stale form is refused.
        let token = b.url().await.rsplit('/').next().unwrap().to_owned();
        let r = app
            .client
            .post(app.url(&format!("/console/payments/{token}/expire")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        b.close().await;
    }
}

#[tokio::test]
async fn unpaid_checkout_sessions_are_listed_and_payments_filter_by_state() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        let body =
            crate::checkout::session_body("unpaid-session-1", 5000, "https://shop.example/cb");
        assert_eq!(
            crate::checkout::create_session(&app, &body).await.status(),
            200
        );
        app.create("state-filter-1", 1000).await;
        app.create("state-filter-2", 1000).await;
        app.approve("state-filter-2").await;
        let Some(b) = open("console-sessions", size).await else {
            return;
        };
        b.goto(&app.url("/console/payments?api=Checkout")).await;
        let sessions = b.text("#sessions").await;
        assert!(
            sessions.contains("unpaid-session-1") && sessions.contains("SessionCreated"),
            "{sessions}"
        );
        b.check_page("sessions").await;
        b.goto(&app.url("/console/payments")).await;
        b.fill("input[name=state]", "authorized").await;
        b.click("form.filters button").await;
        b.wait_for_url(&app.url("/console/payments?")).await;
        let table = b.text("table.log").await;
        assert!(
            table.contains("state-filter-2") && !table.contains("state-filter-1"),
            "{table}"
        );
        b.close().await;
    }
}

#[tokio::test]
async fn a_payments_page_updates_itself_when_the_api_changes_it() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        let reference = format!("live-view-{}", size.0);
        app.create(&reference, 1000).await;
        let Some(b) = open("console-live", size).await else {
            return;
        };
        b.goto(&app.url(&format!("/console/payments?q={reference}")))
            .await;
        b.click("a[href^='/console/payments/']").await;
        b.wait_for_text("#payment-state", "CREATED").await;
        // Approved through the API, not the page: the page follows by itself.
        app.approve(&reference).await;
        b.wait_for_text("#payment-state", "AUTHORIZED").await;
        b.close().await;
    }
}

#[tokio::test]
async fn a_psps_status_delay_is_set_from_the_overview() {
    let t = crate::psp::PspTest::start().await;
    let app = &t.app;
    let url = app.url(&format!("/console/psps/{}/settings", t.psp.psp_id));
    let r = app
        .client
        .post(&url)
        .form(&[("seconds", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let delay = app
        .db
        .psp_serves(&t.psp.psp_id, &app.merchant.msn)
        .await
        .unwrap();
    assert_eq!(delay, Some(30_000));
    let page = app
        .client
        .get(app.url("/console"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"30\""), "{page}");
    let r = app
        .client
        .post(&url)
        .form(&[("seconds", "-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .post(app.url("/console/psps/NOSUCHPSP/settings"))
        .form(&[("seconds", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
