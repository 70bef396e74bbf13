//! The HTTP server: one folder per API under [`apis`], what they share in
//! [`kernel`], the payer's pages under [`web`].

pub mod apis;
pub mod app;
pub mod kernel;
pub mod listener;
pub mod logging;
pub mod metrics;
pub mod web;

pub use app::{build_router, AppState, Config};
