//! Pure domain logic of the sandbox: money, identifiers, the payment state
//! machines and the error catalogue. Nothing here does I/O or reads the wall
//! clock; time is always passed in as Unix milliseconds from the sandbox clock.

pub mod ecom;
pub mod epayment;
pub mod ids;
pub mod money;
pub mod payer;
pub mod time_fmt;

pub use ids::{Msn, Reference};
pub use money::{Currency, Money};

/// Milliseconds since the Unix epoch, as read from the sandbox clock.
pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;
