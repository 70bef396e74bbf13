//! A merchant's webhook endpoint: a real axum server on 127.0.0.1:0 that
//! keeps what it receives and answers with a status the test can change.

use std::{
    sync::{
        atomic::{AtomicU16, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{OriginalUri, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{any, post},
    Router,
};

#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

#[derive(Clone, Default)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    /// Milliseconds to wait before answering.
    delay_ms: Arc<AtomicU64>,
    /// Bodies containing this text get a 500 whatever `status` says.
    fail_containing: Arc<Mutex<Option<String>>>,
    /// Bytes of padding in each answer (to test the response cap).
    answer_bytes: Arc<AtomicU64>,
    /// A JSON body to answer with instead of padding (e.g. shipping details).
    answer_json: Arc<Mutex<Option<String>>>,
}

pub struct Receiver {
    pub url: String,
    /// `http://127.0.0.1:PORT`: every path under it is received too.
    pub base: String,
    shared: Shared,
}

async fn receive(
    State(s): State<Shared>,
    method: axum::http::Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fail = s
        .fail_containing
        .lock()
        .unwrap()
        .clone()
        .is_some_and(|t| String::from_utf8_lossy(&body).contains(&t));
    s.received.lock().unwrap().push(Received {
        method: method.to_string(),
        path_and_query: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers,
        body,
    });
    let delay = s.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = if fail {
        500
    } else {
        s.status.load(Ordering::SeqCst)
    };
    let status = StatusCode::from_u16(status).unwrap();
    let padding = "x".repeat(s.answer_bytes.load(Ordering::SeqCst) as usize);
    if status.is_redirection() {
        return (status, [("Location", "/elsewhere")], padding).into_response();
    }
    if let Some(body) = s.answer_json.lock().unwrap().clone() {
        return (status, [("Content-Type", "application/json")], body).into_response();
    }
    (status, padding).into_response()
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Shared::default();
        shared.status.store(200, Ordering::SeqCst);
        let app = Router::new()
            .route("/hooks", post(receive))
            .route("/elsewhere", post(receive))
            .route("/{*rest}", any(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let url = format!("{base}/hooks?shop=1");
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, base, shared }
    }

    pub fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// Answers every request with this JSON body (and the current status).
    pub fn answer_json(&self, body: &serde_json::Value) {
        *self.shared.answer_json.lock().unwrap() = Some(body.to_string());
    }

    /// Answers with this raw text as JSON (to test malformed answers).
    pub fn answer_raw(&self, body: &str) {
        *self.shared.answer_json.lock().unwrap() = Some(body.to_owned());
    }

    pub fn delay(&self, ms: u64) {
        self.shared.delay_ms.store(ms, Ordering::SeqCst);
    }

    pub fn fail_bodies_containing(&self, text: &str) {
        *self.shared.fail_containing.lock().unwrap() = Some(text.to_owned());
    }

    pub fn stop_failing(&self) {
        *self.shared.fail_containing.lock().unwrap() = None;
    }

    pub fn pad_answers(&self, bytes: u64) {
        self.shared.answer_bytes.store(bytes, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        crate::common::eventually(&format!("{n} webhook requests"), || async {
            let got = self.received();
            (got.len() >= n).then_some(got)
        })
        .await
    }
}

/// Verifies a delivery's signature from the documented algorithm, written
/// here independently of the server's signer.
pub fn verify_signature(r: &Received, secret: &str) -> Result<(), String> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    let hash = STANDARD.encode(Sha256::digest(&r.body));
    if r.header("x-ms-content-sha256") != hash {
        return Err("content hash does not match the body".into());
    }
    let date = r.header("x-ms-date");
    if date.is_empty() || !date.ends_with(" GMT") {
        return Err(format!("bad x-ms-date {date:?}"));
    }
    let host = r.header("host");
    let signed = format!("POST\n{}\n{};{};{}", r.path_and_query, date, host, hash);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    let expected = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
        STANDARD.encode(mac.finalize().into_bytes())
    );
    if r.header("authorization") != expected {
        return Err(format!(
            "signature mismatch: {:?}",
            r.header("authorization")
        ));
    }
    Ok(())
}
