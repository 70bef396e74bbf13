//! A PSP API v3 payment in a browser: the payer goes from the PSP's
//! redirect URL through the landing and app pages, and the PSP answers
//! makePayment with a soft decline (3-D Secure on the PSP's own page, then
//! verified or cancelled) or a failure.

use std::sync::{Arc, Mutex};

use axum::{
    extract::State,
    response::Html,
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};
use vipps_store::psps::NewPspCredentials;

use super::{open, Browser, WIDTHS};
use crate::{
    common::TestApp,
    psp::{log_of, psp_call},
};

const PSP_ID: &str = "7D1C2E5B0A7F4E0C9B1A3D5F6E7C8B9A";

/// How the PSP answers makePayment.
#[derive(Clone, Copy)]
enum Mode {
    /// A soft decline asking for 3-D Secure the first time, OK afterwards.
    SoftDeclineThenOk,
    /// A hard failure: insufficient funds.
    Fail,
}

struct PspState {
    base: String,
    mode: Mode,
    /// The makePayment bodies received, oldest first.
    calls: Vec<Value>,
    /// The `operations` of the latest makePayment: operation name to URL.
    operations: Vec<(String, String)>,
}

impl PspState {
    fn operation(&self, name: &str) -> String {
        self.operations
            .iter()
            .find(|(op, _)| op == name)
            .map(|(_, url)| url.clone())
            .unwrap_or_else(|| panic!("makePayment had no {name} operation"))
    }
}

type Shared = Arc<Mutex<PspState>>;

/// A small PSP: its makePayment endpoint, the card issuer's 3-D Secure
/// page, and the page the payer returns to.
struct FakePsp {
    base: String,
    state: Shared,
}

async fn make_payment(State(s): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let mut s = s.lock().unwrap();
    s.operations = body["operations"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .map(|o| {
                    (
                        o["operation"].as_str().unwrap_or_default().to_owned(),
                        o["url"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let id = body["pspTransactionId"].clone();
    s.calls.push(body);
    let answer = match (s.mode, s.calls.len()) {
        (Mode::SoftDeclineThenOk, 1) => json!({
            "paymentInfo": {"pspTransactionId": id, "status": "SOFT_DECLINE",
                            "url3dSecure": format!("{}/3ds", s.base)},
            "errorMessage": {"errorId": "1036", "errorText": "Soft Decline"}
        }),
        (Mode::SoftDeclineThenOk, _) => {
            json!({"paymentInfo": {"pspTransactionId": id, "status": "OK"}})
        }
        (Mode::Fail, _) => json!({
            "paymentInfo": {"pspTransactionId": id, "status": "FAIL"},
            "errorMessage": {"errorId": "89", "errorText": "Insufficient funds"}
        }),
    };
    Json(answer)
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head>\
         <body style=\"font-family: sans-serif; margin: 2rem\">{body}</body></html>"
    ))
}

/// `&` in a URL placed in an HTML attribute.
fn attr(url: &str) -> String {
    url.replace('&', "&amp;")
}

async fn three_ds_page(State(s): State<Shared>) -> Html<String> {
    let s = s.lock().unwrap();
    let verify = format!("{}&responsecode=OK", s.operation("3dssuccess"));
    let cancel = s.operation("3dscancel");
    page(
        "Card issuer verification",
        &format!(
            "<h1>Card issuer verification</h1>\
             <p>Confirm this card payment with your bank.</p>\
             <p><a id=\"verify\" href=\"{}\">Verify</a> \
             <a id=\"cancel\" href=\"{}\">Cancel</a></p>",
            attr(&verify),
            attr(&cancel)
        ),
    )
}

async fn done_page() -> Html<String> {
    page(
        "Order complete",
        "<h1 id=\"done\">Thank you, order complete</h1>",
    )
}

impl FakePsp {
    async fn start(mode: Mode) -> FakePsp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(PspState {
            base: base.clone(),
            mode,
            calls: Vec::new(),
            operations: Vec::new(),
        }));
        let router = Router::new()
            .route("/makepayment", post(make_payment))
            .route("/3ds", get(three_ds_page))
            .route("/done", get(done_page))
            .with_state(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        FakePsp { base, state }
    }

    fn calls(&self) -> Vec<Value> {
        self.state.lock().unwrap().calls.clone()
    }
}

/// The sandbox with a PSP serving its merchant, and the PSP itself.
struct PspFlow {
    app: TestApp,
    creds: NewPspCredentials,
    psp: FakePsp,
}

impl PspFlow {
    async fn start(mode: Mode) -> PspFlow {
        let app = TestApp::spawn().await;
        let creds = app
            .db
            .create_psp(
                "Browser PSP",
                Some(PSP_ID),
                std::slice::from_ref(&app.merchant.msn),
                app.state.clock.now(),
            )
            .await
            .unwrap();
        let psp = FakePsp::start(mode).await;
        PspFlow { app, creds, psp }
    }

    /// A PSP API call for the merchant, with the PSP's token and headers.
    async fn call(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        psp_call(&self.app, &self.creds, &self.app.merchant.msn, method, path).await
    }

    /// The PSP's page the payer returns to after `id`.
    fn back(&self, id: &str) -> String {
        format!("{}/done?tx={id}", self.psp.base)
    }

    /// Initiates `id` and returns the payer's `vippsRedirectUrl`.
    async fn init(&self, id: &str, amount: i64) -> String {
        let body = json!({
            "pspTransactionId": id,
            "merchantOrderId": format!("order-{id}"),
            "amount": amount,
            "currency": "NOK",
            "pspRedirectUrl": self.back(id),
            "makePaymentUrl": format!("{}/makepayment", self.psp.base),
            "makePaymentToken": "psp-secret-token",
            "paymentText": "One pair of Vipps socks"
        });
        let r = self
            .call(reqwest::Method::POST, "/psp/v3/psppayments/init")
            .await
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let answer: Value = r.json().await.unwrap();
        let url = answer["vippsRedirectUrl"].as_str().unwrap().to_owned();
        assert!(
            url.starts_with(&format!("{}/landing?token=", self.app.base)),
            "{url}"
        );
        url
    }

    async fn details(&self, id: &str) -> Value {
        let r = self
            .call(
                reqwest::Method::GET,
                &format!("/psp/v3/psppayments/{id}/details"),
            )
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

/// From the PSP's redirect URL through the landing page to Approve in the app.
async fn approve_in_app(b: &Browser, redirect_url: &str) {
    b.goto(redirect_url).await;
    let card = b.text(".card").await;
    assert!(card.contains("100.00"), "{card}");
    assert!(card.contains("One pair of Vipps socks"), "{card}");
    b.check_page("landing").await;
    b.fill("#phone", "4712345678").await;
    b.click("form.single button[type=submit]").await;
    b.find("form[action='/app/approve'] button").await;
    b.check_page("app").await;
    b.click("form[action='/app/approve'] button").await;
}

/// Waits for the status page at `url` and checks it says the payment
/// failed and links back to the PSP; returns the reason it gives.
async fn expect_failed(b: &Browser, url: &str, back: &str) -> String {
    b.wait_for_url(url).await;
    let link = b.find(".card a.button.primary").await;
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some(back));
    let heading = b.text(".card h1").await;
    assert_eq!(heading, "Payment failed");
    let alert = b.text(".card .alert.error").await;
    b.check_page("status").await;
    alert
}

#[tokio::test]
async fn a_soft_decline_sends_the_payer_through_3ds_and_back_to_the_psp() {
    for size in WIDTHS {
        let t = PspFlow::start(Mode::SoftDeclineThenOk).await;
        let id = format!("browser-3ds-{}", size.0);
        let redirect = t.init(&id, 10_000).await;
        let Some(b) = open("psp-3ds", size).await else {
            return;
        };
        approve_in_app(&b, &redirect).await;
        // The card issuer's page, served by the PSP.
        b.wait_for_url(&format!("{}/3ds", t.psp.base)).await;
        assert!(b.text("h1").await.contains("Card issuer verification"));
        b.check_page("issuer").await;
        b.click("#verify").await;
        b.wait_for_url(&t.back(&id)).await;
        assert_eq!(b.text("#done").await, "Thank you, order complete");
        b.check_page("done").await;
        b.close().await;

        let calls = t.psp.calls();
        assert_eq!(calls.len(), 2, "{calls:?}");
        for call in &calls {
            assert_eq!(call["pspTransactionId"], id.as_str());
            assert_eq!(call["paymentState"], "ACCEPTED");
        }
        let ops: Vec<&str> = calls[0]["operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["operation"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["3dssuccess", "3dscancel", "3dsfailure"]);
        let d = t.details(&id).await;
        assert_eq!(log_of(&d), ["RESERVED:true"], "{d}");
    }
}

#[tokio::test]
async fn a_failed_card_payment_shows_the_psps_reason() {
    for size in WIDTHS {
        let t = PspFlow::start(Mode::Fail).await;
        let id = format!("browser-psp-fail-{}", size.0);
        let redirect = t.init(&id, 10_000).await;
        let Some(b) = open("psp-fail", size).await else {
            return;
        };
        approve_in_app(&b, &redirect).await;
        let alert = expect_failed(&b, &t.app.url("/app/approve"), &t.back(&id)).await;
        assert!(alert.contains("Insufficient funds"), "{alert}");
        b.close().await;

        assert_eq!(t.psp.calls().len(), 1);
        assert_eq!(log_of(&t.details(&id).await), ["RESERVED:false"]);
    }
}

#[tokio::test]
async fn cancelling_3ds_on_the_issuers_page_fails_the_payment() {
    for size in WIDTHS {
        let t = PspFlow::start(Mode::SoftDeclineThenOk).await;
        let id = format!("browser-3ds-cancel-{}", size.0);
        let redirect = t.init(&id, 10_000).await;
        let Some(b) = open("psp-3ds-cancel", size).await else {
            return;
        };
        approve_in_app(&b, &redirect).await;
        b.wait_for_url(&format!("{}/3ds", t.psp.base)).await;
        b.click("#cancel").await;
        let alert = expect_failed(&b, &t.app.url("/app/3ds"), &t.back(&id)).await;
        assert!(alert.contains("Nothing was charged"), "{alert}");
        b.close().await;

        // No second makePayment after a cancel.
        assert_eq!(t.psp.calls().len(), 1);
        assert_eq!(log_of(&t.details(&id).await), ["RESERVED:false"]);
    }
}
