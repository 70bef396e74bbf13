//! Order Management API (https://developer.vippsmobilepay.com/docs/APIs/order-management-api/):
//! images, categories and receipts a merchant attaches to its orders. Its
//! receipt model is also what ePayment's `receipt` and Checkout's
//! `orderSummary` carry, so those APIs read receipts through [`request`]
//! and store them as the order's receipt through [`service`].

pub mod handlers;
pub mod payer;
pub mod problem;
pub mod render;
pub mod request;
pub mod router;
pub mod service;

pub use router::router;
