//! The sandbox console's routes under `/sandbox/v1`.

use axum::{
    routing::{get, post},
    Router,
};

use super::handlers::{
    advance, create_merchant, deliveries, ecom_reject, ecom_remove_consent, ecom_settings,
    forget_merchant_data, get_clock, get_faults, psp_flags, psp_settings, requests, retry,
    set_faults,
};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sandbox/v1/clock", get(get_clock))
        .route("/sandbox/v1/clock/advance", post(advance))
        .route("/sandbox/v1/requests", get(requests))
        .route("/sandbox/v1/deliveries", get(deliveries))
        .route("/sandbox/v1/deliveries/{id}/retry", post(retry))
        .route(
            "/sandbox/v1/merchants/{msn}/delivery-faults",
            get(get_faults).post(set_faults),
        )
        .route("/sandbox/v1/merchants", post(create_merchant))
        .route(
            "/sandbox/v1/merchants/{msn}/data",
            axum::routing::delete(forget_merchant_data),
        )
        .route("/sandbox/v1/merchants/{msn}/settings", post(ecom_settings))
        .route(
            "/sandbox/v1/merchants/{msn}/clock",
            get(super::handlers::get_merchant_clock),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/clock/advance",
            post(super::handlers::advance_merchant),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/api-faults",
            get(super::faults::list)
                .post(super::faults::add)
                .delete(super::faults::remove_all),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/api-faults/{id}",
            axum::routing::delete(super::faults::remove),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/rate-limits",
            get(super::faults::rate_limits).post(super::faults::set_rate_limits),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/checklist",
            get(super::handlers::merchant_checklist),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/ecom/{order_id}/reject",
            post(ecom_reject),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/ecom/{order_id}/remove-consent",
            post(ecom_remove_consent),
        )
        .route("/sandbox/v1/psps/{psp_id}/settings", post(psp_settings))
        .route("/sandbox/v1/psps/{psp_id}/flags", get(psp_flags))
}
