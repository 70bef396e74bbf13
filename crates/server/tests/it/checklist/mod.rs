//! The checklist verifier over real traffic: for each checklist a scripted
//! good integration (over HTTP, with real local merchant endpoints) that
//! ends all green, and broken variants that each turn exactly one item red
//! with the right explanation.

pub(crate) mod checkout;
mod ecom;
mod order_management;
mod psp;

use std::sync::Mutex;

use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use vipps_store::merchants::NewCredentials;

use crate::common::TestApp;

/// What a well-behaved integration sends on every call.
pub const SYSTEM_NAME: &str = "acme-webshop";
pub const SYSTEM_VERSION: &str = "2.4.1";

/// A merchant's integration as its own code would call the APIs: a token
/// fetched once and reused, the `Vipps-System-*` headers on every call
/// (unless `headers` is off for one broken variant).
pub struct Shop<'a> {
    pub app: &'a TestApp,
    pub merchant: &'a NewCredentials,
    token: Mutex<Option<String>>,
}

impl<'a> Shop<'a> {
    pub fn new(app: &'a TestApp, merchant: &'a NewCredentials) -> Shop<'a> {
        Shop {
            app,
            merchant,
            token: Mutex::new(None),
        }
    }

    pub fn with_system_headers(rb: RequestBuilder) -> RequestBuilder {
        rb.header("Vipps-System-Name", SYSTEM_NAME)
            .header("Vipps-System-Version", SYSTEM_VERSION)
    }

    /// The access token, fetched on first use.
    pub async fn token(&self) -> String {
        if let Some(t) = self.token.lock().unwrap().clone() {
            return t;
        }
        let m = self.merchant;
        let r = Self::with_system_headers(self.app.client.post(self.app.url("/accesstoken/get")))
            .header("client_id", &m.client_id)
            .header("client_secret", &m.client_secret)
            .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
            .header("Merchant-Serial-Number", &m.msn)
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

    /// An API call with the token, the merchant's headers and the
    /// `Vipps-System-*` headers.
    pub async fn call(&self, method: Method, path: &str) -> RequestBuilder {
        let token = self.token().await;
        Self::with_system_headers(self.bare(method, path).bearer_auth(token))
    }

    /// The same without the `Vipps-System-*` headers.
    pub fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .header("Ocp-Apim-Subscription-Key", &self.merchant.subscription_key)
            .header("Merchant-Serial-Number", &self.merchant.msn)
    }
}

/// The report of one checklist for `msn` through the sandbox API.
pub async fn report(app: &TestApp, msn: &str, checklist: &str) -> Value {
    let r = app
        .client
        .get(app.url(&format!(
            "/sandbox/v1/merchants/{msn}/checklist?checklist={checklist}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The report once `ready` holds: the request log is written in batches,
/// so the last calls reach it a moment after they were answered.
pub async fn report_when(
    app: &TestApp,
    msn: &str,
    checklist: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    let found = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let r = report(app, msn, checklist).await;
            if ready(&r) {
                return r;
            }
            last = r;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    match found {
        Ok(r) => r,
        Err(_) => panic!("the report never got ready; last:\n{last:#}"),
    }
}

/// The item `id` of a report.
pub fn item<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id} in {report:#}"))
}

/// Every item passed or manual.
pub fn all_green(report: &Value) -> bool {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["verdict"] == "passed" || i["verdict"] == "manual")
}

/// The items not passed nor manual, as `id: verdict: reason` lines.
pub fn open_items(report: &Value) -> Vec<String> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["verdict"] != "passed" && i["verdict"] != "manual")
        .map(|i| format!("{}: {}: {}", i["id"], i["verdict"], i["reason"]))
        .collect()
}

/// Waits until exactly `id` is open in the report (with `verdict`), the
/// rest green, and returns its reason.
pub async fn only_red(
    app: &TestApp,
    msn: &str,
    checklist: &str,
    id: &str,
    verdict: &str,
) -> String {
    let r = report_when(app, msn, checklist, |r| {
        let open = open_items(r);
        open.len() == 1 && item(r, id)["verdict"] == verdict
    })
    .await;
    item(&r, id)["reason"].as_str().unwrap().to_owned()
}
