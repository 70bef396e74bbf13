//! One router module per API.

pub mod accesstoken;
pub mod epayment;
pub mod health;
pub mod sandbox;
pub mod webhooks;
