//! ePayment API v1 (https://developer.vippsmobilepay.com/docs/APIs/epayment-api/).
//!
//! Create, capture, refund and cancel need an `Idempotency-Key`: the first
//! outcome (2xx or 4xx) is stored in the same commit as its effects and
//! replayed for the same key and body; another body with that key is a 409.
//! The state machine lives in [`vipps_domain::epayment`].

pub mod handlers;
pub mod on_ecom;
pub mod payer;
pub mod problem;
pub mod render;
pub mod request;
pub mod router;
pub mod service;

pub use router::router;
