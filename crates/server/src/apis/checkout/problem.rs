//! Checkout's error body, `CheckoutProblemDetails`: RFC 7807 fields plus
//! `errorCode` and `errors {field: [messages]}`, as `application/json`
//! (https://developer.vippsmobilepay.com/docs/APIs/checkout-api/). The body
//! names the request path in `instance`, so it is written by
//! [`name_instance`](crate::kernel::problem::name_instance) on this API's
//! routes.

use std::collections::BTreeMap;

use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::kernel::{
    idempotency::KeyedApi,
    problem::{awaiting_instance, raw, ApiError, NamesInstance},
};

pub const JSON: &str = "application/json";

/// A Checkout error on its way to becoming a response.
#[derive(Debug, Clone)]
pub struct CheckoutProblem {
    pub status: u16,
    pub title: String,
    /// A stable machine-readable code, e.g. `ValidationError`.
    pub error_code: String,
    pub detail: String,
    /// Each invalid field (as a path into the request) with what is wrong.
    pub errors: BTreeMap<String, Vec<String>>,
}

impl CheckoutProblem {
    pub fn new(status: u16, error_code: &str, title: &str, detail: impl Into<String>) -> Self {
        CheckoutProblem {
            status,
            title: title.to_owned(),
            error_code: error_code.to_owned(),
            detail: detail.into(),
            errors: BTreeMap::new(),
        }
    }

    /// A 400 listing every invalid field.
    pub fn invalid(errors: BTreeMap<String, Vec<String>>) -> Self {
        let detail = match errors.len() {
            1 => "One field is invalid; see errors".to_owned(),
            n => format!("{n} fields are invalid; see errors"),
        };
        CheckoutProblem {
            errors,
            ..CheckoutProblem::new(
                400,
                "ValidationError",
                "One or more validation errors occurred.",
                detail,
            )
        }
    }

    /// A 400 for one field.
    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        CheckoutProblem::invalid(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    pub fn not_found(reference: &str) -> Self {
        CheckoutProblem::new(
            404,
            "SessionNotFound",
            "Not Found",
            format!("No session with reference '{reference}' exists for this merchant"),
        )
    }

    pub fn unauthorized(detail: &str) -> Self {
        CheckoutProblem::new(401, "InvalidCredentials", "Unauthorized", detail)
    }

    fn body_at(&self, instance: &str) -> String {
        let body = WireProblem {
            kind: format!(
                "https://developer.vippsmobilepay.com/docs/APIs/checkout-api/api-guide/errors/#{}",
                self.status
            ),
            title: &self.title,
            status: self.status,
            detail: &self.detail,
            instance,
            error_code: &self.error_code,
            errors: &self.errors,
            trace_id: uuid::Uuid::new_v4().to_string(),
        };
        serde_json::to_string(&body).expect("a problem always serialises")
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireProblem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    instance: &'a str,
    error_code: &'a str,
    errors: &'a BTreeMap<String, Vec<String>>,
    trace_id: String,
}

impl From<anyhow::Error> for CheckoutProblem {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "checkout request failed");
        CheckoutProblem::internal()
    }
}

impl IntoResponse for CheckoutProblem {
    fn into_response(self) -> Response {
        awaiting_instance(self)
    }
}

impl NamesInstance for CheckoutProblem {
    fn render(self, instance: &str) -> Response {
        raw(self.status, JSON, self.body_at(instance))
    }

    fn status(&self) -> u16 {
        self.status
    }
}

impl ApiError for CheckoutProblem {
    fn status(&self) -> u16 {
        self.status
    }

    /// Used where an answer is stored for replay (the idempotent create):
    /// the path is then always the create's.
    fn body(&self) -> String {
        self.body_at("/checkout/v3/session")
    }

    fn content_type(_status: u16) -> &'static str {
        JSON
    }

    fn internal() -> Self {
        CheckoutProblem::new(
            500,
            "InternalError",
            "Internal Server Error",
            "The request could not be completed; it is safe to retry",
        )
    }

    fn busy() -> Self {
        CheckoutProblem::new(
            409,
            "Conflict",
            "Conflict",
            "The session is being changed by another request; retry",
        )
    }

    fn unreadable_body(status: u16, why: String) -> Self {
        if status == 413 {
            CheckoutProblem::new(
                413,
                "PayloadTooLarge",
                "Payload Too Large",
                "The request body must not exceed 1 MiB",
            )
        } else {
            CheckoutProblem::new(400, "ValidationError", "Bad Request", why)
        }
    }

    fn missing_body() -> Self {
        CheckoutProblem::bad_field("body", "The request body is missing")
    }

    fn invalid_body(path: Option<String>, broken: bool, message: String) -> Self {
        let field = match (broken, path) {
            (false, Some(p)) if !p.is_empty() && p != "." => p,
            _ => "body".to_owned(),
        };
        CheckoutProblem::bad_field(&field, message)
    }
}

impl KeyedApi for CheckoutProblem {
    const KEY_HEADER: &'static str = "idempotency-key";
    const KEY_MAX_CHARS: usize = 50;

    /// The key is optional for Checkout: without one a create runs once.
    fn key_missing() -> Option<Self> {
        None
    }

    fn key_too_long() -> Self {
        CheckoutProblem::bad_field(
            "Idempotency-Key",
            "The Idempotency-Key header must be at most 50 characters",
        )
    }

    fn key_repeated() -> Self {
        CheckoutProblem::bad_field(
            "Idempotency-Key",
            "The Idempotency-Key header must be sent once",
        )
    }

    fn key_reused() -> Self {
        CheckoutProblem::new(
            409,
            "IdempotencyKeyReused",
            "Conflict",
            "The Idempotency-Key was used before with a different request",
        )
    }
}

/// A refusal made before any handler ran, as a Checkout problem.
pub fn refused(status: u16, why: String, path: &str) -> Response {
    let (code, title) = match status {
        404 => ("NotFound", "Not Found"),
        405 => ("MethodNotAllowed", "Method Not Allowed"),
        _ => ("ValidationError", "Bad Request"),
    };
    CheckoutProblem::new(status, code, title, why).render(path)
}
