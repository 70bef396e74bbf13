//! Sandbox-only API: the clock and the request log. Unauthenticated on
//! purpose: it is the operator's console of a local test platform.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Query, State},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use vipps_domain::time_fmt::rfc3339;

use crate::{body, expiry, problem::ApiProblem, AppState};

fn clock_body(st: &AppState) -> Json<serde_json::Value> {
    let now = st.clock.now();
    Json(json!({"now": rfc3339(now), "nowMs": now, "offsetMs": st.clock.offset()}))
}

async fn get_clock(State(st): State<AppState>) -> Response {
    if let Err(e) = st.clock.refresh().await {
        return ApiProblem::from(e).into_response();
    }
    clock_body(&st).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn advance(State(st): State<AppState>, b: Result<Bytes, BytesRejection>) -> Response {
    let r: Result<Response, ApiProblem> = async {
        let raw = body::bytes(b)?;
        let req: Advance = body::json(&raw)?;
        if !(0..=10 * 365 * 86_400).contains(&req.seconds) {
            return Err(ApiProblem::bad_field(
                "Invalid request",
                "seconds",
                "seconds must be between 0 and 10 years",
            ));
        }
        st.clock.advance(req.seconds * 1000).await?;
        // Whatever became due in the jump happens before we answer.
        expiry::sweep(&st).await?;
        Ok(clock_body(&st).into_response())
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct RequestsQuery {
    msn: Option<String>,
    limit: Option<i64>,
}

async fn requests(State(st): State<AppState>, Query(q): Query<RequestsQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    match st.db.requests(q.msn.as_deref(), limit).await {
        Ok(list) => Json(json!({"requests": list})).into_response(),
        Err(e) => ApiProblem::from(e).into_response(),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sandbox/v1/clock", get(get_clock))
        .route("/sandbox/v1/clock/advance", post(advance))
        .route("/sandbox/v1/requests", get(requests))
}
