//! Authentication of API calls, as the gateway in front of the real APIs
//! does it: a subscription key, a bearer token issued for that key, and an
//! optional `Merchant-Serial-Number` that must match the token's merchant.

use axum::{
    extract::FromRequestParts,
    http::{request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use vipps_domain::Msn;
use vipps_store::hash_secret;
use vipps_wire::gateway::GatewayError;

use super::{request_log::MsnSlot, tokens::Claims};
use crate::AppState;

pub const MISSING_KEY: &str =
    "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
pub const INVALID_KEY: &str =
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";
pub const INVALID_TOKEN: &str = "Unauthorized. Access token is missing or invalid.";
pub const WRONG_MSN: &str = "The Merchant-Serial-Number does not belong to these credentials.";

/// The gateway's own error body, `{statusCode, message}`, which every API
/// answers credential failures with (see docs/compatibility.md#credentials-and-gateway-errors).
pub fn gateway(status: StatusCode, message: &str) -> Response {
    let body = GatewayError {
        status_code: status.as_u16(),
        message: message.to_owned(),
    };
    (status, axum::Json(body)).into_response()
}

/// An authenticated merchant.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub msn: Msn,
    pub client_id: String,
}

/// A header sent more than once where one value is expected: which copy
/// would count is ambiguous, so the request is refused (400).
#[derive(Debug, Clone, Copy)]
pub struct Repeated(pub &'static str);

/// The value of header `name` (`None` when absent or not visible ASCII);
/// refused when the header is sent more than once.
pub fn header<'a>(h: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, Repeated> {
    let mut values = h.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(Repeated(name));
    }
    Ok(first.and_then(|v| v.to_str().ok()))
}

/// The gateway's 400 for a repeated credential header.
pub fn repeated(r: Repeated) -> Response {
    gateway(
        StatusCode::BAD_REQUEST,
        &format!("The {} header must be sent once.", r.0),
    )
}

/// Why client credentials (`client_id`, `client_secret`, subscription key,
/// optional `Merchant-Serial-Number`) were refused. The Access Token API and
/// Checkout (which takes these headers instead of a token) answer each in
/// their own way; the key and MSN failures are the gateway's.
#[derive(Debug)]
pub enum ClientRefusal {
    Repeated(Repeated),
    MissingKey,
    /// `client_id` or `client_secret` absent (`false`) or wrong (`true`).
    InvalidClient {
        given: bool,
    },
    InvalidKey,
    WrongMsn,
    Internal,
}

impl ClientRefusal {
    /// The gateway's answer, for the refusals the gateway makes.
    pub fn gateway_answer(&self) -> Option<Response> {
        Some(match self {
            ClientRefusal::Repeated(r) => repeated(*r),
            ClientRefusal::MissingKey => gateway(StatusCode::UNAUTHORIZED, MISSING_KEY),
            ClientRefusal::InvalidKey => gateway(StatusCode::UNAUTHORIZED, INVALID_KEY),
            ClientRefusal::WrongMsn => gateway(StatusCode::FORBIDDEN, WRONG_MSN),
            ClientRefusal::Internal => {
                gateway(StatusCode::INTERNAL_SERVER_ERROR, "Internal error; retry")
            }
            ClientRefusal::InvalidClient { .. } => return None,
        })
    }
}

/// Who client credentials belong to: a merchant, or a payment service
/// provider (PSP API v3), which gets tokens with its own keys.
pub enum Client {
    Merchant(vipps_store::merchants::Merchant),
    Psp(vipps_store::psps::Psp),
}

/// The merchant whose client credentials are in `h` (Checkout, which takes
/// them instead of a token, is for merchants only).
pub async fn client_credentials(
    st: &AppState,
    h: &HeaderMap,
) -> Result<vipps_store::merchants::Merchant, ClientRefusal> {
    match any_client(st, h, false).await? {
        Client::Merchant(m) => Ok(m),
        Client::Psp(_) => Err(ClientRefusal::InvalidClient { given: true }),
    }
}

/// The merchant or, when `psps` is set, the PSP whose client credentials are
/// in `h`. A PSP's `Merchant-Serial-Number`, if sent, must be one it serves.
pub async fn any_client(st: &AppState, h: &HeaderMap, psps: bool) -> Result<Client, ClientRefusal> {
    let single = |name| header(h, name).map_err(ClientRefusal::Repeated);
    let key = single("ocp-apim-subscription-key")?;
    let client_id = single("client_id")?;
    let secret = single("client_secret")?;
    let msn = single("merchant-serial-number")?.filter(|m| !m.is_empty());
    let key = key
        .filter(|k| !k.is_empty())
        .ok_or(ClientRefusal::MissingKey)?;
    let (Some(client_id), Some(secret)) = (client_id, secret) else {
        return Err(ClientRefusal::InvalidClient { given: false });
    };
    let internal = |e: anyhow::Error| {
        tracing::error!(error = %e, "reading client credentials failed");
        ClientRefusal::Internal
    };
    let found = match st
        .db
        .merchant_by_client_id(client_id)
        .await
        .map_err(internal)?
    {
        Some(m) => Some((
            m.client_secret_hash.clone(),
            m.subscription_key_hash.clone(),
            Client::Merchant(m),
        )),
        None if psps => st
            .db
            .psp_by_client_id(client_id)
            .await
            .map_err(internal)?
            .map(|p| {
                (
                    p.client_secret_hash.clone(),
                    p.subscription_key_hash.clone(),
                    Client::Psp(p),
                )
            }),
        None => None,
    };
    let (_, key_hash, client) = found
        .filter(|(secret_hash, ..)| same(secret_hash, &hash_secret(secret)))
        .ok_or(ClientRefusal::InvalidClient { given: true })?;
    if !same(&key_hash, &hash_secret(key)) {
        return Err(ClientRefusal::InvalidKey);
    }
    let msn_fits = match (&client, msn) {
        (_, None) => true,
        (Client::Merchant(m), Some(msn)) => msn == m.msn,
        (Client::Psp(p), Some(msn)) => p.msns.iter().any(|served| served == msn),
    };
    if !msn_fits {
        return Err(ClientRefusal::WrongMsn);
    }
    Ok(client)
}

/// Compares secrets without leaking through timing where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Only the first 16 hex digits of the key's hash travel inside the token.
pub fn key_fingerprint(subscription_key: &str) -> String {
    hash_secret(subscription_key)[..16].to_owned()
}

/// The claims of the bearer token in `parts`, checked as the gateway does:
/// a subscription key, a token we issued that is valid now, and the same
/// key the token was issued for.
// The refusal is the gateway's finished answer, as the extractors return it.
#[allow(clippy::result_large_err)]
fn gateway_claims(parts: &Parts, st: &AppState) -> Result<Claims, Response> {
    let h = &parts.headers;
    let key = header(h, "ocp-apim-subscription-key")
        .map_err(repeated)?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| gateway(StatusCode::UNAUTHORIZED, MISSING_KEY))?;
    // `Bearer` is case-sensitive at the real gateway.
    let token = header(h, "authorization")
        .map_err(repeated)?
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN))?;
    let claims = st
        .keys
        .verify(token, |c| {
            if c.msn.is_empty() {
                st.clock.now() / 1000
            } else {
                st.clock.now_for(&c.msn) / 1000
            }
        })
        .ok_or_else(|| gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN))?;
    if claims.skh != key_fingerprint(key) {
        return Err(gateway(StatusCode::UNAUTHORIZED, INVALID_KEY));
    }
    Ok(claims)
}

impl FromRequestParts<AppState> for Merchant {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let claims = gateway_claims(parts, st)?;
        // Tokens name only merchants this sandbox created, whose MSNs are
        // valid; a PSP's token names none.
        let msn = Msn::parse(&claims.msn)
            .ok_or_else(|| gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN))?;
        // Every copy of the header must name the token's merchant.
        for msn in parts.headers.get_all("merchant-serial-number").iter() {
            if msn.as_bytes() != claims.msn.as_bytes() {
                return Err(gateway(StatusCode::FORBIDDEN, WRONG_MSN));
            }
        }
        if let Some(slot) = parts.extensions.get::<MsnSlot>() {
            let _ = slot.0.set(claims.msn);
        }
        Ok(Merchant {
            msn,
            client_id: claims.sub,
        })
    }
}

/// A payment service provider, authenticated by a token issued for its own
/// keys. Which merchant it acts for (`Merchant-Serial-Number`) and whether
/// it serves that merchant is the PSP API's to check, in its own format.
#[derive(Debug, Clone)]
pub struct PspToken {
    pub psp_id: String,
    pub client_id: String,
}

impl FromRequestParts<AppState> for PspToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let claims = gateway_claims(parts, st)?;
        let psp_id = claims
            .psp
            .ok_or_else(|| gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN))?;
        Ok(PspToken {
            psp_id,
            client_id: claims.sub,
        })
    }
}

/// Records the merchant a call acted for, once the API has checked it.
pub fn record_msn(parts_extensions: &axum::http::Extensions, msn: &str) {
    if let Some(slot) = parts_extensions.get::<MsnSlot>() {
        let _ = slot.0.set(msn.to_owned());
    }
}
