//! Copies of what an API call carried, for the request log: the request's
//! headers without credentials and both bodies without secrets, bounded.
//!
//! The request body is copied while the handler reads it (a tee), so the
//! body limit and streaming stay exactly as they are without the log.

use std::{
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use axum::{
    body::{Body, Bytes},
    http::HeaderMap,
    response::Response,
};
use http_body::{Body as _, Frame, SizeHint};
use serde_json::{Map, Value};

/// The most of a body the log keeps, after secrets are removed.
pub const BODY_KEPT: usize = 16 * 1024;
/// The most of a body read to find its secrets: a longer body that is not
/// kept whole cannot be cleaned, so only its size is logged.
const BODY_READ: usize = 256 * 1024;
/// The most of one header value kept.
const HEADER_KEPT: usize = 200;
/// Headers whose values are credentials: their presence is logged, never
/// their value.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "client_secret",
    "ocp-apim-subscription-key",
    "cookie",
    "x-admin-token",
    "proxy-authorization",
];
/// What the names of JSON members holding secrets or tokens contain
/// (matched without case): access tokens, webhook secrets, callback auth
/// tokens (`authToken`, `callbackAuthorizationToken`, `makePaymentToken`),
/// session tokens, passwords.
const SECRET_MEMBERS: &[&str] = &["token", "secret", "password"];

fn is_secret_member(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_MEMBERS.iter().any(|m| name.contains(m))
}
const REDACTED: &str = "[redacted]";

/// The request's headers as a JSON object, credentials replaced.
pub fn headers(h: &HeaderMap) -> Value {
    let mut out = Map::new();
    for (name, value) in h {
        let name = name.as_str();
        let shown = if SECRET_HEADERS.contains(&name) {
            REDACTED.to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes())
                .chars()
                .take(HEADER_KEPT)
                .collect()
        };
        // A repeated header keeps its first value; they are refused anyway.
        out.entry(name.to_owned()).or_insert(Value::String(shown));
    }
    Value::Object(out)
}

fn redact(v: &mut Value) {
    match v {
        Value::Object(members) => {
            for (name, value) in members.iter_mut() {
                if is_secret_member(name) {
                    *value = Value::String(REDACTED.into());
                } else {
                    redact(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

fn cut(mut s: String) -> String {
    if s.len() > BODY_KEPT {
        let mut end = BODY_KEPT;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str(" …[cut]");
    }
    s
}

/// What the log keeps of a body of `total` bytes whose first bytes are
/// `seen`: JSON with its secrets replaced; short text that is not JSON as
/// it is (a malformed body is what the integrator needs to see) unless it
/// names a secret; otherwise only its size.
pub fn body_for_log(seen: &[u8], total: usize) -> Option<String> {
    if total == 0 {
        return None;
    }
    if seen.len() == total {
        if let Ok(mut json) = serde_json::from_slice::<Value>(seen) {
            redact(&mut json);
            return Some(cut(json.to_string()));
        }
        if let Ok(text) = std::str::from_utf8(seen) {
            let lower = text.to_ascii_lowercase();
            let names_secret = SECRET_MEMBERS.iter().any(|m| lower.contains(m));
            if total <= BODY_KEPT && !names_secret {
                return Some(text.to_owned());
            }
        }
    }
    Some(format!("[{total} bytes not shown]"))
}

/// The part of a request body seen so far, and its full length.
#[derive(Default)]
pub struct Seen {
    pub bytes: Vec<u8>,
    pub total: usize,
}

impl Seen {
    /// Names the body: equal for equal bodies (of the first 256 KiB and
    /// the same length), so a repeated request can be told from a changed one.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(&self.bytes);
        h.update(self.total.to_le_bytes());
        h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A request body that copies its first [`BODY_READ`] bytes into `seen`
/// as the handler reads them.
pub struct TeeBody {
    inner: Body,
    seen: Arc<Mutex<Seen>>,
}

impl TeeBody {
    pub fn new(inner: Body) -> (TeeBody, Arc<Mutex<Seen>>) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        (
            TeeBody {
                inner,
                seen: seen.clone(),
            },
            seen,
        )
    }
}

impl http_body::Body for TeeBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                if let Ok(mut seen) = self.seen.lock() {
                    seen.total += data.len();
                    let room = BODY_READ.saturating_sub(seen.bytes.len());
                    seen.bytes.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The response's body for the log, and the response to pass on. Only a
/// body of known size up to [`BODY_READ`] is read (the APIs' answers are
/// all such); anything else passes untouched and is logged by its size.
pub async fn response_body(response: Response) -> (Response, Option<String>) {
    let size = response.body().size_hint().exact();
    match size {
        Some(0) => (response, None),
        Some(n) if n <= BODY_READ as u64 => {
            let (parts, body) = response.into_parts();
            match axum::body::to_bytes(body, BODY_READ).await {
                Ok(bytes) => {
                    let logged = body_for_log(&bytes, bytes.len());
                    (Response::from_parts(parts, Body::from(bytes)), logged)
                }
                // A body that broke while read: nothing is left to pass on.
                Err(_) => (Response::from_parts(parts, Body::empty()), None),
            }
        }
        Some(n) => (response, Some(format!("[{n} bytes not shown]"))),
        None => (response, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_replaced_at_any_depth() {
        let body = br#"{"merchantInfo":{"authToken":"s3cret","callbackPrefix":"https://x","callbackAuthorizationToken":"cbt"},"access_token":"eyJ","makePaymentToken":"mpt","list":[{"Secret":"w"}]}"#;
        let logged = body_for_log(body, body.len()).unwrap();
        for secret in ["s3cret", "eyJ", "\"w\"", "cbt", "mpt"] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
        assert!(logged.contains("https://x"));
        assert_eq!(logged.matches(REDACTED).count(), 5);
    }

    #[test]
    fn malformed_text_is_kept_unless_it_names_a_secret() {
        assert_eq!(body_for_log(b"{oops", 5).as_deref(), Some("{oops"));
        let leaky = br#"{"authToken": "abc""#;
        assert_eq!(
            body_for_log(leaky, leaky.len()).as_deref(),
            Some("[19 bytes not shown]")
        );
    }

    #[test]
    fn bodies_seen_in_part_are_logged_by_size() {
        assert_eq!(
            body_for_log(b"{\"a\":", 300_000).as_deref(),
            Some("[300000 bytes not shown]")
        );
        assert_eq!(body_for_log(b"", 0), None);
    }

    #[test]
    fn long_json_is_cut_at_the_bound() {
        let long = serde_json::json!({"text": "é".repeat(BODY_KEPT)}).to_string();
        let logged = body_for_log(long.as_bytes(), long.len()).unwrap();
        assert!(logged.len() <= BODY_KEPT + 10 && logged.ends_with("…[cut]"));
    }

    #[test]
    fn credential_headers_show_presence_only() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer eyJabc".parse().unwrap());
        h.insert("ocp-apim-subscription-key", "k".parse().unwrap());
        h.insert("vipps-system-name", "shop".parse().unwrap());
        let shown = headers(&h);
        assert_eq!(shown["authorization"], REDACTED);
        assert_eq!(shown["ocp-apim-subscription-key"], REDACTED);
        assert_eq!(shown["vipps-system-name"], "shop");
    }
}
