//! The listener's bounds (docs/reliability.md#bounded-connections): idle and
//! slow connections are closed after the header deadline, and at the
//! connection cap `/health` still answers while other requests get a 503.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use vipps_server::{listener::ConnectionLimits, Config};

use crate::common::{eventually, TestApp};

async fn spawn_with_limits(max_connections: usize, header_timeout: Duration) -> TestApp {
    TestApp::spawn_with(Config {
        connections: ConnectionLimits {
            max_connections,
            header_timeout,
        },
        ..Default::default()
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection; fails if it hasn't within
/// `limit`. Returns what was read.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> String {
    let mut seen = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut seen))
        .await
        .expect("the server kept the connection open past its deadline")
        .ok();
    String::from_utf8_lossy(&seen).into_owned()
}

/// One request on a fresh connection that asks to be closed; the raw answer.
async fn one_request(app: &TestApp, path: &str) -> String {
    let mut stream = connect(app).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_until_closed(&mut stream, Duration::from_secs(10)).await
}

#[tokio::test]
async fn idle_and_slow_header_connections_are_closed_after_the_header_deadline() {
    let app = spawn_with_limits(64, Duration::from_millis(500)).await;

    let mut silent = connect(&app).await;
    read_until_closed(&mut silent, Duration::from_secs(5)).await;

    let mut slow = connect(&app).await;
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: sand")
        .await
        .unwrap();
    let answer = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(!answer.contains("200 OK"), "{answer}");

    let mut kept_alive = connect(&app).await;
    kept_alive
        .write_all(b"GET /health HTTP/1.1\r\nHost: sandbox\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut kept_alive, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn at_the_connection_cap_health_answers_and_other_requests_get_503() {
    let app = spawn_with_limits(4, Duration::from_secs(60)).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect(&app).await);
    }
    // Connections are accepted in the order they were made, so the four
    // held ones have the regular slots by the time these are accepted.
    let health = one_request(&app, "/health").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#"{"status":"ok"}"#), "{health}");

    let refused = one_request(&app, "/epayment/v1/payments/order-at-cap").await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    assert!(refused.contains(r#""statusCode":503"#), "{refused}");

    drop(held);
    eventually("a regular slot freed by the closed connections", || async {
        let page = one_request(&app, "/").await;
        page.starts_with("HTTP/1.1 200").then_some(())
    })
    .await;
}
