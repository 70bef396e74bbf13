//! `GET /metrics`: counters and histograms in the Prometheus text format.
//!
//! The code records through the `metrics` facade (the request log, the
//! delivery worker, the store's writer); one Prometheus recorder is
//! installed per process, the first time a router is built, and every
//! server of the process renders from it. The outbox backlog is counted in
//! the database when the page is read.

use std::{sync::OnceLock, time::Duration};

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

pub const HTTP_REQUESTS: &str = "vipps_sandbox_http_requests_total";
pub const HTTP_DURATION: &str = "vipps_sandbox_http_request_duration_seconds";
pub const DELIVERY_ATTEMPTS: &str = "vipps_sandbox_delivery_attempts_total";
pub const OUTBOX_BACKLOG: &str = "vipps_sandbox_outbox_backlog";
pub const WRITER_BATCH_SIZE: &str = "vipps_sandbox_writer_batch_size";

/// The media type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Seconds: API calls here take from well under a millisecond to a few
/// seconds (a callback the payer waits for).
const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Write sets per committed batch, up to the writer's cap of 1024.
const BATCH_BUCKETS: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

/// How often recorded histogram samples are folded into their buckets
/// (rendering does it too): this bounds their memory when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(install)
}

fn install() -> PrometheusHandle {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), DURATION_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(WRITER_BATCH_SIZE.into()), BATCH_BUCKETS)
        })
        .expect("non-empty buckets")
        .build_recorder();
    let handle = recorder.handle();
    if let Err(e) = metrics::set_global_recorder(recorder) {
        tracing::warn!(error = %e, "another metrics recorder is installed: /metrics stays empty");
    }
    metrics::describe_counter!(HTTP_REQUESTS, "API requests by API and HTTP status.");
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time to answer an API request, by API."
    );
    metrics::describe_counter!(
        DELIVERY_ATTEMPTS,
        "Outgoing webhook and callback attempts by kind and outcome."
    );
    metrics::describe_gauge!(OUTBOX_BACKLOG, "Deliveries waiting to be sent.");
    metrics::describe_histogram!(
        WRITER_BATCH_SIZE,
        "Write sets committed per database transaction."
    );
    // Shown from the start, before the first batch.
    let _ = metrics::histogram!(WRITER_BATCH_SIZE);
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            upkeep.run_upkeep();
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "metrics upkeep thread not started");
    }
    handle
}

/// The `api` label of a request log prefix (`/epayment/` → `epayment`):
/// one value per API, never a path.
pub fn api_label(prefix: &'static str) -> &'static str {
    match prefix.trim_matches('/') {
        "accessToken" => "accesstoken",
        api => api,
    }
}

/// Counts one API request and its duration.
pub fn record_request(api: &'static str, status: u16, seconds: f64) {
    metrics::counter!(HTTP_REQUESTS, "api" => api, "status" => status.to_string()).increment(1);
    metrics::histogram!(HTTP_DURATION, "api" => api).record(seconds);
}

/// `GET /metrics`.
pub async fn render(State(st): State<AppState>) -> Response {
    let handle = handle();
    match st.db.pending_deliveries().await {
        Ok(n) => metrics::gauge!(OUTBOX_BACKLOG).set(n as f64),
        Err(e) => tracing::warn!(error = %e, "counting the outbox backlog failed"),
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], handle.render()).into_response()
}
