//! The HTTP server: one router module per API under [`api`], the payer's
//! pages under [`web`], and the middleware every request passes through.

pub mod api;
pub mod app;
pub mod auth;
pub mod body;
pub mod epayment_ecom;
pub mod expiry;
pub mod problem;
pub mod request_log;
pub mod service;
pub mod service_ecom;
pub mod tokens;
pub mod versioned;
pub mod web;

pub use app::{build_router, AppState, Config};
