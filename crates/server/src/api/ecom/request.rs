//! Reading eCom requests: JSON bodies whose failures become `InvalidRequest`
//! errors naming the field, and the `X-Request-Id` idempotency of capture,
//! refund and cancel (BEHAVIOR.md §3.6, RELIABILITY.md I1–I5): the first
//! outcome (2xx or 4xx) is stored in the same commit as its effects and
//! replayed byte for byte; the same id on another body is VippsError 93.

use axum::{body::Bytes, extract::rejection::BytesRejection, http::HeaderMap, response::Response};
use serde::de::DeserializeOwned;
use vipps_domain::{ecom::EcomError, Millis};
use vipps_store::{
    ecom::StoredEcom,
    idempotency::{fingerprint, record},
    WriteError, WriteSet,
};

use crate::{
    auth::{header, Merchant},
    problem::raw,
    service_ecom::{locked, settled, transact, EcomProblem, JSON_UTF8},
    AppState,
};

/// The body bytes; an unreadable or oversized body is a 400/413 in eCom's format.
pub fn bytes(b: Result<Bytes, BytesRejection>) -> Result<Bytes, EcomProblem> {
    b.map_err(|e| {
        let mut err = EcomError::invalid("body", e.body_text());
        err.status = e.status().as_u16();
        EcomProblem(err)
    })
}

/// Parses a JSON body; bodiless requests mean the default when `optional`.
pub fn json<T: DeserializeOwned + Default>(raw: &[u8], optional: bool) -> Result<T, EcomProblem> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return if optional {
            Ok(T::default())
        } else {
            Err(EcomError::invalid("body", "The request body is missing").into())
        };
    }
    parse(raw)
}

/// Parses an eCom body, tolerating the trailing commas the official quick
/// start's examples contain (see [`crate::body::without_trailing_commas`]).
pub fn parse<T: DeserializeOwned>(raw: &[u8]) -> Result<T, EcomProblem> {
    let raw = crate::body::without_trailing_commas(raw);
    let de = &mut serde_json::Deserializer::from_slice(&raw);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // Broken JSON has no field to blame; a wrong type or a missing
        // field does.
        let field = if path == "." || inner.is_syntax() || inner.is_eof() {
            "body".to_owned()
        } else {
            path
        };
        EcomError::invalid(&field, inner.to_string()).into()
    })
}

/// `X-Request-Id`, at most 40 characters; `None` when absent or empty.
pub fn request_id(h: &HeaderMap) -> Result<Option<String>, EcomProblem> {
    match header(h, "x-request-id")
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        Some(k) if k.chars().count() > 40 => Err(EcomError::invalid(
            "X-Request-Id",
            "X-Request-Id must be at most 40 characters",
        )
        .into()),
        other => Ok(other.map(str::to_owned)),
    }
}

/// A decision: the writes, and the 200 body or the refusal. A refusal may
/// write too (a refused operation is logged on the payment).
pub type Decision = (WriteSet, Result<String, EcomProblem>);

/// Runs a modification. Without a request id it simply happens once; with
/// one, its outcome is recorded under (MSN, path, id) and replayed.
#[allow(clippy::too_many_arguments)]
pub async fn modify(
    st: &AppState,
    m: &Merchant,
    key: Option<String>,
    method: &str,
    path: &str,
    raw_body: &[u8],
    order_id: &str,
    decide: impl Fn(Option<&StoredEcom>, Millis, &str) -> Result<Decision, EcomProblem>,
) -> Result<Response, EcomProblem> {
    let Some(key) = key else {
        let body = transact(st, &m.msn, order_id, |cur, now| decide(cur, now, "")).await??;
        return Ok(raw(200, JSON_UTF8, body));
    };
    let fp = fingerprint(method, path, raw_body);
    for _ in 0..50 {
        let now = st.clock.now();
        if let Some(rec) = st.db.idempotency_record(&m.msn, path, &key, now).await? {
            if rec.fingerprint != fp {
                return Err(EcomError::vipps(
                    "93",
                    "Idempotent request retry does not match: a request with this X-Request-Id must be identical",
                )
                .into());
            }
            return Ok(raw(rec.status, JSON_UTF8, rec.body));
        }
        let current = settled(st, &m.msn, order_id, now).await?;
        let (mut writes, status, body) = match decide(current.as_ref(), now, &key) {
            Ok((w, Ok(body))) => (w, 200, body),
            Ok((w, Err(p))) if p.status() < 500 => (w, p.status(), p.body()),
            Err(p) if p.status() < 500 => (WriteSet::new(), p.status(), p.body()),
            Ok((_, Err(p))) | Err(p) => return Err(p),
        };
        record(&mut writes, &m.msn, path, &key, &fp, status, &body, now);
        match st.commit(writes).await {
            Ok(()) => return Ok(raw(status, JSON_UTF8, body)),
            // A twin or another writer got there first: replay or decide again.
            Err(WriteError::Conflict) => continue,
            Err(e) => {
                tracing::error!(error = %e, "write failed");
                return Err(EcomProblem::internal());
            }
        }
    }
    Err(locked())
}
