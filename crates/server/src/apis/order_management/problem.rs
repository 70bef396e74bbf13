//! Order Management's error body: `{type, title, detail, instance,
//! invalidParams [{name, reason}]}` (the spec's `ErrorResponse`), as
//! `application/json`. `instance` is a trace id, as in the spec's example.

use axum::response::{IntoResponse, Response};
use vipps_domain::order_management::{InvalidParam, OmError};
use vipps_wire::order_management as wire;

use crate::kernel::problem::{raw, ApiError};

pub const JSON: &str = "application/json";

#[derive(Debug, Clone)]
pub struct OmProblem(pub OmError);

impl From<OmError> for OmProblem {
    fn from(e: OmError) -> Self {
        OmProblem(e)
    }
}

impl From<anyhow::Error> for OmProblem {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        OmProblem::internal()
    }
}

fn trace_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{a}-{}-00", &b[..16])
}

impl ApiError for OmProblem {
    fn status(&self) -> u16 {
        self.0.status
    }

    fn body(&self) -> String {
        let e = &self.0;
        let kind = match e.status {
            400 => "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1",
            404 => "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4",
            409 => "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.8",
            _ => "https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.1",
        };
        let body = wire::ErrorResponse {
            kind: kind.into(),
            title: e.title.clone(),
            detail: e.detail.clone(),
            instance: trace_id(),
            invalid_params: e
                .invalid
                .iter()
                .map(|p| wire::InvalidParam {
                    name: p.name.clone(),
                    reason: p.reason.clone(),
                })
                .collect(),
        };
        serde_json::to_string(&body).expect("an error always serialises")
    }

    fn content_type(_status: u16) -> &'static str {
        JSON
    }

    fn internal() -> Self {
        OmProblem(OmError::new(
            500,
            "Internal Server Error",
            "Internal error; the request may be retried",
        ))
    }

    fn busy() -> Self {
        OmProblem(OmError::conflict(
            "The order is being changed by another request; retry",
        ))
    }

    fn unreadable_body(status: u16, why: String) -> Self {
        let mut e = OmError::field("body", why);
        e.status = status;
        OmProblem(e)
    }

    fn missing_body() -> Self {
        OmError::field("body", "A non-empty request body is required.").into()
    }

    fn invalid_body(path: Option<String>, broken: bool, message: String) -> Self {
        let name = path.filter(|_| !broken).unwrap_or_else(|| "body".into());
        OmError::invalid(vec![InvalidParam {
            name,
            reason: message,
        }])
        .into()
    }
}

/// A refusal made before any handler ran, in this API's format.
pub fn refused(status: u16, why: String, _path: &str) -> Response {
    let mut e = OmError::field("request", why);
    e.status = status;
    if status != 400 {
        e.title = "Not Found".into();
        e.detail = e.invalid[0].reason.clone();
        e.invalid.clear();
        e.title = match status {
            404 => "Not Found",
            405 => "Method Not Allowed",
            413 => "Payload Too Large",
            415 => "Unsupported Media Type",
            _ => "Bad Request",
        }
        .into();
    }
    OmProblem(e).into_response()
}

impl IntoResponse for OmProblem {
    fn into_response(self) -> Response {
        raw(self.status(), JSON, self.body())
    }
}
