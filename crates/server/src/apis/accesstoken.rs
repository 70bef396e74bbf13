//! Access Token API (https://developer.vippsmobilepay.com/docs/APIs/access-token-api/): `POST /accesstoken/get`, also served
//! as `/accessToken/get` because documentation and plugins use that spelling.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use vipps_store::hash_secret;
use vipps_wire::accesstoken::{AccessTokenError, AccessTokenResponse};

use crate::{
    kernel::{
        auth::{gateway, header, key_fingerprint, repeated, INVALID_KEY, MISSING_KEY, WRONG_MSN},
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

/// Compares secrets without leaking through timing where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn get_token(
    State(st): State<AppState>,
    slot: Option<axum::Extension<MsnSlot>>,
    h: HeaderMap,
) -> Response {
    let single = |name| header(&h, name);
    let (key, client_id, secret, msn) = match (
        single("ocp-apim-subscription-key"),
        single("client_id"),
        single("client_secret"),
        single("merchant-serial-number"),
    ) {
        (Ok(key), Ok(id), Ok(secret), Ok(msn)) => (key, id, secret, msn),
        (Err(r), ..) | (_, Err(r), ..) | (_, _, Err(r), _) | (.., Err(r)) => return repeated(r),
    };
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return gateway(StatusCode::UNAUTHORIZED, MISSING_KEY);
    };
    let (Some(client_id), Some(secret)) = (client_id, secret) else {
        return invalid_client("The client_id and client_secret headers are required.");
    };
    let merchant = match st.db.merchant_by_client_id(client_id).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "reading a merchant failed");
            return gateway(StatusCode::INTERNAL_SERVER_ERROR, "Internal error; retry");
        }
    };
    let Some(m) = merchant.filter(|m| same(&m.client_secret_hash, &hash_secret(secret))) else {
        return invalid_client("The client_id or client_secret is invalid.");
    };
    if !same(&m.subscription_key_hash, &hash_secret(key)) {
        return gateway(StatusCode::UNAUTHORIZED, INVALID_KEY);
    }
    if let Some(msn) = msn.filter(|s| !s.is_empty()) {
        if msn != m.msn {
            return gateway(StatusCode::FORBIDDEN, WRONG_MSN);
        }
    }
    if let Some(axum::Extension(slot)) = slot {
        let _ = slot.0.set(m.msn.clone());
    }
    let now = st.clock.now() / 1000;
    let ttl = st.cfg.token_ttl_secs;
    let claims = Claims {
        iss: format!("{}/accesstoken", st.cfg.public_url),
        sub: m.client_id.clone(),
        msn: m.msn.clone(),
        skh: key_fingerprint(key),
        iat: now,
        nbf: now,
        exp: now + ttl,
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
