//! The sandbox's own API, `/sandbox/v1`: the operator's console of a local
//! test platform (clock, request log, deliveries, faults, unit settings).
//! Unauthenticated on purpose; see docs/compatibility.md#sandbox-api.

pub mod faults;
pub mod handlers;
pub mod router;

pub use router::router;
