//! The PSP API's error body: a JSON array of `{errorCode, errorMessage,
//! contextId}` (https://developer.vippsmobilepay.com/docs/APIs/psp-api/vipps-psp-api/#errors).

use axum::response::{IntoResponse, Response};
use vipps_domain::psp::PspError;
use vipps_wire::psp as wire;

use crate::kernel::problem::{raw, ApiError};

pub const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// A PSP error on its way to becoming the documented JSON array.
#[derive(Debug, Clone)]
pub struct PspProblem(pub PspError);

impl From<PspError> for PspProblem {
    fn from(e: PspError) -> Self {
        PspProblem(e)
    }
}

impl From<anyhow::Error> for PspProblem {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        PspProblem::internal()
    }
}

impl ApiError for PspProblem {
    fn status(&self) -> u16 {
        self.0.status
    }

    fn body(&self) -> String {
        let body = [wire::ErrorDetails {
            error_code: self.0.code.clone(),
            error_message: self.0.message.clone(),
            context_id: uuid::Uuid::new_v4().to_string(),
        }];
        serde_json::to_string(&body).expect("an error always serialises")
    }

    fn content_type(_status: u16) -> &'static str {
        JSON_UTF8
    }

    fn internal() -> Self {
        PspProblem(PspError::internal())
    }

    fn busy() -> Self {
        PspProblem(PspError::busy())
    }

    fn unreadable_body(status: u16, why: String) -> Self {
        let mut err = PspError::invalid_request(why);
        err.status = status;
        PspProblem(err)
    }

    fn missing_body() -> Self {
        PspError::invalid_request("The request body is missing").into()
    }

    fn invalid_body(path: Option<String>, _broken: bool, message: String) -> Self {
        let message = match path {
            Some(field) => format!("Invalid request: {field}: {message}"),
            None => format!("Invalid request: {message}"),
        };
        PspError::invalid_request(message).into()
    }
}

/// A refusal made before any handler ran, as the PSP API's error array.
pub fn refused(status: u16, why: String, _path: &str) -> Response {
    let mut err = PspError::invalid_request(why);
    err.status = status;
    PspProblem(err).into_response()
}

impl IntoResponse for PspProblem {
    fn into_response(self) -> Response {
        raw(self.status(), JSON_UTF8, self.body())
    }
}
