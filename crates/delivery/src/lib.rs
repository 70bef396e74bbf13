//! The delivery engine: every outgoing call the platform makes leaves the
//! outbox through here. [`signing`] and [`schedule`] are pure; [`worker`]
//! claims due rows, sends them and records each attempt.

pub mod schedule;
pub mod signing;
pub mod worker;

pub use worker::{Deliverer, DeliveryConfig};
