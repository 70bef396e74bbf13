//! The eCom API's routes (https://developer.vippsmobilepay.com/api/ecom/).

use axum::{
    routing::{get, post, put},
    Router,
};

use super::handlers::{details, force_approve, initiate, operate, status, CANCEL, CAPTURE, REFUND};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ecomm/v2/payments", post(initiate))
        .route("/ecomm/v2/payments/{order_id}/details", get(details))
        .route("/ecomm/v2/payments/{order_id}/status", get(status))
        .route(
            "/ecomm/v2/payments/{order_id}/capture",
            post(operate::<CAPTURE>),
        )
        .route(
            "/ecomm/v2/payments/{order_id}/refund",
            post(operate::<REFUND>),
        )
        .route(
            "/ecomm/v2/payments/{order_id}/cancel",
            put(operate::<CANCEL>),
        )
        .route(
            "/ecomm/v2/integration-test/payments/{order_id}/approve",
            post(force_approve),
        )
}
