//! Checkout handlers: credentials from the `client_id`, `client_secret`,
//! subscription key and MSN headers (no access token), then the service.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use vipps_domain::{Msn, Reference};
use vipps_wire::checkout as wire;

use super::{
    problem::{CheckoutProblem, JSON},
    render::session_json,
    request::new_session,
    service,
};
use crate::{
    kernel::{
        auth::{client_credentials, ClientRefusal},
        body::Body,
        idempotency,
        problem::{raw, ApiError},
        request_log::MsnSlot,
    },
    AppState,
};

/// The merchant the client credentials name, or the refusal: Checkout's
/// problem for a bad client, the gateway's body for the key and MSN.
async fn merchant(
    st: &AppState,
    h: &HeaderMap,
    slot: Option<axum::Extension<MsnSlot>>,
) -> Result<Msn, Response> {
    let m = client_credentials(st, h)
        .await
        .map_err(|refusal| match refusal {
            ClientRefusal::InvalidClient { given: false } => CheckoutProblem::unauthorized(
                "The client_id and client_secret headers are required",
            )
            .into_response(),
            ClientRefusal::InvalidClient { given: true } => {
                CheckoutProblem::unauthorized("The client_id or client_secret is invalid")
                    .into_response()
            }
            other => other.gateway_answer().expect("a gateway refusal"),
        })?;
    if let Some(axum::Extension(slot)) = slot {
        let _ = slot.0.set(m.msn.clone());
    }
    // Merchants are created with valid MSNs.
    Msn::parse(&m.msn).ok_or_else(|| CheckoutProblem::internal().into_response())
}

pub async fn create_session(
    State(st): State<AppState>,
    slot: Option<axum::Extension<MsnSlot>>,
    h: HeaderMap,
    body: Body<CheckoutProblem>,
) -> Response {
    let msn = match merchant(&st, &h, slot).await {
        Ok(msn) => msn,
        Err(refused) => return refused,
    };
    let answer = async {
        let key = idempotency::key::<CheckoutProblem>(&h)?;
        let req: wire::InitiateSessionRequest = body.json()?;
        service::create(&st, &msn, new_session(req), body.raw(), key).await
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

pub async fn get_session(
    State(st): State<AppState>,
    slot: Option<axum::Extension<MsnSlot>>,
    h: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let msn = match merchant(&st, &h, slot).await {
        Ok(msn) => msn,
        Err(refused) => return refused,
    };
    if Reference::parse_path(&reference).is_none() {
        return CheckoutProblem::not_found(&reference).into_response();
    }
    match service::view(&st, &msn, &reference).await {
        Ok(view) => raw(200, JSON, session_json(view)),
        Err(problem) => problem.into_response(),
    }
}
