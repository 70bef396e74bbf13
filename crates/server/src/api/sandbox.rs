//! Sandbox-only API: the clock, the request log, deliveries and fault injection. Unauthenticated on
//! purpose: it is the operator's console of a local test platform.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, Query, State},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use vipps_delivery::worker::validate_faults;
use vipps_domain::time_fmt::rfc3339;
use vipps_store::{
    deliveries::{retry_now, Faults},
    WriteError,
};

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
        expiry::upkeep(&st).await?;
        // Retries that fell due in the jump go out now.
        st.deliverer.wake();
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

#[derive(Deserialize)]
struct DeliveriesQuery {
    msn: Option<String>,
    limit: Option<i64>,
}

/// Deliveries newest first, each with its attempts (RELIABILITY.md D7).
async fn deliveries(State(st): State<AppState>, Query(q): Query<DeliveriesQuery>) -> Response {
    let r: Result<Response, ApiProblem> = async {
        let limit = q.limit.unwrap_or(100).clamp(1, 1000);
        let mut out = Vec::new();
        for (d, attempts) in st
            .db
            .deliveries_with_attempts(q.msn.as_deref(), limit)
            .await?
        {
            let mut v = serde_json::to_value(&d).map_err(anyhow::Error::from)?;
            v["attempts"] = serde_json::to_value(attempts).map_err(anyhow::Error::from)?;
            out.push(v);
        }
        Ok(Json(json!({"deliveries": out})).into_response())
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

async fn retry(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    match st.commit(retry_now(&id, st.clock.now())).await {
        Ok(()) => Json(json!({"id": id, "status": "pending"})).into_response(),
        Err(WriteError::Conflict) => {
            ApiProblem::new(404, "Not found", format!("No delivery with id '{id}'")).into_response()
        }
        Err(e) => crate::service::db_error(e).into_response(),
    }
}

async fn known_merchant(st: &AppState, msn: &str) -> Result<(), ApiProblem> {
    match st.db.merchant_by_msn(msn).await? {
        Some(_) => Ok(()),
        None => Err(ApiProblem::new(
            404,
            "Not found",
            format!("No merchant with MSN '{msn}'"),
        )),
    }
}

async fn get_faults(State(st): State<AppState>, Path(msn): Path<String>) -> Response {
    let r: Result<Response, ApiProblem> = async {
        known_merchant(&st, &msn).await?;
        Ok(Json(st.db.faults(&msn).await?).into_response())
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

async fn set_faults(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    let r: Result<Response, ApiProblem> = async {
        known_merchant(&st, &msn).await?;
        let raw = body::bytes(b)?;
        let faults: Faults = body::json(&raw)?;
        validate_faults(&faults).map_err(|why| ApiProblem::new(400, "Invalid request", why))?;
        st.db.set_faults(&msn, &faults).await?;
        Ok(Json(faults).into_response())
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sandbox/v1/deliveries", get(deliveries))
        .route("/sandbox/v1/deliveries/{id}/retry", post(retry))
        .route(
            "/sandbox/v1/merchants/{msn}/delivery-faults",
            get(get_faults).post(set_faults),
        )
        .route("/sandbox/v1/clock", get(get_clock))
        .route("/sandbox/v1/clock/advance", post(advance))
        .route("/sandbox/v1/requests", get(requests))
}
