//! One HTTP exchange with a merchant's endpoint, as every outgoing call
//! makes it: redirects are not followed, the whole exchange (connect, send,
//! read) is bounded by a timeout, and at most `cap` bytes of the answer are
//! read — a receiver that hangs or streams megabytes costs no more than that.

use std::time::{Duration, Instant};

/// What one exchange came to.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The HTTP status, or 0 when no answer came.
    pub status: u16,
    /// `None` on a 2xx; else timeout, connect, request, redirect or status.
    pub error_kind: Option<&'static str>,
    /// The transport error, when there was one.
    pub error: Option<String>,
    /// The start of the answer's body.
    pub body: Vec<u8>,
    pub latency_ms: i64,
}

impl Exchange {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn exchange(req: reqwest::RequestBuilder, timeout: Duration, cap: usize) -> Exchange {
    let started = Instant::now();
    let outcome = tokio::time::timeout(timeout, async {
        let mut resp = req.send().await?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() >= cap {
                body.truncate(cap);
                break;
            }
        }
        Ok::<_, reqwest::Error>((status, body))
    })
    .await;
    let latency_ms = started.elapsed().as_millis() as i64;
    let failed = |kind, error| Exchange {
        status: 0,
        error_kind: Some(kind),
        error,
        body: Vec::new(),
        latency_ms,
    };
    match outcome {
        Err(_) => failed("timeout", None),
        Ok(Err(e)) => {
            let kind = if e.is_connect() {
                "connect"
            } else if e.is_timeout() {
                "timeout"
            } else {
                "request"
            };
            failed(kind, Some(with_causes(&e)))
        }
        Ok(Ok((status, body))) => Exchange {
            status,
            error_kind: match status {
                200..=299 => None,
                300..=399 => Some("redirect"),
                _ => Some("status"),
            },
            error: None,
            body,
            latency_ms,
        },
    }
}

/// An error and its causes on one line: reqwest's own message names only the
/// URL, the reason (refused address, connection refused, …) is in a source.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
