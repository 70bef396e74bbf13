//! Checkout API v3 (https://developer.vippsmobilepay.com/docs/APIs/checkout-api/):
//! sessions created with client credentials instead of a token, polled by
//! reference, paid through an ePayment payment with the same reference.

pub mod handlers;
pub mod payer;
pub mod problem;
pub mod render;
pub mod request;
pub mod router;
pub mod service;

/// The API's routes and the hosted checkout page.
pub fn router() -> axum::Router<crate::AppState> {
    router::router().merge(payer::router())
}
