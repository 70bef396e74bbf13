//! What every API shares and none owns: authentication and tokens, body
//! extraction, the idempotent and the version-checked update loops, the
//! request log and time-driven upkeep. Nothing here knows an API; each API
//! plugs in through [`problem::ApiError`], [`idempotency::KeyedApi`] and
//! [`versioned::Family`].

pub mod admin;
pub mod api_faults;
pub mod auth;
pub mod body;
pub mod capture;
pub mod idempotency;
pub mod merchant_time;
pub mod problem;
pub mod request_log;
pub mod strict_urls;
pub mod tokens;
pub mod upkeep;
pub mod versioned;
