//! `GET /health`: 200 while the database answers.

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
    Router::new().route("/health", get(health))
}
