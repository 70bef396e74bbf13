//! Reading JSON bodies so that every failure is a 4xx in the API's own
//! format: the raw bytes are kept (they are the idempotency fingerprint) and
//! parse errors name the field that failed.

use axum::{body::Bytes, extract::rejection::BytesRejection};
use serde::de::DeserializeOwned;

use crate::problem::ApiProblem;

/// The body bytes, or 413 when over the limit.
pub fn bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiProblem> {
    body.map_err(|e| {
        let status = e.status().as_u16();
        if status == 413 {
            ApiProblem::new(
                413,
                "Request too large",
                "The request body must not exceed 1 MiB",
            )
        } else {
            ApiProblem::new(400, "Invalid request", e.body_text())
        }
    })
}

/// Parses a required JSON body.
pub fn json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiProblem> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiProblem::new(
            400,
            "Missing required parameter",
            "The request body is missing",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(raw);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let title = if inner.is_syntax() || inner.is_eof() {
            "Invalid JSON"
        } else {
            "Invalid request"
        };
        let mut p = ApiProblem::new(400, title, format!("{inner}"));
        if path != "." {
            p.field = Some(path);
        }
        p
    })
}

/// Parses an optional body: bodiless POSTs (0 bytes, whatever the
/// Content-Type) mean the default.
pub fn json_or_default<T: DeserializeOwned + Default>(raw: &[u8]) -> Result<T, ApiProblem> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json(raw)
    }
}
