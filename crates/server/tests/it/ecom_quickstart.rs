//! The official eCom API quick start followed word for word: the
//! request bodies and headers below are copied from its curl examples —
//! trailing commas included — and only the host differs. The example MSN
//! `123456` is the merchant's own here, as the guide asks readers to use theirs.

use reqwest::Method;
use serde_json::Value;
use vipps_store::{deliveries::Faults, merchants::NewCredentials};

use crate::common::TestApp;

const INITIATE: &str = r#"{
        "customerInfo": {
          "mobileNumber": "12345678"
        },
        "merchantInfo": {
          "merchantSerialNumber": "123456",
          "callbackPrefix":"https://example.com/vipps/callbacks-for-payment-update-from-vipps",
          "fallBack": "https://example.com/vipps/fallback-result-page-for-both-success-and-failure/acme-shop-123-order123abc",
        },
        "transaction": {
          "amount": 49900,
          "orderId": "UNIQUE-PAYMENT-REFERENCE",
          "transactionText": "One pair of socks.",
        }
      }"#;

const CAPTURE: &str = r#"{
        "merchantInfo": {
          "merchantSerialNumber": "123456"
        },
        "transaction": {
          "transactionText": "This transaction was captured."
        }
      }"#;

const REFUND: &str = r#"{
        "merchantInfo": {
          "merchantSerialNumber": "123456"
        },
        "transaction": {
          "transactionText":"This payment was refunded."
        }
      }"#;

const CANCEL: &str = r#"{
        "merchantInfo": {
          "merchantSerialNumber": "123456"
        },
        "transaction": {
          "transactionText":"This payment was cancelled."
        }
      }"#;

struct QuickStart<'a> {
    app: &'a TestApp,
    m: NewCredentials,
    token: String,
}

impl QuickStart<'_> {
    async fn new(app: &TestApp) -> QuickStart<'_> {
        let m = app
            .db
            .create_merchant("Quick Start Shop", Some("123456"), app.state.clock.now())
            .await
            .unwrap();
        // The guide's callbackPrefix is example.com: record the callbacks
        // without sending them anywhere off this machine.
        app.db
            .set_faults(
                &m.msn,
                &Faults {
                    drop: 1.0,
                    ..Faults::default()
                },
            )
            .await
            .unwrap();
        // Step 2, as in the guide: `--data ''` with a JSON content type.
        let r = app
            .client
            .post(app.url("/accesstoken/get"))
            .header("Content-Type", "application/json")
            .header("client_id", &m.client_id)
            .header("client_secret", &m.client_secret)
            .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
            .header("Merchant-Serial-Number", &m.msn)
            .header("Vipps-System-Name", "YOUR-SYSTEM-NAME")
            .header("Vipps-System-Version", "YOUR-SYSTEM-VERSION")
            .header("Vipps-System-Plugin-Name", "YOUR-PLUGIN-NAME")
            .header("Vipps-System-Plugin-Version", "YOUR-PLUGIN-VERSION")
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let token = r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        QuickStart { app, m, token }
    }

    /// A request with the guide's headers.
    fn call(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .header("Content-Type", "application/json")
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Ocp-Apim-Subscription-Key", &self.m.subscription_key)
            .header("Merchant-Serial-Number", &self.m.msn)
            .header("Vipps-System-Name", "acme")
            .header("Vipps-System-Version", "3.1.2")
            .header("Vipps-System-Plugin-Name", "acme-webshop")
            .header("Vipps-System-Plugin-Version", "4.5.6")
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: &'static str,
        request_id: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self.call(method, path).body(body);
        if let Some(id) = request_id {
            req = req.header("X-Request-Id", id);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn initiate_and_approve(&self) {
        let (status, body) = self
            .send(Method::POST, "/ecomm/v2/payments/", INITIATE, None)
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["orderId"], "UNIQUE-PAYMENT-REFERENCE");
        assert!(body["url"].as_str().unwrap().contains("token="));
        // Step 4 happens in the browser; the integration-test endpoint does
        // the same from code, with the guide's test phone number.
        let r = self
            .call(
                Method::POST,
                "/ecomm/v2/integration-test/payments/UNIQUE-PAYMENT-REFERENCE/approve",
            )
            .body(r#"{"customerPhoneNumber": "12345678"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    async fn details(&self) -> Value {
        let r = self
            .call(
                Method::GET,
                "/ecomm/v2/payments/UNIQUE-PAYMENT-REFERENCE/details",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

fn last_operation(details: &Value) -> &str {
    details["transactionLogHistory"][0]["operation"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn the_ecom_quick_start_word_for_word_initiate_approve_details_capture_refund() {
    let app = TestApp::spawn().await;
    let qs = QuickStart::new(&app).await;
    qs.initiate_and_approve().await;
    // Step 5: details.
    let d = qs.details().await;
    assert_eq!(last_operation(&d), "RESERVE");
    // Step 6: capture, no amount = everything reserved.
    let path = "/ecomm/v2/payments/UNIQUE-PAYMENT-REFERENCE/capture";
    let (status, body) = qs
        .send(Method::POST, path, CAPTURE, Some("YOUR-IDEMPOTENCY-KEY"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["transactionInfo"]["status"], "Captured");
    assert_eq!(body["transactionSummary"]["capturedAmount"], 49900);
    // Refund, the same X-Request-Id as in the guide (another operation).
    let path = "/ecomm/v2/payments/UNIQUE-PAYMENT-REFERENCE/refund";
    let (status, body) = qs
        .send(Method::POST, path, REFUND, Some("YOUR-IDEMPOTENCY-KEY"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["transaction"]["status"], "Refund");
    assert_eq!(body["transactionSummary"]["refundedAmount"], 49900);
    assert_eq!(last_operation(&qs.details().await), "REFUND");
}

#[tokio::test]
async fn the_ecom_quick_start_word_for_word_cancel() {
    let app = TestApp::spawn().await;
    let qs = QuickStart::new(&app).await;
    qs.initiate_and_approve().await;
    let path = "/ecomm/v2/payments/UNIQUE-PAYMENT-REFERENCE/cancel";
    let (status, body) = qs.send(Method::PUT, path, CANCEL, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["transactionInfo"]["status"], "Cancelled");
    assert_eq!(last_operation(&qs.details().await), "VOID");
}
