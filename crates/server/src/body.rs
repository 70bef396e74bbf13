//! Reading JSON bodies so that every failure is a 4xx in the API's own
//! format: the raw bytes are kept (they are the idempotency fingerprint) and
//! parse errors name the field that failed.

use axum::{body::Bytes, extract::rejection::BytesRejection};
use serde::de::DeserializeOwned;

use crate::problem::ApiProblem;

/// The body bytes, or 413 when over the limit.
pub fn bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiProblem> {
    body.map_err(|e| {
        let status = e.status().as_u16();
        if status == 413 {
            ApiProblem::new(
                413,
                "Request too large",
                "The request body must not exceed 1 MiB",
            )
        } else {
            ApiProblem::new(400, "Invalid request", e.body_text())
        }
    })
}

/// Parses a required JSON body.
pub fn json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiProblem> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiProblem::new(
            400,
            "Missing required parameter",
            "The request body is missing",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(raw);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let title = if inner.is_syntax() || inner.is_eof() {
            "Invalid JSON"
        } else {
            "Invalid request"
        };
        let mut p = ApiProblem::new(400, title, format!("{inner}"));
        if path != "." {
            p.field = Some(path);
        }
        p
    })
}

/// Parses an optional body: bodiless POSTs (0 bytes, whatever the
/// Content-Type) mean the default.
pub fn json_or_default<T: DeserializeOwned + Default>(raw: &[u8]) -> Result<T, ApiProblem> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json(raw)
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
