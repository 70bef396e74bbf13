//! Reading request bodies so that every failure is a 4xx in the API's own
//! format: the raw bytes are kept (they are the idempotency fingerprint) and
//! parse errors name the field that failed.

use std::marker::PhantomData;

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
};
use serde::de::DeserializeOwned;

use super::problem::ApiError;

/// A request body as sent, whose failures are `P`: taken last among a
/// handler's arguments, it turns an unreadable or oversized body into the
/// API's own 400/413.
pub struct Body<P> {
    raw: Bytes,
    api: PhantomData<fn() -> P>,
}

impl<S: Send + Sync, P: ApiError> FromRequest<S> for Body<P> {
    type Rejection = P;

    async fn from_request(req: Request, state: &S) -> Result<Self, P> {
        match Bytes::from_request(req, state).await {
            Ok(raw) => Ok(Body {
                raw,
                api: PhantomData,
            }),
            Err(e) => Err(P::unreadable_body(e.status().as_u16(), e.body_text())),
        }
    }
}

impl<P: ApiError> Body<P> {
    /// The bytes as received.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    fn is_empty(&self) -> bool {
        self.raw.iter().all(u8::is_ascii_whitespace)
    }

    /// Parses a required JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, P> {
        if self.is_empty() {
            return Err(P::missing_body());
        }
        parse(&self.raw)
    }

    /// Parses an optional body: bodiless requests (0 bytes, whatever the
    /// Content-Type) mean the default.
    pub fn json_or_default<T: DeserializeOwned + Default>(&self) -> Result<T, P> {
        if self.is_empty() {
            Ok(T::default())
        } else {
            parse(&self.raw)
        }
    }
}

/// Parses JSON, naming the field that failed.
fn parse<T: DeserializeOwned, P: ApiError>(raw: &[u8]) -> Result<T, P> {
    let raw = if P::TOLERATES_TRAILING_COMMAS {
        without_trailing_commas(raw)
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    let de = &mut serde_json::Deserializer::from_slice(&raw);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let broken = inner.is_syntax() || inner.is_eof();
        P::invalid_body((path != ".").then_some(path), broken, inner.to_string())
    })
}

/// Drops every comma that directly precedes a `}` or `]` (whitespace
/// between allowed), outside strings. The eCom quick start's own curl
/// examples carry such trailing commas and the real API accepts them, so
/// eCom bodies are read through this before parsing. Other bytes, and
/// anything inside a string, are kept as they are.
pub fn without_trailing_commas(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in raw.iter().enumerate() {
        let drop = if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            false
        } else {
            if b == b'"' {
                in_string = true;
            }
            b == b','
                && matches!(
                    raw[i + 1..].iter().find(|c| !c.is_ascii_whitespace()),
                    Some(b'}' | b']')
                )
        };
        match (&mut out, drop) {
            (Some(o), false) => o.push(b),
            (None, true) => out = Some(raw[..i].to_vec()),
            _ => {}
        }
    }
    out.map_or(std::borrow::Cow::Borrowed(raw), std::borrow::Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::without_trailing_commas as strip;

    #[test]
    fn drops_commas_before_closing_brackets_only() {
        assert_eq!(
            &*strip(br#"{"a": 1, "b": [1, 2,],}"#),
            br#"{"a": 1, "b": [1, 2]}"#
        );
        assert_eq!(&*strip(b"{\"a\": 1,\n  }"), b"{\"a\": 1\n  }");
        assert_eq!(
            &*strip(br#"{"a": "x,}", "b": "q\",]"}"#),
            br#"{"a": "x,}", "b": "q\",]"}"#
        );
        assert!(matches!(
            strip(br#"{"a":1}"#),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
