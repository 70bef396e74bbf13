//! One router module per API.

pub mod accesstoken;
pub mod ecom;
pub mod epayment;
pub mod health;
pub mod sandbox;
pub mod sandbox_merchant;
pub mod webhooks;
