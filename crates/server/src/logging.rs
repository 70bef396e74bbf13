//! The log lines the server writes through `tracing` (one per API request;
//! the delivery worker writes one per attempt). They carry what identifies
//! a request and its outcome, never a secret: no headers, no bodies, no
//! query strings.

use axum::{
    body::{Body, HttpBody},
    http::{header, HeaderValue},
    response::Response,
};

/// The target of the request lines, for `RUST_LOG` (e.g.
/// `RUST_LOG=info,vipps_sandbox::request=off` hides them).
pub const REQUEST_TARGET: &str = "vipps_sandbox::request";

/// Largest error body read to find its `traceId`; error bodies are small.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// One line for one API request.
pub fn api_request(
    method: &str,
    path: &str,
    status: u16,
    latency_ms: f64,
    msn: Option<&str>,
    trace_id: Option<&str>,
) {
    let latency_ms = (latency_ms * 10.0).round() / 10.0;
    tracing::info!(
        target: REQUEST_TARGET,
        %method,
        %path,
        status,
        latency_ms,
        msn = %msn.unwrap_or("-"),
        trace_id = %trace_id.unwrap_or("-"),
        "request"
    );
}

/// The `traceId` of an error answer in JSON (the APIs' problem bodies),
/// and the answer, unchanged, to pass on. Other answers are not read.
pub async fn trace_id_of(response: Response) -> (Response, Option<String>) {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let failed = response.status().is_client_error() || response.status().is_server_error();
    // Only a body of known, small size is read; others pass on untouched.
    let small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= ERROR_BODY_LIMIT as u64);
    if !failed || !is_json || !small {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_LIMIT).await else {
        // A body that broke while read: nothing is left to pass on.
        return (Response::from_parts(parts, Body::empty()), None);
    };
    let trace_id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("traceId").and_then(|t| t.as_str()).map(str::to_owned))
        .filter(|t| t.len() <= 100);
    (Response::from_parts(parts, Body::from(bytes)), trace_id)
}
