//! The PSP checklist: a good PSP integration, with a real makePayment
//! endpoint answering each way the checklist asks for, ends all green; each
//! broken variant turns exactly one item red.

use std::sync::Mutex;

use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};

use super::{all_green, item, only_red, open_items, report_when, Shop};
use crate::{
    common::eventually,
    psp::{fail_answer, ok_answer, report, PspTest},
};

/// Every FAIL errorId the checklist names, but 93: that one is answered to
/// the USER_CANCEL sent after the payer rejects.
const WAITED_CODES: &[&str] = &[
    "71", "72", "81", "82", "83", "84", "85", "86", "87", "88", "89", "91", "94",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Break {
    Nothing,
    NeverAnswers86,
    NoCancel,
    NeverReadsDetails,
    OneCallWithoutHeaders,
}

/// The PSP's own integration: its token fetched once and reused, the
/// `Vipps-System-*` headers on every call.
struct Psp<'a> {
    t: &'a PspTest,
    token: Mutex<Option<String>>,
}

impl<'a> Psp<'a> {
    fn new(t: &'a PspTest) -> Psp<'a> {
        Psp {
            t,
            token: Mutex::new(None),
        }
    }

    async fn token(&self) -> String {
        if let Some(t) = self.token.lock().unwrap().clone() {
            return t;
        }
        let (app, psp) = (&self.t.app, &self.t.psp);
        let r = Shop::with_system_headers(app.client.post(app.url("/accesstoken/get")))
            .header("client_id", &psp.client_id)
            .header("client_secret", &psp.client_secret)
            .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let t = r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        *self.token.lock().unwrap() = Some(t.clone());
        t
    }

    /// A call for the test merchant without the `Vipps-System-*` headers.
    async fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        let (app, psp) = (&self.t.app, &self.t.psp);
        app.client
            .request(method, app.url(path))
            .bearer_auth(self.token().await)
            .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
            .header("Psp-Id", &psp.psp_id)
            .header("Merchant-Serial-Number", &app.merchant.msn)
    }

    async fn call(&self, method: Method, path: &str) -> RequestBuilder {
        Shop::with_system_headers(self.bare(method, path).await)
    }

    async fn init_with(&self, body: &Value) -> Response {
        self.call(Method::POST, "/psp/v3/psppayments/init")
            .await
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Initiates `id` and returns the landing page token.
    async fn init(&self, id: &str) -> String {
        let r = self.init_with(&self.t.init_body(id, 10_000)).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let url = body["vippsRedirectUrl"].as_str().unwrap();
        url.split_once("token=").unwrap().1.to_owned()
    }

    /// The payer approves `id`; the status of the approval.
    async fn approve(&self, id: &str, token: &str) -> u16 {
        self.call(
            Method::POST,
            &format!("/psp/v3/integration-test/psppayments/{id}/approve"),
        )
        .await
        .json(&json!({"customerPhoneNumber": "12345678", "token": token}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
    }

    async fn details(&self, id: &str) {
        let r = self
            .call(Method::GET, &format!("/psp/v3/psppayments/{id}/details"))
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    async fn update(&self, id: &str, status: &str, amount: i64) {
        let r = self
            .call(Method::POST, "/psp/v3/psppayments/updatestatus")
            .await
            .json(&json!({ "transactions": [report(id, status, amount)] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

/// A PSP's whole integration, as its test suite would run it, broken in
/// one way (or none).
async fn integrate(t: &PspTest, broken: Break) {
    let psp = Psp::new(t);
    let endpoint = &t.endpoint;

    // Reserved, captured, refunded.
    endpoint.answer_json(&ok_answer());
    let token = psp.init("psp-paid").await;
    assert_eq!(psp.approve("psp-paid", &token).await, 200);
    if broken != Break::NeverReadsDetails {
        psp.details("psp-paid").await;
    }
    psp.update("psp-paid", "CAPTURED", 10_000).await;
    psp.update("psp-paid", "REFUNDED", 4_000).await;

    // Reserved, then cancelled.
    let token = psp.init("psp-cancelled").await;
    assert_eq!(psp.approve("psp-cancelled", &token).await, 200);
    psp.details("psp-cancelled").await;
    if broken != Break::NoCancel {
        psp.update("psp-cancelled", "CANCELLED", 10_000).await;
    }

    // Each error code, answered to a payer waiting in the app.
    for code in WAITED_CODES {
        if broken == Break::NeverAnswers86 && *code == "86" {
            continue;
        }
        endpoint.answer_json(&fail_answer(code, "Declined by the issuer"));
        let id = format!("psp-fail-{code}");
        let token = psp.init(&id).await;
        assert_eq!(psp.approve(&id, &token).await, 400, "{code}");
        psp.details(&id).await;
    }

    // 93: the payer rejects; the PSP answers the USER_CANCEL it is sent.
    endpoint.answer_json(&fail_answer("93", "Cancelled by the user"));
    let before = t.make_payments().len();
    let token = psp.init("psp-rejected").await;
    let r = t
        .app
        .client
        .post(t.app.url("/app/reject"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let calls = eventually("the USER_CANCEL call", || async {
        let calls = t.make_payments();
        (calls.len() > before).then_some(calls)
    })
    .await;
    assert_eq!(calls.last().unwrap().json()["paymentState"], "USER_CANCEL");
    eventually("the USER_CANCEL delivery answered", || async {
        t.app
            .deliveries()
            .await
            .into_iter()
            .find(|d| d["kind"] == "psp_make_payment" && d["status"] == "delivered")
    })
    .await;
    psp.details("psp-rejected").await;

    // A soft decline stepped up with 3-D Secure, then reserved.
    endpoint.answer_json(&json!({
        "paymentInfo": {"status": "SOFT_DECLINE",
                        "url3dSecure": format!("{}/3ds-page", endpoint.base)},
        "errorMessage": {"errorId": "1036", "errorText": "Soft Decline"}
    }));
    let token = psp.init("psp-3ds").await;
    assert_eq!(psp.approve("psp-3ds", &token).await, 200);
    let success = t.make_payments().last().unwrap().json()["operations"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    endpoint.answer_json(&ok_answer());
    let r = t
        .app
        .client
        .get(format!("{success}&responsecode=OK"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    psp.details("psp-3ds").await;

    // An error met and handled: an init without its makePaymentUrl is
    // refused, the corrected one accepted.
    let mut body = t.init_body("psp-late", 10_000);
    body.as_object_mut().unwrap().remove("makePaymentUrl");
    assert_eq!(psp.init_with(&body).await.status(), 400);
    psp.init("psp-late").await;

    if broken == Break::OneCallWithoutHeaders {
        let r = psp
            .bare(Method::GET, "/psp/v3/psppayments/psp-late/details")
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn a_good_psp_integration_passes_every_item() {
    let t = PspTest::start().await;
    integrate(&t, Break::Nothing).await;
    let msn = t.app.merchant.msn.clone();
    let r = report_when(&t.app, &msn, "psp", all_green).await;
    assert_eq!(r["checklist"], "psp");
    assert_eq!(r["msn"], msn.as_str());
    assert!(open_items(&r).is_empty());
    assert_eq!(item(&r, "design-guidelines")["verdict"], "manual");

    let codes = item(&r, "error-codes");
    let evidence = codes["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 14, "{codes}");
    // 93 is found in the USER_CANCEL delivery's answer, the rest on the
    // payments the payer waited for.
    assert_eq!(
        evidence.iter().filter(|e| e["kind"] == "delivery").count(),
        1,
        "{codes}"
    );
    assert!(evidence
        .iter()
        .any(|e| e["kind"] == "order" && e["id"] == "psp-fail-86"));

    for (id, order) in [
        ("soft-decline", "psp-3ds"),
        ("reserve-capture-refund", "psp-paid"),
        ("cancel-reported", "psp-cancelled"),
    ] {
        let e = &item(&r, id)["evidence"][0];
        assert_eq!(e["kind"], "order", "{id}");
        assert_eq!(e["id"], order, "{id}");
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
    }
    let emvco = item(&r, "emvco-tokens");
    assert!(
        emvco["reason"]
            .as_str()
            .unwrap()
            .starts_with("3 payment(s)"),
        "{emvco}"
    );
    assert_eq!(item(&r, "http-headers")["evidence"][0]["kind"], "request");
    let errors = item(&r, "handle-errors");
    assert!(
        errors["reason"]
            .as_str()
            .unwrap()
            .contains("error answer(s)"),
        "{errors}"
    );
}

#[tokio::test]
async fn an_error_code_never_answered_leaves_error_codes_not_yet_done() {
    let t = PspTest::start().await;
    integrate(&t, Break::NeverAnswers86).await;
    let reason = only_red(&t.app, &t.app.merchant.msn, "psp", "error-codes", "not_yet").await;
    assert!(
        reason.starts_with("No FAIL answer with errorId 86 yet"),
        "{reason}"
    );
}

#[tokio::test]
async fn without_a_cancel_reported_the_cancel_item_is_not_yet_done() {
    let t = PspTest::start().await;
    integrate(&t, Break::NoCancel).await;
    let reason = only_red(
        &t.app,
        &t.app.merchant.msn,
        "psp",
        "cancel-reported",
        "not_yet",
    )
    .await;
    assert!(
        reason.starts_with("No cancel has been reported yet"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_reserved_payment_never_read_fails_do_not_rely_on_make_payment() {
    let t = PspTest::start().await;
    integrate(&t, Break::NeverReadsDetails).await;
    let reason = only_red(
        &t.app,
        &t.app.merchant.msn,
        "psp",
        "do-not-rely-on-makepayment",
        "failed",
    )
    .await;
    assert!(reason.contains("psp-paid"), "{reason}");
    assert!(reason.contains("never read"), "{reason}");
}

#[tokio::test]
async fn one_call_without_system_headers_fails_the_header_item() {
    let t = PspTest::start().await;
    integrate(&t, Break::OneCallWithoutHeaders).await;
    let reason = only_red(&t.app, &t.app.merchant.msn, "psp", "http-headers", "failed").await;
    assert!(
        reason.starts_with("Vipps-System-Name header missing on 1 of "),
        "{reason}"
    );
    assert!(
        reason.contains("GET /psp/v3/psppayments/psp-late/details"),
        "{reason}"
    );
}
