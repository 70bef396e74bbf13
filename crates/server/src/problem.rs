//! Error bodies: the gateway's `{statusCode, message}` for credential
//! failures and RFC 7807 problems for ePayment (BEHAVIOR.md §1.5, §4.5).

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use vipps_domain::epayment::{ErrorKind, PaymentError};
use vipps_wire::{
    epayment::{ExtraDetail, Problem},
    gateway::GatewayError,
};

pub const MISSING_KEY: &str =
    "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
pub const INVALID_KEY: &str =
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";
pub const INVALID_TOKEN: &str = "Unauthorized. Access token is missing or invalid.";

pub fn gateway(status: StatusCode, message: &str) -> Response {
    let body = GatewayError {
        status_code: status.as_u16(),
        message: message.to_owned(),
    };
    (status, axum::Json(body)).into_response()
}

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

    pub fn internal() -> Self {
        ApiProblem::new(
            500,
            "Internal error",
            "The request could not be completed; it is safe to retry",
        )
    }

    /// The serialised body, with a fresh trace id.
    pub fn body(&self) -> String {
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

/// A stored or fresh answer: status and exact body bytes.
pub fn raw(status: u16, content_type: &'static str, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

pub const PROBLEM_JSON: &str = "application/problem+json";
pub const JSON: &str = "application/json";

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        raw(self.status, PROBLEM_JSON, self.body())
    }
}
