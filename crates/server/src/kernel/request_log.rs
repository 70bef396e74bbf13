//! Records every API request (never its secrets) for the inspection API
//! and the console: headers and bodies come cleaned by [`super::capture`].
//!
//! The merchant is known only after authentication, deep inside the handler,
//! so the middleware hands down an empty [`MsnSlot`] that the auth extractor
//! fills in.

use std::{
    sync::{Arc, OnceLock},
    time::Instant,
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use vipps_store::requests::RequestRecord;

use super::{
    api_faults::{CloseConnection, FaultSlot},
    capture,
};
use crate::AppState;

#[derive(Clone, Default)]
pub struct MsnSlot(pub Arc<OnceLock<String>>);

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(100).collect())
}

/// Logs the requests whose path starts with one of `api_prefixes` (the
/// APIs' paths: pages, health and inspection are not logged).
pub async fn record(
    State((st, api_prefixes)): State<(AppState, &'static [&'static str])>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let Some(prefix) = api_prefixes.iter().find(|p| path.starts_with(*p)) else {
        return next.run(req).await;
    };
    let started = Instant::now();
    let slot = MsnSlot::default();
    req.extensions_mut().insert(slot.clone());
    let fault = FaultSlot::default();
    req.extensions_mut().insert(fault.clone());
    let (req, seen) = {
        let (parts, body) = req.into_parts();
        let (tee, seen) = capture::TeeBody::new(body);
        (Request::from_parts(parts, Body::new(tee)), seen)
    };
    let h = req.headers();
    let mut rec = RequestRecord {
        id: 0,
        at: st.clock.now(),
        msn: None,
        method: req.method().to_string(),
        path,
        status: 0,
        latency_us: 0,
        system_name: header(h, "vipps-system-name"),
        system_version: header(h, "vipps-system-version"),
        plugin_name: header(h, "vipps-system-plugin-name"),
        plugin_version: header(h, "vipps-system-plugin-version"),
        idempotency_key: header(h, "idempotency-key"),
        trace_id: None,
        request_headers: Some(capture::headers(h)),
        request_body: None,
        response_body: None,
        request_id: header(h, "x-request-id"),
        body_digest: None,
        fault: None,
    };
    let header_msn = header(h, "merchant-serial-number");
    let response = next.run(req).await;
    let (response, trace_id) = crate::logging::trace_id_of(response).await;
    let (response, response_body) = capture::response_body(response).await;
    rec.response_body = response_body;
    if let Ok(seen) = seen.lock() {
        rec.request_body = capture::body_for_log(&seen.bytes, seen.total);
        rec.body_digest = Some(seen.digest());
    }
    let closed = response.extensions().get::<CloseConnection>().is_some();
    // A call whose connection was closed got no answer at all.
    rec.status = if closed {
        0
    } else {
        response.status().as_u16() as i64
    };
    rec.fault = fault.0.get().cloned();
    rec.latency_us = started.elapsed().as_micros() as i64;
    rec.msn = slot.0.get().cloned().or(header_msn);
    crate::metrics::record_request(
        crate::metrics::api_label(prefix),
        response.status().as_u16(),
        rec.latency_us as f64 / 1e6,
    );
    crate::logging::api_request(
        &rec.method,
        &rec.path,
        rec.status as u16,
        rec.latency_us as f64 / 1000.0,
        rec.msn.as_deref(),
        trace_id.as_deref(),
    );
    rec.trace_id = trace_id;
    st.db.log_request(rec);
    response
}
