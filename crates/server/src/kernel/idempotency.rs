//! Idempotent operations, written once for every API: the first outcome of a
//! request with a key (2xx or 4xx) is stored in the same commit as its
//! effects and replayed byte for byte for the same key and body; the same
//! key on another body is refused. Concurrent twins race on the commit: the
//! loser's write conflicts, and its next round replays the winner's answer.
//! Each API says which header carries the key, how long it may be, whether
//! it is required, and how its refusals look (see docs/reliability.md#idempotency).

use axum::{http::HeaderMap, response::Response};
use vipps_domain::Millis;
use vipps_store::{
    idempotency::{fingerprint, record},
    Stored, WriteError, WriteSet,
};

use super::{
    auth::header,
    problem::{db_error, raw, ApiError},
    versioned::{self, Family, MAX_ATTEMPTS},
};
use crate::AppState;

/// An API's idempotency key rules and refusals.
pub trait KeyedApi: ApiError {
    /// The header that carries the key (`Idempotency-Key`, `X-Request-Id`).
    const KEY_HEADER: &'static str;
    /// The longest key accepted, in characters.
    const KEY_MAX_CHARS: usize;

    /// The refusal of a request without a key; `None` where the API runs
    /// such requests once, without recording them.
    fn key_missing() -> Option<Self>;

    fn key_too_long() -> Self;

    /// The key header was sent more than once.
    fn key_repeated() -> Self;

    /// The key was used before for a different request.
    fn key_reused() -> Self;
}

/// The request's key, trimmed; `None` when absent or empty and allowed.
pub fn key<P: KeyedApi>(h: &HeaderMap) -> Result<Option<String>, P> {
    let value = header(h, P::KEY_HEADER).map_err(|_| P::key_repeated())?;
    match value.map(str::trim).filter(|k| !k.is_empty()) {
        None => P::key_missing().map_or(Ok(None), Err),
        Some(k) if k.chars().count() > P::KEY_MAX_CHARS => Err(P::key_too_long()),
        Some(k) => Ok(Some(k.to_owned())),
    }
}

/// What an operation answers when it succeeds.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// A decision: the writes, and the answer or the refusal. A refusal may
/// write too (eCom logs a refused operation on the payment).
pub struct Decision<P> {
    pub writes: WriteSet,
    pub answer: Result<Answer, P>,
}

impl<P> Decision<P> {
    pub fn ok(writes: WriteSet, status: u16, body: String) -> Self {
        Decision {
            writes,
            answer: Ok(Answer { status, body }),
        }
    }
}

/// One request to an idempotent operation on the payment `id`.
pub struct Operation<'a> {
    pub msn: &'a str,
    pub method: &'static str,
    /// The request path: keys are scoped to (merchant, path).
    pub path: &'a str,
    pub raw_body: &'a [u8],
    pub id: &'a str,
    /// The request's key, from [`key`].
    pub key: Option<String>,
}

/// Runs `decide` on the settled payment (`None` if there is none) with the
/// request's key (`""` without one), records the outcome under the key and
/// answers it; see the module docs.
pub async fn run<F: Family, P: KeyedApi>(
    st: &AppState,
    op: Operation<'_>,
    decide: impl Fn(Option<&Stored<F::Payment>>, Millis, &str) -> Result<Decision<P>, P>,
) -> Result<Response, P> {
    let Some(key) = op.key else {
        let answer = versioned::transact::<F, P, _>(st, op.msn, op.id, |cur, now| {
            let d = decide(cur, now, "")?;
            Ok((d.writes, d.answer))
        })
        .await??;
        return Ok(raw(
            answer.status,
            P::content_type(answer.status),
            answer.body,
        ));
    };
    let fp = fingerprint(op.method, op.path, op.raw_body);
    for _ in 0..MAX_ATTEMPTS {
        let now = st.clock.now();
        let (rec, current) = F::read_with_record(st, op.msn, op.id, op.path, &key, now).await?;
        if let Some(rec) = rec {
            if rec.fingerprint != fp {
                return Err(P::key_reused());
            }
            return Ok(raw(rec.status, P::content_type(rec.status), rec.body));
        }
        let current = match current {
            None => None,
            Some(s) => match versioned::settle::<F, P>(st, s, now).await? {
                Some(s) => Some(s),
                // It changed under us: read both again.
                None => continue,
            },
        };
        let (mut writes, status, body) = match decide(current.as_ref(), now, &key) {
            Ok(Decision {
                writes,
                answer: Ok(a),
            }) => (writes, a.status, a.body),
            Ok(Decision {
                writes,
                answer: Err(p),
            }) if p.status() < 500 => (writes, p.status(), p.body()),
            Err(p) if p.status() < 500 => (WriteSet::new(), p.status(), p.body()),
            Ok(Decision { answer: Err(p), .. }) | Err(p) => return Err(p),
        };
        record(&mut writes, op.msn, op.path, &key, &fp, status, &body, now);
        match st.commit(writes).await {
            Ok(()) => return Ok(raw(status, P::content_type(status), body)),
            // Another request got there first: the next round replays its
            // answer (same key) or decides again on the new version.
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(db_error(e)),
        }
    }
    Err(P::busy())
}
