//! The checklist page in a browser: a merchant's Checkout integration
//! judged all green, another checklist's open items explained, and the
//! Markdown to send.

use super::{open, WIDTHS};
use crate::{
    checklist::{
        all_green,
        checkout::{integrate, Break},
        report_when,
    },
    common::TestApp,
};

#[tokio::test]
async fn the_checklist_page_shows_each_verdict_with_its_reason_and_the_markdown() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        integrate(&app, Break::Nothing).await;
        let msn = app.merchant.msn.clone();
        report_when(&app, &msn, "checkout", all_green).await;
        let Some(b) = open("checklist", size).await else {
            return;
        };
        b.goto(&app.url("/console")).await;
        b.click("a[href='/console/checklist']").await;
        b.wait_for_url(&app.url("/console/checklist")).await;
        // All four by default, for the first merchant.
        for name in ["ecom", "checkout", "psp", "order-management"] {
            b.find(&format!("#checklist-{name}")).await;
        }
        let ecom = b.text("#checklist-ecom").await;
        assert!(ecom.contains("Not yet"), "{ecom}");
        assert!(
            ecom.contains("POST /ecomm/v2/payments has not been called yet"),
            "{ecom}"
        );
        b.check_page("all").await;

        b.find("select[name='checklist'] option[value='checkout']")
            .await
            .click()
            .await
            .unwrap();
        b.click("form.filters button").await;
        b.wait_for_url(&app.url("/console/checklist?msn=")).await;
        let checkout = b.text("#checklist-checkout").await;
        assert!(
            !checkout.contains("Not yet") && !checkout.contains("Failed"),
            "{checkout}"
        );
        assert!(
            checkout.contains("Full capture on p-refund-part"),
            "{checkout}"
        );
        assert!(checkout.contains("order chk-paid"), "{checkout}");
        b.check_page("checkout").await;

        b.click("#markdown").await;
        b.wait_for_url(&app.url("/console/checklist.md")).await;
        let md = b.text("body").await;
        assert!(md.contains("### Test IDs"), "{md}");
        assert!(md.contains("`p-cancel`"), "{md}");
        b.close().await;
    }
}
