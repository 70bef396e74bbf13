//! A merchant's own faults on its incoming API calls (sandbox extension,
//! docs/compatibility.md#api-faults): rate limits, then the first fault
//! rule that fires — an error answer in the API's format, added latency,
//! a lost answer after the commit, or a reset connection.
//!
//! The merchant is the `Merchant-Serial-Number` the call carries: faults
//! act before the handler authenticates it, as the real gateway's do.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use vipps_domain::{
    api_faults::{api_of, operation_of, Action, RateLimit},
    Millis,
};

use super::{auth::gateway, problem::Formats};
use crate::AppState;

/// Which rule answered a request, for the request log: filled in here,
/// read by the log's middleware (which hands it down).
#[derive(Clone, Default)]
pub struct FaultSlot(pub Arc<OnceLock<String>>);

/// Marks a response that must not be sent: the listener closes the
/// connection instead (a lost answer, a reset).
#[derive(Clone, Copy, Debug)]
pub struct CloseConnection;

/// The calls counted per rate limit in its current window, in this process.
#[derive(Default)]
pub struct RateWindows(Mutex<HashMap<String, (Millis, u32)>>);

impl RateWindows {
    /// Counts a call; the seconds until the window ends when it is over
    /// the limit.
    fn over(&self, limit: &RateLimit, now: Millis) -> Option<u64> {
        let window = limit.per_seconds as Millis * 1000;
        let mut windows = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (start, count) = windows.entry(limit.id.clone()).or_insert((now, 0));
        if now - *start >= window {
            *start = now;
            *count = 0;
        }
        if *count >= limit.requests {
            let left = (*start + window - now).max(1);
            return Some(((left + 999) / 1000) as u64);
        }
        *count += 1;
        None
    }
}

/// Statuses the gateway in front of the APIs answers with its own body.
fn is_gateway_status(status: u16) -> bool {
    matches!(status, 401 | 403 | 429 | 502 | 503 | 504)
}

fn with_retry_after(mut r: Response, seconds: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The answer the real platform gives with `status`: the gateway's body
/// where the gateway answers, else the API's own error format.
fn error_answer(formats: Formats, status: u16, path: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let answer = if is_gateway_status(status) {
        let message = match status {
            401 => "Access denied due to invalid subscription key or token.",
            403 => "Forbidden.",
            429 => "Rate limit is exceeded. Try again in 1 seconds.",
            502 => "Bad gateway: the service did not answer correctly.",
            503 => "The service is temporarily unavailable. Try again later.",
            _ => "Gateway timeout: the service did not answer in time.",
        };
        gateway(code, message)
    } else {
        let why = code
            .canonical_reason()
            .unwrap_or("The request failed")
            .to_owned();
        match formats.iter().find(|(prefix, _)| path.starts_with(prefix)) {
            Some((_, render)) => render(status, why, path),
            None => (code, why).into_response(),
        }
    };
    match status {
        429 | 503 => with_retry_after(answer, 1),
        _ => answer,
    }
}

fn closed() -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(CloseConnection);
    r
}

/// Applies the merchant's rate limits and fault rules to an API call.
pub async fn apply(
    State((st, formats)): State<(AppState, Formats)>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let Some(api) = api_of(&path) else {
        return next.run(req).await;
    };
    let Some(msn) = req
        .headers()
        .get("merchant-serial-number")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    let faults = match st.db.api_faults(&msn).await {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return next.run(req).await,
        Err(e) => {
            tracing::warn!(error = %e, "fault rules unreadable; call served without them");
            return next.run(req).await;
        }
    };
    let method = req.method().as_str().to_owned();
    let operation = operation_of(api, &method, &path);
    let now = st.clock.now();
    let slot = req.extensions().get::<FaultSlot>().cloned();
    let mark = |label: String| {
        if let Some(slot) = &slot {
            let _ = slot.0.set(label);
        }
    };
    for limit in &faults.rate_limits {
        if !limit.matcher.matches(api, operation, &method) {
            continue;
        }
        if let Some(wait) = st.rate_windows.over(limit, now) {
            mark(format!("rate limit {}", limit.id));
            let message = format!("Rate limit is exceeded. Try again in {wait} seconds.");
            return with_retry_after(gateway(StatusCode::TOO_MANY_REQUESTS, &message), wait);
        }
    }
    for stored in &faults.rules {
        let rule = &stored.rule;
        if !rule.applies(api, operation, &method, now) {
            continue;
        }
        let drawn = rule.drawn(stored.matched.max(0) as u64);
        match st
            .db
            .api_fault_matched(&rule.id, rule.times.is_some(), drawn)
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "fault rule not counted");
                continue;
            }
        }
        mark(format!("rule {}: {}", rule.id, rule.action.label()));
        return match &rule.action {
            Action::Error { status } => error_answer(formats, *status, &path),
            Action::Latency { ms } => {
                let answer = next.run(req).await;
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                answer
            }
            Action::LoseResponse { answer_as } => {
                // Applied and committed first: the answer is what is lost.
                let _applied = next.run(req).await;
                match answer_as {
                    Some(_) => error_answer(formats, 504, &path),
                    None => closed(),
                }
            }
            Action::Reset => closed(),
        };
    }
    next.run(req).await
}
