//! Pure domain logic of the sandbox: money, identifiers, the payment state
//! machines and the error catalogue. Nothing here does I/O or reads the wall
//! clock; time is always passed in as Unix milliseconds from the sandbox clock.

pub mod api_faults;
pub mod checklist;
pub mod checkout;
pub mod ecom;
pub mod epayment;
pub mod ids;
pub mod money;
pub mod order_management;
pub mod payer;
pub mod psp;
pub mod receipt;
pub mod time_fmt;
pub mod urls;

pub use ids::{Msn, Reference};
pub use money::{Currency, Money};

/// Milliseconds since the Unix epoch, as read from the sandbox clock.
pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

/// What the shared update loop needs of a payment of any family: whether
/// its payer's time ran out, and the payment a change leaves.
pub trait Lifecycle: Sized {
    /// A change of the payment, with whatever it owes others.
    type Transition;

    /// When the payer's time is up at `now`: the transition that ends it.
    fn expire_if_due(&self, now: Millis) -> Option<Self::Transition>;

    /// The payment after `t`.
    fn after(t: Self::Transition) -> Self;

    /// Ends the payer's window at `now` at the latest (the console's
    /// "expire now"); the expiry itself is then [`Lifecycle::expire_if_due`]'s.
    fn close_window(&mut self, now: Millis);
}

impl Lifecycle for epayment::Payment {
    type Transition = epayment::Transition;

    fn expire_if_due(&self, now: Millis) -> Option<epayment::Transition> {
        epayment::Payment::expire_if_due(self, now)
    }

    fn after(t: epayment::Transition) -> Self {
        t.payment
    }

    fn close_window(&mut self, now: Millis) {
        self.expires_at = self.expires_at.min(now);
    }
}

impl Lifecycle for ecom::Payment {
    type Transition = ecom::Transition;

    fn expire_if_due(&self, now: Millis) -> Option<ecom::Transition> {
        ecom::Payment::expire_if_due(self, now)
    }

    fn after(t: ecom::Transition) -> Self {
        t.payment
    }

    fn close_window(&mut self, now: Millis) {
        self.expires_at = self.expires_at.min(now);
    }
}

impl Lifecycle for psp::Payment {
    type Transition = psp::Transition;

    fn expire_if_due(&self, now: Millis) -> Option<psp::Transition> {
        psp::Payment::expire_if_due(self, now)
    }

    fn after(t: psp::Transition) -> Self {
        t.payment
    }

    fn close_window(&mut self, now: Millis) {
        self.expires_at = self.expires_at.min(now);
    }
}
