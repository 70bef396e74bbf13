//! Access Token API (https://developer.vippsmobilepay.com/docs/APIs/access-token-api/): `POST /accesstoken/get`, also served
//! as `/accessToken/get` because documentation and plugins use that spelling.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use vipps_wire::accesstoken::{AccessTokenError, AccessTokenResponse};

use crate::{
    kernel::{
        auth::{any_client, gateway, header, key_fingerprint, Client, ClientRefusal},
        request_log::MsnSlot,
        tokens::Claims,
    },
    AppState,
};

fn invalid_client(description: &str) -> Response {
    let body = AccessTokenError {
        error: "invalid_client".into(),
        error_description: description.into(),
    };
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

async fn get_token(
    State(st): State<AppState>,
    slot: Option<axum::Extension<MsnSlot>>,
    h: HeaderMap,
) -> Response {
    let client = match any_client(&st, &h, true).await {
        Ok(c) => c,
        Err(ClientRefusal::InvalidClient { given: false }) => {
            return invalid_client("The client_id and client_secret headers are required.")
        }
        Err(ClientRefusal::InvalidClient { given: true }) => {
            return invalid_client("The client_id or client_secret is invalid.")
        }
        Err(refusal) => return refusal.gateway_answer().expect("a gateway refusal"),
    };
    let key = header(&h, "ocp-apim-subscription-key")
        .ok()
        .flatten()
        .unwrap_or_default();
    let (client_id, msn, psp) = match client {
        Client::Merchant(m) => (m.client_id, m.msn, None),
        Client::Psp(p) => (p.client_id, String::new(), Some(p.psp_id)),
    };
    if let Some(axum::Extension(slot)) = slot.filter(|_| !msn.is_empty()) {
        let _ = slot.0.set(msn.clone());
    }
    // A merchant's token lives on its own clock.
    let now = if msn.is_empty() {
        st.clock.now()
    } else {
        st.clock.now_for(&msn)
    } / 1000;
    let ttl = st.cfg.token_ttl_secs;
    let claims = Claims {
        iss: format!("{}/accesstoken", st.cfg.public_url),
        sub: client_id,
        msn,
        skh: key_fingerprint(key),
        iat: now,
        nbf: now,
        exp: now + ttl,
        psp,
    };
    Json(AccessTokenResponse {
        token_type: "Bearer".into(),
        expires_in: ttl.to_string(),
        ext_expires_in: "0".into(),
        expires_on: (now + ttl).to_string(),
        not_before: now.to_string(),
        resource: "00000002-0000-0000-c000-000000000000".into(),
        access_token: st.keys.issue(&claims),
    })
    .into_response()
}

/// A refusal made before any handler ran, in the gateway's body.
pub fn refused(status: u16, why: String, _path: &str) -> Response {
    gateway(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &why,
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accesstoken/get", post(get_token))
        .route("/accessToken/get", post(get_token))
}
