//! Deliveries survive `kill -9` (docs/reliability.md#d1): a server process dies
//! while webhook deliveries are pending and in flight; after a restart on
//! the same database every one of them arrives (at least once).

use crate::common::BIN;
use std::{
    collections::HashSet,
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{body::Bytes, extract::State, http::StatusCode, routing::post, Router};
use serde_json::{json, Value};
use vipps_store::test_support::TestDatabase;

#[derive(Clone, Default)]
struct Hooks {
    bodies: Arc<Mutex<Vec<Value>>>,
    hang_ms: Arc<AtomicU64>,
}

async fn hook(State(h): State<Hooks>, body: Bytes) -> StatusCode {
    let hang = h.hang_ms.load(Ordering::SeqCst);
    if hang > 0 {
        tokio::time::sleep(Duration::from_millis(hang)).await;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    h.bodies
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    StatusCode::OK
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(db: &str) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    // Owned by the guard from here on, so a failed start is killed too.
    let mut server = Server(child, String::new());
    for line in out.lines() {
        if let Some(rest) = line.unwrap().strip_prefix("vipps-sandbox listening on ") {
            server.1 = rest.split(' ').next().unwrap().to_owned();
            return server;
        }
    }
    panic!("the server printed no address");
}

async fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn deliveries_pending_or_in_flight_at_kill_9_arrive_after_restart() {
    let database = TestDatabase::fresh().await;
    let db = database.url();
    let hooks = Hooks::default();
    hooks.hang_ms.store(30_000, Ordering::SeqCst);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(hooks.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let out = Command::new(BIN)
        .args([
            "merchant",
            "add",
            "--database-url",
            db,
            "--name",
            "Kill Shop",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let creds: Value = serde_json::from_slice(&out.stdout).unwrap();
    let server = start(db);
    let c = reqwest::Client::new();
    let token: Value = c
        .post(format!("{}/accesstoken/get", server.1))
        .header("client_id", creds["client_id"].as_str().unwrap())
        .header("client_secret", creds["client_secret"].as_str().unwrap())
        .header(
            "Ocp-Apim-Subscription-Key",
            creds["subscription_key"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call = |method: reqwest::Method, base: &str, path: &str| {
        c.request(method, format!("{base}{path}"))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .header(
                "Ocp-Apim-Subscription-Key",
                creds["subscription_key"].as_str().unwrap(),
            )
    };
    let r = call(reqwest::Method::POST, &server.1, "/webhooks/v1/webhooks")
        .json(&json!({"url": hook_url, "events": ["epayments.payment.created.v1", "epayments.payment.authorized.v1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let references: Vec<String> = (0..5).map(|i| format!("order-kill-{i:04}")).collect();
    for reference in &references {
        let r = call(reqwest::Method::POST, &server.1, "/epayment/v1/payments")
            .header("Idempotency-Key", reference.as_str())
            .json(&json!({
                "amount": {"currency": "NOK", "value": 1000},
                "paymentMethod": {"type": "WALLET"},
                "reference": reference,
                "userFlow": "WEB_REDIRECT",
                "returnUrl": "https://shop.example/return"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let r = call(
            reqwest::Method::POST,
            &server.1,
            &format!("/epayment/v1/test/payments/{reference}/approve"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
    }
    // The first events are in flight at the hanging receiver; the rest wait behind them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(server); // SIGKILL: no shutdown code runs.

    hooks.hang_ms.store(0, Ordering::SeqCst);
    let server = start(db);
    // In-flight rows are leased for a minute; jump past the lease on the sandbox clock.
    let r = c
        .post(format!("{}/sandbox/v1/clock/advance", server.1))
        .json(&json!({"seconds": 61}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let got = eventually("all ten events", || {
        let b = hooks.bodies.lock().unwrap();
        let set: HashSet<(String, String)> = b
            .iter()
            .map(|v| {
                (
                    v["reference"].as_str().unwrap().to_owned(),
                    v["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (set.len() == 10).then(|| b.clone())
    })
    .await;
    // Per payment, AUTHORIZED never arrives before CREATED.
    for reference in &references {
        let names: Vec<&str> = got
            .iter()
            .filter(|v| v["reference"] == reference.as_str())
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.first(), Some(&"CREATED"), "{reference}: {names:?}");
    }
}
