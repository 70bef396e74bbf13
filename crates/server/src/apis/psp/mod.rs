//! PSP API v3 (https://developer.vippsmobilepay.com/docs/APIs/psp-api/):
//! payments a payment service provider starts for the merchants it serves,
//! the makePayment calls to the PSP with a card network token, 3-D Secure
//! step-up, and the PSP's status reports.

pub mod handlers;
pub mod payer;
pub mod problem;
pub mod render;
pub mod request;
pub mod router;
pub mod service;

pub use router::router;
