//! ePayment's error body: RFC 7807 problem JSON with a trace id and, for a
//! bad field, `extraDetails` naming it
//! (https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors/).

use axum::response::{IntoResponse, Response};
use vipps_domain::epayment::{ErrorKind, PaymentError};
use vipps_wire::epayment::{ExtraDetail, Problem};

use crate::kernel::{idempotency::KeyedApi, problem::raw, problem::ApiError};

pub const PROBLEM_JSON: &str = "application/problem+json";
pub const JSON: &str = "application/json";

/// An ePayment error on its way to becoming a problem response.
#[derive(Debug, Clone)]
pub struct ApiProblem {
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub field: Option<String>,
}

impl ApiProblem {
    pub fn new(status: u16, title: &str, detail: impl Into<String>) -> Self {
        ApiProblem {
            status,
            title: title.to_owned(),
            detail: detail.into(),
            field: None,
        }
    }

    pub fn bad_field(title: &str, field: &str, detail: impl Into<String>) -> Self {
        ApiProblem {
            status: 400,
            title: title.to_owned(),
            detail: detail.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn not_found(reference: &str) -> Self {
        PaymentError::not_found(reference).into()
    }
}

impl ApiError for ApiProblem {
    fn status(&self) -> u16 {
        self.status
    }

    fn body(&self) -> String {
        let slug: String = self
            .title
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let problem = Problem {
            kind: format!("https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors/#{slug}"),
            title: self.title.clone(),
            detail: self.detail.clone(),
            status: self.status,
            trace_id: uuid::Uuid::new_v4().to_string(),
            extra_details: self
                .field
                .as_ref()
                .map(|f| vec![ExtraDetail { name: f.clone(), reason: self.detail.clone() }]),
        };
        serde_json::to_string(&problem).expect("a problem always serialises")
    }

    fn content_type(status: u16) -> &'static str {
        if status >= 400 {
            PROBLEM_JSON
        } else {
            JSON
        }
    }

    fn internal() -> Self {
        ApiProblem::new(
            500,
            "Internal error",
            "The request could not be completed; it is safe to retry",
        )
    }

    fn busy() -> Self {
        ApiProblem::new(
            409,
            "Order processing",
            "The payment is being modified by another request; retry",
        )
    }

    fn unreadable_body(status: u16, why: String) -> Self {
        if status == 413 {
            ApiProblem::new(
                413,
                "Request too large",
                "The request body must not exceed 1 MiB",
            )
        } else {
            ApiProblem::new(400, "Invalid request", why)
        }
    }

    fn missing_body() -> Self {
        ApiProblem::new(
            400,
            "Missing required parameter",
            "The request body is missing",
        )
    }

    fn invalid_body(path: Option<String>, broken: bool, message: String) -> Self {
        let title = if broken {
            "Invalid JSON"
        } else {
            "Invalid request"
        };
        ApiProblem {
            field: path,
            ..ApiProblem::new(400, title, message)
        }
    }
}

impl KeyedApi for ApiProblem {
    const KEY_HEADER: &'static str = "idempotency-key";
    const KEY_MAX_CHARS: usize = 50;

    fn key_missing() -> Option<Self> {
        Some(ApiProblem::bad_field(
            "Missing required parameter",
            "Idempotency-Key",
            "The Idempotency-Key header is required",
        ))
    }

    fn key_too_long() -> Self {
        ApiProblem::bad_field(
            "Invalid idempotency key",
            "Idempotency-Key",
            "The Idempotency-Key must be at most 50 characters",
        )
    }

    fn key_repeated() -> Self {
        ApiProblem::bad_field(
            "Invalid idempotency key",
            "Idempotency-Key",
            "The Idempotency-Key header must be sent once",
        )
    }

    fn key_reused() -> Self {
        ApiProblem::new(
            409,
            "Idempotency error",
            "This Idempotency-Key was used for a different request",
        )
    }
}

/// A refusal made before any handler ran, as an ePayment problem.
pub fn refused(status: u16, why: String, _path: &str) -> Response {
    let title = match status {
        404 => "Not found",
        405 => "Method not allowed",
        400..=499 => "Invalid request",
        _ => axum::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Internal error"),
    };
    ApiProblem::new(status, title, why).into_response()
}

impl From<PaymentError> for ApiProblem {
    fn from(e: PaymentError) -> Self {
        let status = match e.kind {
            ErrorKind::BadRequest => 400,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
        };
        ApiProblem {
            status,
            title: e.title.to_owned(),
            detail: e.detail,
            field: e.field,
        }
    }
}

impl From<anyhow::Error> for ApiProblem {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        ApiProblem::internal()
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        raw(self.status, PROBLEM_JSON, self.body())
    }
}
