//! The delivery engine: every outgoing call the platform makes goes through
//! here. Calls that report a change (webhooks, callbacks) leave the outbox:
//! [`worker`] claims due rows, sends them and records each attempt; calls
//! someone waits for (shipping details, consent removal) are made at once by
//! [`Deliverer::call_now`] and recorded the same way. [`signing`] and
//! [`schedule`] are pure; [`http`] is the one way an exchange is made.

pub mod guard;
pub mod http;
pub mod schedule;
pub mod signing;
pub mod worker;

pub use worker::{Call, Deliverer, DeliveryConfig};
