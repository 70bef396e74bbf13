//! eCom's error body: a JSON array of `{errorGroup, errorCode,
//! errorMessage, contextId}` (https://developer.vippsmobilepay.com/docs/APIs/ecom-api/api-guide/errors/).

use axum::response::{IntoResponse, Response};
use vipps_domain::ecom::{EcomError, VippsCode};
use vipps_wire::ecom as wire;

use crate::kernel::{
    idempotency::KeyedApi,
    problem::{raw, ApiError},
};

pub const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// An eCom error on its way to becoming the documented JSON array.
#[derive(Debug, Clone)]
pub struct EcomProblem(pub EcomError);

impl From<EcomError> for EcomProblem {
    fn from(e: EcomError) -> Self {
        EcomProblem(e)
    }
}

impl From<anyhow::Error> for EcomProblem {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        EcomProblem::internal()
    }
}

impl ApiError for EcomProblem {
    fn status(&self) -> u16 {
        self.0.status
    }

    fn body(&self) -> String {
        let e = &self.0;
        let body = [wire::Error {
            error_group: e.group().as_str().into(),
            error_code: e.code.as_str().into(),
            error_message: e.message.clone(),
            context_id: uuid::Uuid::new_v4().to_string(),
        }];
        serde_json::to_string(&body).expect("an error always serialises")
    }

    fn content_type(_status: u16) -> &'static str {
        JSON_UTF8
    }

    fn internal() -> Self {
        EcomProblem(EcomError::vipps(
            VippsCode::Internal,
            "Internal error; the request may be retried",
        ))
    }

    fn busy() -> Self {
        EcomProblem(EcomError::vipps(
            VippsCode::OrderLocked,
            "Order locked: the payment is being modified by another request; retry",
        ))
    }

    fn unreadable_body(status: u16, why: String) -> Self {
        let mut err = EcomError::invalid("body", why);
        err.status = status;
        EcomProblem(err)
    }

    fn missing_body() -> Self {
        EcomError::invalid("body", "The request body is missing").into()
    }

    /// Broken JSON has no field to blame; a wrong type or a missing field does.
    fn invalid_body(path: Option<String>, broken: bool, message: String) -> Self {
        let field = path
            .filter(|_| !broken)
            .unwrap_or_else(|| "body".to_owned());
        EcomError::invalid(&field, message).into()
    }

    /// The quick start's own curl examples carry trailing commas, and the
    /// real API accepts them.
    const TOLERATES_TRAILING_COMMAS: bool = true;
}

/// `X-Request-Id` makes capture, refund and cancel idempotent; without one
/// they simply happen once.
impl KeyedApi for EcomProblem {
    const KEY_HEADER: &'static str = "x-request-id";
    const KEY_MAX_CHARS: usize = 40;

    fn key_missing() -> Option<Self> {
        None
    }

    fn key_too_long() -> Self {
        EcomError::invalid("X-Request-Id", "X-Request-Id must be at most 40 characters").into()
    }

    fn key_repeated() -> Self {
        EcomError::invalid("X-Request-Id", "X-Request-Id must be sent once").into()
    }

    fn key_reused() -> Self {
        EcomError::vipps(VippsCode::RetryMismatch,
            "Idempotent request retry does not match: a request with this X-Request-Id must be identical",
        )
        .into()
    }
}

/// A refusal made before any handler ran, as eCom's error array.
pub fn refused(status: u16, why: String, _path: &str) -> Response {
    let mut err = EcomError::invalid("request", why);
    err.status = status;
    EcomProblem(err).into_response()
}

impl IntoResponse for EcomProblem {
    fn into_response(self) -> Response {
        raw(self.status(), JSON_UTF8, self.body())
    }
}
