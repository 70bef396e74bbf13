//! Generated bad input (proptest): every field of each API's create body, the
//! headers merchants send, and path and query ids, given hostile values —
//! NUL and control characters, lone surrogates, huge, negative and
//! fractional numbers, wrong types, very long strings. Each answer is below
//! 500, a refusal is in the API's own error format, and a refused create
//! leaves nothing behind.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::{prelude::*, test_runner::TestCaseError};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::{common::create_body, common::TestApp, ecom::initiate_body};

/// JSON text put in place of one field: each is valid JSON syntax apart from
/// the lone surrogate, which the parser must refuse cleanly.
fn hostile_json() -> impl Strategy<Value = String> {
    let strings = prop_oneof![
        Just(String::new()),
        "[a-z]{0,6}\u{0}[a-z]{0,6}",
        "[\u{1}-\u{1f}\u{7f}]{1,6}",
        "\\PC{1,40}",
        Just("é".repeat(5_000)),
        Just("x".repeat(70_000)),
    ]
    .prop_map(|s| Value::from(s).to_string());
    let literals = prop_oneof![
        Just("0"),
        Just("-1"),
        Just("-9223372036854775808"),
        Just("9223372036854775807"),
        Just("99999999999999999999999999"),
        Just("1e400"),
        Just("-0.5"),
        Just("12.75"),
        Just("null"),
        Just("true"),
        Just("[]"),
        Just("{}"),
        Just(r#"[{"a":"\u0000"}]"#),
        Just(r#""\ud800""#),
        Just(r#"{"\u0000":1}"#),
    ]
    .prop_map(str::to_owned);
    prop_oneof![strings, literals, any::<i64>().prop_map(|n| n.to_string())]
}

/// Header values a client can put on the wire: visible ASCII, tabs and
/// bytes beyond ASCII, short and very long.
fn hostile_header() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff];
    prop_oneof![
        prop::collection::vec(byte, 0..64),
        Just(vec![b'9'; 8_000]),
        Just(b"Bearer \xff\xfe".to_vec()),
    ]
}

/// Path segments and query values, percent-encoded from arbitrary bytes.
fn hostile_segment() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 1..80).prop_map(|bytes| {
        bytes
            .iter()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
    })
}

/// Every leaf of `body` as a path of keys, plus `extra` fields it lacks.
fn field_paths(body: &Value, extra: &[&str]) -> Vec<Vec<String>> {
    fn walk(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(map) if !map.is_empty() => {
                for (k, child) in map {
                    at.push(k.clone());
                    walk(child, at, out);
                    at.pop();
                }
            }
            _ => out.push(at.clone()),
        }
    }
    let mut out = Vec::new();
    walk(body, &mut Vec::new(), &mut out);
    out.extend(
        extra
            .iter()
            .map(|p| p.split('.').map(str::to_owned).collect()),
    );
    out
}

/// `body` as JSON text with the field at `path` replaced by `fragment`.
fn with_field(body: &Value, path: &[String], fragment: &str) -> String {
    const MARK: &str = "__replaced_by_the_test__";
    let mut body = body.clone();
    let mut at = &mut body;
    for key in &path[..path.len() - 1] {
        at = at
            .as_object_mut()
            .unwrap()
            .entry(key.clone())
            .or_insert_with(|| json!({}));
    }
    at[path.last().unwrap().as_str()] = json!(MARK);
    body.to_string().replace(&format!("\"{MARK}\""), fragment)
}

/// One runtime and app per property, driven synchronously by proptest.
struct Harness {
    // Declared before the runtime so it is dropped while the runtime lives.
    app: TestApp,
    runtime: tokio::runtime::Runtime,
    token: String,
    case: AtomicUsize,
}

impl Harness {
    fn new() -> Harness {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (app, token) = runtime.block_on(async {
            let app = TestApp::spawn().await;
            let token = app.token_for(&app.merchant).await;
            (app, token)
        });
        Harness {
            app,
            runtime,
            token,
            case: AtomicUsize::new(0),
        }
    }

    fn next_case(&self) -> usize {
        self.case.fetch_add(1, Ordering::Relaxed)
    }

    /// A request with the merchant's credentials, `headers` added or replacing.
    fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, Vec<u8>)],
        body: Option<String>,
    ) -> (u16, String, Value) {
        let app = &self.app;
        let mut req = app
            .client
            .request(method, app.url(path))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Ocp-Apim-Subscription-Key", &app.merchant.subscription_key)
            .header("Merchant-Serial-Number", &app.merchant.msn);
        let mut built = req.try_clone().unwrap().build().unwrap();
        for (name, value) in headers {
            let value = reqwest::header::HeaderValue::from_bytes(value).unwrap();
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap();
            built.headers_mut().insert(name, value);
        }
        if let Some(b) = body {
            built
                .headers_mut()
                .entry("content-type")
                .or_insert("application/json".parse().unwrap());
            *built.body_mut() = Some(b.into());
        }
        req = reqwest::RequestBuilder::from_parts(app.client.clone(), built);
        self.runtime.block_on(async {
            let r: Response = req.send().await.unwrap();
            let status = r.status().as_u16();
            let content_type = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let text = r.text().await.unwrap();
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            (status, content_type, body)
        })
    }
}

/// A refusal from the gateway (credentials) in its `{statusCode, message}`.
fn is_gateway(status: u16, body: &Value) -> bool {
    body["statusCode"] == status && body["message"].is_string()
}

/// An ePayment or Webhooks refusal: problem details or the gateway's body.
fn check_problem(status: u16, content_type: &str, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "answered {status}: {body}");
    if status >= 400 && !is_gateway(status, body) {
        prop_assert_eq!(content_type, "application/problem+json", "{}", body);
        prop_assert_eq!(&body["status"], &json!(status), "{}", body);
    }
    Ok(())
}

/// An eCom refusal: the error array or the gateway's body.
fn check_ecom(status: u16, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "answered {status}: {body}");
    if status >= 400 && !is_gateway(status, body) {
        let first = &body[0];
        prop_assert!(first["errorGroup"].is_string(), "{}", body);
        prop_assert!(first["errorCode"].is_string(), "{}", body);
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[test]
fn epayment_create_survives_any_value_in_any_field() {
    let h = Harness::new();
    let template = create_body("prop-template", 1_000);
    let paths = field_paths(
        &template,
        &[
            "customer.phoneNumber",
            "metadata.note",
            "expiresAt",
            "qrFormat.format",
            "receipt.orderLines",
            "receipt.bottomLine.currency",
            "profile.scope",
        ],
    );
    proptest!(config(), |(which in 0..paths.len(), fragment in hostile_json())| {
        let reference = format!("prop-epay-{}", h.next_case());
        let mut body = template.clone();
        body["reference"] = json!(reference);
        let path = &paths[which];
        let key = ("Idempotency-Key", reference.clone().into_bytes());
        let (status, content_type, answer) = h.send(
            Method::POST,
            "/epayment/v1/payments",
            &[key],
            Some(with_field(&body, path, &fragment)),
        );
        check_problem(status, &content_type, &answer)?;
        if status >= 400 && path[0] != "reference" {
            let (after, _, _) =
                h.send(Method::GET, &format!("/epayment/v1/payments/{reference}"), &[], None);
            prop_assert_eq!(after, 404, "a refused create left a payment");
        }
    });
}

#[test]
fn ecom_initiate_survives_any_value_in_any_field() {
    let h = Harness::new();
    let template = initiate_body(&h.app, "prop-template", 1_000, "https://shop.example/cb");
    let paths = field_paths(
        &template,
        &[
            "merchantInfo.isApp",
            "merchantInfo.paymentType",
            "merchantInfo.shippingDetailsPrefix",
            "merchantInfo.consentRemovalPrefix",
            "merchantInfo.staticShippingDetails",
            "transaction.useExplicitCheckoutFlow",
            "transaction.skipLandingPage",
            "transaction.timeStamp",
        ],
    );
    proptest!(config(), |(which in 0..paths.len(), fragment in hostile_json())| {
        let order = format!("prop-ecom-{}", h.next_case());
        let mut body = template.clone();
        body["transaction"]["orderId"] = json!(order);
        let path = &paths[which];
        let (status, _, answer) = h.send(
            Method::POST,
            "/ecomm/v2/payments",
            &[],
            Some(with_field(&body, path, &fragment)),
        );
        check_ecom(status, &answer)?;
        if status >= 400 && path.last().unwrap() != "orderId" {
            let (after, _, answer) =
                h.send(Method::GET, &format!("/ecomm/v2/payments/{order}/details"), &[], None);
            prop_assert!(after == 404 || after == 400, "a refused initiate left {answer}");
        }
    });
}

#[test]
fn webhook_registration_survives_any_value_in_any_field() {
    let h = Harness::new();
    let template =
        json!({"url": "https://shop.example/hooks", "events": ["epayments.payment.created.v1"]});
    let paths = field_paths(&template, &["events"]);
    let registered = |h: &Harness| {
        let (_, _, list) = h.send(Method::GET, "/webhooks/v1/webhooks", &[], None);
        list["webhooks"].as_array().map_or(0, Vec::len)
    };
    proptest!(config(), |(which in 0..paths.len(), fragment in hostile_json())| {
        let before = registered(&h);
        let (status, content_type, answer) = h.send(
            Method::POST,
            "/webhooks/v1/webhooks",
            &[],
            Some(with_field(&template, &paths[which], &fragment)),
        );
        check_problem(status, &content_type, &answer)?;
        if status >= 400 {
            prop_assert_eq!(registered(&h), before, "a refused registration was kept");
        } else {
            let id = answer["id"].as_str().unwrap().to_owned();
            h.send(Method::DELETE, &format!("/webhooks/v1/webhooks/{id}"), &[], None);
        }
    });
}

#[test]
fn any_header_value_is_answered_below_500_in_the_apis_format() {
    let h = Harness::new();
    let names = [
        "Authorization",
        "Ocp-Apim-Subscription-Key",
        "Merchant-Serial-Number",
        "Idempotency-Key",
        "X-Request-Id",
        "Vipps-System-Name",
        "Vipps-System-Version",
        "Vipps-System-Plugin-Name",
        "Vipps-System-Plugin-Version",
        "Content-Type",
    ];
    proptest!(config(), |(which in 0..names.len(), value in hostile_header(), ecom in any::<bool>())| {
        let case = h.next_case();
        let header = [(names[which], value)];
        if ecom {
            let body = initiate_body(&h.app, &format!("prop-hdr-{case}"), 1_000, "https://shop.example/cb");
            let (status, _, answer) =
                h.send(Method::POST, "/ecomm/v2/payments", &header, Some(body.to_string()));
            check_ecom(status, &answer)?;
        } else {
            let body = create_body(&format!("prop-hdr-{case}"), 1_000);
            let mut headers = vec![("Idempotency-Key", format!("prop-hdr-{case}").into_bytes())];
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(names[which]));
            headers.extend(header);
            let (status, content_type, answer) =
                h.send(Method::POST, "/epayment/v1/payments", &headers, Some(body.to_string()));
            check_problem(status, &content_type, &answer)?;
        }
    });
}

#[test]
fn any_id_in_a_path_or_query_is_answered_below_500() {
    let h = Harness::new();
    proptest!(config(), |(id in hostile_segment())| {
        for path in [
            format!("/epayment/v1/payments/{id}"),
            format!("/epayment/v1/payments/{id}/events"),
            format!("/webhooks/v1/webhooks/{id}"),
        ] {
            let method = if path.starts_with("/webhooks") { Method::DELETE } else { Method::GET };
            let (status, content_type, answer) = h.send(method, &path, &[], None);
            check_problem(status, &content_type, &answer)?;
        }
        let (status, _, answer) =
            h.send(Method::GET, &format!("/ecomm/v2/payments/{id}/details"), &[], None);
        check_ecom(status, &answer)?;
        for path in [
            format!("/landing?token={id}"),
            format!("/qr/{id}.svg"),
            format!("/app?phone={id}"),
            format!("/sandbox/v1/requests?msn={id}"),
            format!("/sandbox/v1/deliveries?msn={id}"),
            format!("/sandbox/v1/merchants/{id}/settings"),
        ] {
            let (status, _, answer) = h.send(Method::GET, &path, &[], None);
            prop_assert!(status < 500, "{} answered {}: {}", path, status, answer);
        }
        let (status, _, answer) =
            h.send(Method::POST, &format!("/sandbox/v1/deliveries/{id}/retry"), &[], None);
        prop_assert!(status < 500, "retry answered {}: {}", status, answer);
    });
}

#[test]
fn checkout_session_create_survives_any_value_in_any_field() {
    let h = Harness::new();
    let template =
        crate::checkout::session_body("prop-template", 10_000, "https://shop.example/cb");
    let paths = field_paths(
        &template,
        &[
            "transaction.orderSummary.orderLines",
            "transaction.orderSummary.orderBottomLine.currency",
            "prefillCustomer.phoneNumber",
            "configuration.customConsent.text",
            "configuration.userFlow",
            "logistics.dynamicOptionsCallback",
            "type",
        ],
    );
    let credentials = |h: &Harness| {
        vec![
            ("client_id", h.app.merchant.client_id.clone().into_bytes()),
            (
                "client_secret",
                h.app.merchant.client_secret.clone().into_bytes(),
            ),
        ]
    };
    // The untouched template is accepted, so refusals below are the values'.
    let (status, _, answer) = h.send(
        Method::POST,
        "/checkout/v3/session",
        &credentials(&h),
        Some(template.to_string()),
    );
    assert_eq!(status, 200, "{answer}");
    proptest!(config(), |(which in 0..paths.len(), fragment in hostile_json())| {
        let reference = format!("prop-checkout-{}", h.next_case());
        let mut body = template.clone();
        body["transaction"]["reference"] = json!(reference);
        let path = &paths[which];
        let (status, content_type, answer) = h.send(
            Method::POST,
            "/checkout/v3/session",
            &credentials(&h),
            Some(with_field(&body, path, &fragment)),
        );
        prop_assert!(status < 500, "answered {status}: {answer}");
        if status >= 400 && !is_gateway(status, &answer) {
            prop_assert_eq!(content_type.as_str(), "application/json", "{}", answer);
            prop_assert!(answer["errors"].is_object(), "{}", answer);
        }
        if status >= 400 && path.last().unwrap() != "reference" {
            let (after, _, _) = h.send(
                Method::GET,
                &format!("/checkout/v3/session/{reference}"),
                &credentials(&h),
                None,
            );
            prop_assert_eq!(after, 404, "a refused create left a session");
        }
    });
}

/// An Order Management refusal: its problem body or the gateway's.
fn check_order_management(
    status: u16,
    content_type: &str,
    body: &Value,
) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "answered {status}: {body}");
    if status >= 400 && !is_gateway(status, body) {
        prop_assert_eq!(content_type, "application/json", "{}", body);
        prop_assert!(
            body["title"].is_string() && body["instance"].is_string(),
            "{}",
            body
        );
    }
    Ok(())
}

#[test]
fn order_management_receipt_survives_any_value_in_any_field() {
    let h = Harness::new();
    let template = json!({
        "orderLines": [{"name": "socks", "id": "line-1", "totalAmount": 1000,
            "totalAmountExcludingTax": 800, "totalTaxAmount": 200, "taxRate": 2500,
            "unitInfo": {"unitPrice": 500, "quantity": "2", "quantityUnit": "PCS"},
            "discount": 0, "productUrl": "https://shop.example/socks", "isReturn": false, "isShipping": false}],
        "bottomLine": {"currency": "NOK", "tipAmount": 0, "posId": "pos-1",
            "barcode": {"format": "EAN-13", "data": "5901234123457"}, "receiptNumber": "1"}
    });
    let paths = field_paths(
        &template,
        &[
            "bottomLine.paymentSources.card",
            "bottomLine.shippingInfo.amount",
        ],
    );
    proptest!(config(), |(which in 0..paths.len(), fragment in hostile_json())| {
        let order = format!("prop-om-{}", h.next_case());
        let (status, content_type, answer) = h.send(
            Method::POST,
            &format!("/order-management/v2/ECOM/receipts/{order}"),
            &[],
            Some(with_field(&template, &paths[which], &fragment)),
        );
        check_order_management(status, &content_type, &answer)?;
        if status >= 400 {
            let (after, _, _) =
                h.send(Method::GET, &format!("/order-management/v2/ECOM/{order}"), &[], None);
            prop_assert_eq!(after, 404, "a refused receipt left something");
        }
    });
}

#[test]
fn psp_init_survives_any_value_in_any_field() {
    let h = Harness::new();
    let (psp, token) = h.runtime.block_on(async {
        let psp = h
            .app
            .db
            .create_psp(
                "Prop PSP",
                None,
                std::slice::from_ref(&h.app.merchant.msn),
                h.app.state.clock.now(),
            )
            .await
            .unwrap();
        let token = crate::psp::psp_token(&h.app, &psp).await;
        (psp, token)
    });
    let headers = vec![
        ("Authorization", format!("Bearer {token}").into_bytes()),
        (
            "Ocp-Apim-Subscription-Key",
            psp.subscription_key.clone().into_bytes(),
        ),
        ("Psp-Id", psp.psp_id.clone().into_bytes()),
    ];
    let template = json!({
        "pspTransactionId": "template", "merchantOrderId": "template", "amount": 1000,
        "currency": "NOK", "pspRedirectUrl": "https://psp.example/back",
        "makePaymentUrl": "https://psp.example/makepayment", "makePaymentToken": "t",
        "paymentText": "socks", "customerMobileNumber": "91234567", "isApp": false,
        "skipLandingPage": false, "merchantAgreementUrl": "https://psp.example/agreement"
    });
    let paths = field_paths(&template, &[]);
    proptest!(config(), |(which in 0..paths.len(), fragment in hostile_json())| {
        let id = format!("prop-psp-{}", h.next_case());
        let mut body = template.clone();
        body["pspTransactionId"] = json!(id);
        body["merchantOrderId"] = json!(id);
        let (status, _, answer) = h.send(
            Method::POST,
            "/psp/v3/psppayments/init",
            &headers,
            Some(with_field(&body, &paths[which], &fragment)),
        );
        prop_assert!(status < 500, "answered {status}: {answer}");
        if status >= 400 && !is_gateway(status, &answer) {
            prop_assert!(answer[0]["errorCode"].is_string(), "{}", answer);
            prop_assert!(answer[0]["contextId"].is_string(), "{}", answer);
        }
        if status >= 400 && paths[which][0] != "pspTransactionId" {
            let (after, _, _) = h.send(
                Method::GET,
                &format!("/psp/v3/psppayments/{id}/details"),
                &headers,
                None,
            );
            prop_assert_eq!(after, 404, "a refused init left a payment");
        }
    });
}

#[test]
fn any_order_management_or_psp_id_in_a_path_is_answered_below_500() {
    let h = Harness::new();
    proptest!(config(), |(id in hostile_segment())| {
        for path in [
            format!("/order-management/v2/ecom/{id}"),
            format!("/order-management/v2/{id}/x"),
            format!("/order-management/v3/categories/{id}"),
            format!("/order-management/v3/categories?orderId={id}"),
        ] {
            let (status, content_type, answer) = h.send(Method::GET, &path, &[], None);
            check_order_management(status, &content_type, &answer)?;
        }
        for path in [
            format!("/app/orders?phone={id}"),
            format!("/app/images/{id}/{id}"),
            format!("/app/3ds?token={id}&operation=3dssuccess"),
            format!("/sandbox/v1/psps/{id}/flags"),
        ] {
            let (status, _, answer) = h.send(Method::GET, &path, &[], None);
            prop_assert!(status < 500, "{} answered {}: {}", path, status, answer);
        }
    });
}
