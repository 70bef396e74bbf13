//! The ePayment API's routes (https://developer.vippsmobilepay.com/api/epayment/).

use axum::{
    routing::{get, post},
    Router,
};

use super::handlers::{cancel, capture_or_refund, create, force_approve, get_events, get_payment};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/epayment/v1/payments", post(create))
        .route("/epayment/v1/payments/{reference}", get(get_payment))
        .route("/epayment/v1/payments/{reference}/events", get(get_events))
        .route(
            "/epayment/v1/payments/{reference}/capture",
            post(capture_or_refund::<false>),
        )
        .route(
            "/epayment/v1/payments/{reference}/refund",
            post(capture_or_refund::<true>),
        )
        .route("/epayment/v1/payments/{reference}/cancel", post(cancel))
        .route(
            "/epayment/v1/payments/{reference}/approve",
            post(force_approve),
        )
        .route(
            "/epayment/v1/test/payments/{reference}/approve",
            post(force_approve),
        )
}
