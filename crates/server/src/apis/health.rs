//! `GET /health`: 200 while the database answers; `GET /metrics`: the
//! Prometheus text format (see [`crate::metrics`]). Neither is an API call
//! the request log records, and neither needs the operator's token.

use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use serde_json::json;

use crate::AppState;

async fn health(State(st): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    if st.db.ping().await {
        (StatusCode::OK, Json(json!({"status": "ok"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "database unreachable"})),
        )
    }
}

pub fn router() -> Router<AppState> {
    // Installs the process's recorder before the first request is counted.
    crate::metrics::handle();
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(crate::metrics::render))
}
