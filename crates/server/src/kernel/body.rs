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
    if let Some(path) = nul_text(&raw) {
        return Err(P::invalid_body(
            path,
            false,
            "text must not contain the NUL character (\\u0000)".to_owned(),
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(&raw);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let broken = inner.is_syntax() || inner.is_eof();
        P::invalid_body((path != ".").then_some(path), broken, inner.to_string())
    })
}

/// Where a body's JSON holds a string (a value or a key) with a NUL
/// character: `Some(path)`, the path `None` for a top-level string. No
/// stored text may hold one (PostgreSQL refuses it), so such a body is
/// refused before anything is decided. Only a body whose bytes contain the
/// escape `\u0000` is looked into, so others cost one scan.
fn nul_text(raw: &[u8]) -> Option<Option<String>> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !raw.windows(ESCAPE.len()).any(|w| w == ESCAPE) {
        return None;
    }
    // Broken JSON is reported by the real parse.
    let doc: serde_json::Value = serde_json::from_slice(raw).ok()?;
    find_nul(&doc, None)
}

fn find_nul(v: &serde_json::Value, path: Option<String>) -> Option<Option<String>> {
    let join = |key: &str| match &path {
        Some(p) => format!("{p}.{key}"),
        None => key.to_owned(),
    };
    match v {
        serde_json::Value::String(s) if s.contains('\0') => Some(path),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let at = match &path {
                Some(p) => format!("{p}[{i}]"),
                None => format!("[{i}]"),
            };
            find_nul(item, Some(at))
        }),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, value)| {
            if key.contains('\0') {
                return Some(Some(join(&key.replace('\0', "\\u0000"))));
            }
            find_nul(value, Some(join(key)))
        }),
        _ => None,
    }
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
    use super::{nul_text, without_trailing_commas as strip};

    #[test]
    fn nul_characters_are_found_with_their_path() {
        let at = |raw: &str| nul_text(raw.as_bytes());
        assert_eq!(at(r#"{"a": "x"}"#), None);
        // An escaped backslash before "u0000" is text, not a NUL.
        assert_eq!(at(r#"{"a": "\\u0000"}"#), None);
        assert_eq!(at(r#"{"a": {"b": "x\u0000y"}}"#), Some(Some("a.b".into())));
        assert_eq!(at(r#"{"a": [1, "\u0000"]}"#), Some(Some("a[1]".into())));
        assert_eq!(at(r#""\u0000""#), Some(None));
        assert_eq!(at(r#"{"k\u0000": 1}"#), Some(Some("k\\u0000".into())));
    }

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
