//! eCom API v2, regular and express checkout
//! (https://developer.vippsmobilepay.com/docs/APIs/ecom-api/). Errors are
//! the documented JSON array; the state and its rules live in
//! [`vipps_domain::ecom`].

pub mod handlers;
pub mod payer;
pub mod problem;
pub mod render;
pub mod request;
pub mod router;
pub mod service;

pub use router::router;
