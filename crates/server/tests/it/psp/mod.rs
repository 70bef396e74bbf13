//! PSP API v3 over real HTTP, with a real PSP endpoint (a local receiver)
//! answering makePayment each way the PSP API guide describes: the test
//! PSP and its calls here, the makePayment flows in `make_payment`, the
//! API's own rules (errors, headers, isolation, status reports) in `api`.

mod api;
mod make_payment;

use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use vipps_store::psps::NewPspCredentials;

use crate::{
    common::{eventually, TestApp},
    receiver::{Received, Receiver},
};

pub const PSP_ID: &str = "C948DFD1546347568874C4DDC93A2E3C";

/// A token for `psp`'s own keys.
pub async fn psp_token(app: &TestApp, psp: &NewPspCredentials) -> String {
    let r = app
        .client
        .post(app.url("/accesstoken/get"))
        .header("client_id", &psp.client_id)
        .header("client_secret", &psp.client_secret)
        .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A PSP API call as `psp` acting for merchant `msn`.
pub async fn psp_call(
    app: &TestApp,
    psp: &NewPspCredentials,
    msn: &str,
    method: Method,
    path: &str,
) -> RequestBuilder {
    let token = psp_token(app, psp).await;
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Ocp-Apim-Subscription-Key", &psp.subscription_key)
        .header("Psp-Id", &psp.psp_id)
        .header("Merchant-Serial-Number", msn)
}

pub struct PspTest {
    pub app: TestApp,
    pub psp: NewPspCredentials,
    /// The PSP's makePayment endpoint (and its 3-D Secure page).
    pub endpoint: Receiver,
}

impl PspTest {
    pub async fn start() -> PspTest {
        let app = TestApp::spawn().await;
        let psp = app
            .db
            .create_psp(
                "Test PSP",
                Some(PSP_ID),
                std::slice::from_ref(&app.merchant.msn),
                app.state.clock.now(),
            )
            .await
            .unwrap();
        let endpoint = Receiver::start().await;
        endpoint.answer_json(&ok_answer());
        PspTest { app, psp, endpoint }
    }

    pub async fn token(&self, psp: &NewPspCredentials) -> String {
        psp_token(&self.app, psp).await
    }

    /// A call as `psp` for merchant `msn`.
    pub async fn call_as(
        &self,
        psp: &NewPspCredentials,
        msn: &str,
        method: Method,
        path: &str,
    ) -> RequestBuilder {
        psp_call(&self.app, psp, msn, method, path).await
    }

    pub async fn call(&self, method: Method, path: &str) -> RequestBuilder {
        self.call_as(&self.psp, &self.app.merchant.msn, method, path)
            .await
    }

    pub fn init_body(&self, id: &str, amount: i64) -> Value {
        json!({
            "pspTransactionId": id,
            "merchantOrderId": format!("order-{id}"),
            "amount": amount,
            "currency": "NOK",
            "pspRedirectUrl": "https://psp.example/return?tx=1",
            "makePaymentUrl": format!("{}/makepayment", self.endpoint.base),
            "makePaymentToken": "psp-secret-token",
            "paymentText": "One pair of Vipps socks"
        })
    }

    pub async fn init_with(&self, body: Value) -> Response {
        self.call(Method::POST, "/psp/v3/psppayments/init")
            .await
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Initiates `id` and returns the landing page token.
    pub async fn init(&self, id: &str, amount: i64) -> String {
        let r = self.init_with(self.init_body(id, amount)).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["pspTransactionId"], id);
        assert_eq!(body["merchantOrderId"], format!("order-{id}"));
        let url = body["vippsRedirectUrl"].as_str().unwrap();
        let prefix = format!("{}/landing?token=", self.app.base);
        assert!(url.starts_with(&prefix), "{url}");
        url[prefix.len()..].to_owned()
    }

    pub async fn force_approve(&self, id: &str, token: &str) -> Response {
        self.call(
            Method::POST,
            &format!("/psp/v3/integration-test/psppayments/{id}/approve"),
        )
        .await
        .json(&json!({"customerPhoneNumber": "12345678", "token": token}))
        .send()
        .await
        .unwrap()
    }

    pub async fn details(&self, id: &str) -> Value {
        let r = self
            .call(Method::GET, &format!("/psp/v3/psppayments/{id}/details"))
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn update(&self, transactions: Value) -> Response {
        self.call(Method::POST, "/psp/v3/psppayments/updatestatus")
            .await
            .json(&json!({ "transactions": transactions }))
            .send()
            .await
            .unwrap()
    }

    /// What the sandbox flagged about the PSP's reports.
    pub async fn flags(&self) -> Value {
        let r = self
            .app
            .client
            .get(self.app.url(&format!("/sandbox/v1/psps/{PSP_ID}/flags")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// The makePayment calls the PSP received so far.
    pub fn make_payments(&self) -> Vec<Received> {
        self.endpoint
            .received()
            .into_iter()
            .filter(|r| r.path_and_query == "/makepayment")
            .collect()
    }
}

pub fn ok_answer() -> Value {
    json!({"paymentInfo": {"status": "OK"}})
}

pub fn fail_answer(id: &str, text: &str) -> Value {
    json!({"paymentInfo": {"status": "FAIL"}, "errorMessage": {"errorId": id, "errorText": text}})
}

pub fn report(id: &str, status: &str, amount: i64) -> Value {
    json!({"pspTransactionId": id, "status": status, "amount": amount, "currency": "NOK",
           "paymentText": "socks", "operationStatus": "SUCCESS"})
}

/// The log's operations, newest first, as `OP:success`.
pub fn log_of(details: &Value) -> Vec<String> {
    details["transactionLogHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["operation"].as_str().unwrap(),
                e["operationSuccess"]
            )
        })
        .collect()
}

pub async fn errors(r: Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    let first = &body.as_array().expect("an error array")[0];
    assert!(first["contextId"].is_string());
    first.clone()
}
