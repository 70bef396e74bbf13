//! ePayment v1: the payment, its state machine, its amount rules and its
//! event log (docs/compatibility.md#epayment-v1). Every operation is a pure function from the
//! current payment and the sandbox time to the next payment and the events it
//! appends, or to an error from the catalogue in [`PaymentError`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{money::Money, payer, Millis, DAY, MINUTE};

/// How long the payer has to act on a normal payment: one 10-minute window
/// from creation, with no separate limit for the landing page
/// (docs/compatibility.md#payer-window).
pub const PAYER_WINDOW: Millis = 10 * MINUTE;
pub const CAPTURE_PERIOD: Millis = 180 * DAY;
pub const REFUND_PERIOD: Millis = 365 * DAY;
/// Long-living payments (`expiresAt`) must end in (10 min, 60 days).
pub const LONG_LIVING_MAX: Millis = 60 * DAY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Created,
    Authorized,
    Aborted,
    Expired,
    Terminated,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "CREATED",
            State::Authorized => "AUTHORIZED",
            State::Aborted => "ABORTED",
            State::Expired => "EXPIRED",
            State::Terminated => "TERMINATED",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventName {
    Created,
    Aborted,
    Expired,
    Cancelled,
    Captured,
    Refunded,
    Authorized,
    Terminated,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Created => "CREATED",
            EventName::Aborted => "ABORTED",
            EventName::Expired => "EXPIRED",
            EventName::Cancelled => "CANCELLED",
            EventName::Captured => "CAPTURED",
            EventName::Refunded => "REFUNDED",
            EventName::Authorized => "AUTHORIZED",
            EventName::Terminated => "TERMINATED",
        }
    }

    pub fn parse(s: &str) -> Option<EventName> {
        Some(match s {
            "CREATED" => EventName::Created,
            "ABORTED" => EventName::Aborted,
            "EXPIRED" => EventName::Expired,
            "CANCELLED" => EventName::Cancelled,
            "CAPTURED" => EventName::Captured,
            "REFUNDED" => EventName::Refunded,
            "AUTHORIZED" => EventName::Authorized,
            "TERMINATED" => EventName::Terminated,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MethodType {
    Wallet,
    Card,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserFlow {
    PushMessage,
    NativeRedirect,
    WebRedirect,
    Qr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QrFormat {
    TargetUrl,
    Svg,
    Png,
}

/// One entry of a payment's event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub name: EventName,
    pub amount: Money,
    pub timestamp: Millis,
    pub idempotency_key: Option<String>,
    pub success: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub msn: String,
    pub reference: String,
    pub psp_reference: String,
    pub amount: Money,
    pub state: State,
    pub authorized: i64,
    pub captured: i64,
    pub refunded: i64,
    pub cancelled: i64,
    pub method: MethodType,
    pub user_flow: UserFlow,
    pub return_url: Option<String>,
    pub description: Option<String>,
    /// The phone number the merchant gave in `customer`, if any.
    pub customer_phone: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub scope: Option<String>,
    pub qr_format: Option<QrFormat>,
    /// Requested PNG size in pixels, if any.
    #[serde(default)]
    pub qr_size: Option<i64>,
    /// Secret handed to the payer in the redirect URL; force approve may quote it.
    pub token: String,
    pub redirect_url: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub authorized_at: Option<Millis>,
    /// Set once a payer approved: who, the card's BIN and the payer's `sub`.
    pub payer_phone: Option<String>,
    pub card_bin: Option<String>,
    pub sub: Option<String>,
    /// The last decline a payer met, shown on the payer's page.
    pub decline_reason: Option<String>,
    /// The payer submitted a phone number on the landing page.
    #[serde(default)]
    pub phone_submitted: bool,
    /// The Checkout session this payment pays, when a shopper started it on
    /// the hosted checkout: it follows the payment's state from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout: Option<Box<crate::checkout::Session>>,
    /// The receipt sent with create (Order Management's model), which is
    /// the order's receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<crate::receipt::Receipt>,
}

/// The outcome of an operation: the payment after it and the events appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub payment: Payment,
    pub events: Vec<PaymentEvent>,
    /// The payment's Checkout session ended with this change, so its
    /// merchant's callback is owed.
    pub session_ended: bool,
}

/// A positive modification amount in the payment's currency.
fn modification_amount(p: &Payment, amount: Money) -> Result<i64, PaymentError> {
    if amount.currency != p.amount.currency {
        return Err(PaymentError::field(
            "Invalid currency",
            "modificationAmount.currency",
            format!(
                "The payment is in {}, not {}",
                p.amount.currency.as_str(),
                amount.currency.as_str()
            ),
        ));
    }
    if amount.value <= 0 {
        return Err(PaymentError::field(
            "Amount too small",
            "modificationAmount.value",
            "The amount must be greater than zero",
        ));
    }
    Ok(amount.value)
}

/// What a payer's approval led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    Approved(Transition),
    /// The payer's card was declined: the payment stays CREATED, a failed
    /// AUTHORIZED event is logged.
    Declined(Transition, &'static str),
}

impl Payment {
    fn event(
        &self,
        name: EventName,
        amount: Money,
        now: Millis,
        key: Option<&str>,
    ) -> PaymentEvent {
        PaymentEvent {
            name,
            amount,
            timestamp: now,
            idempotency_key: key.map(str::to_owned),
            success: true,
        }
    }

    fn money(&self, value: i64) -> Money {
        Money::new(value, self.amount.currency)
    }

    /// The transition to `next`; a Checkout session riding on the payment
    /// follows its new state.
    fn then(&self, mut next: Payment, event: PaymentEvent) -> Transition {
        let _ = self;
        let mut session_ended = false;
        if let Some(session) = next.checkout.as_deref() {
            if let Some(t) = session.follow_payment(next.state, event.timestamp) {
                session_ended = t.callback_due;
                next.checkout = Some(Box::new(t.session));
            }
        }
        Transition {
            payment: next,
            events: vec![event],
            session_ended,
        }
    }

    /// A payment whose payer never acted is EXPIRED once its window is over.
    /// The store persists this transition before any other operation.
    pub fn expire_if_due(&self, now: Millis) -> Option<Transition> {
        if self.state != State::Created || now < self.expires_at {
            return None;
        }
        let mut next = self.clone();
        next.state = State::Expired;
        Some(self.then(next, self.event(EventName::Expired, self.amount, now, None)))
    }

    fn require_open(&self, now: Millis) -> Result<(), PaymentError> {
        match self.state {
            State::Created if now < self.expires_at => Ok(()),
            State::Created | State::Expired => Err(PaymentError::bad(
                "Approve failed",
                "The payment has expired",
            )),
            State::Authorized => Err(PaymentError::conflict(
                "Payment is already reserved",
                "The payment has already been approved",
            )),
            _ => Err(PaymentError::bad(
                "Approve failed",
                format!("The payment is {}", self.state.as_str()),
            )),
        }
    }

    /// The payer approves with the given phone number (an MSISDN).
    pub fn approve(&self, phone: &str, now: Millis) -> Result<Approval, PaymentError> {
        self.require_open(now)?;
        let who = payer::payer(phone);
        let mut next = self.clone();
        next.payer_phone = Some(phone.to_owned());
        if let payer::Outcome::Declines(reason) = who.outcome {
            next.decline_reason = Some(reason.to_owned());
            let mut event = self.event(EventName::Authorized, self.amount, now, None);
            event.success = false;
            return Ok(Approval::Declined(self.then(next, event), reason));
        }
        next.state = State::Authorized;
        next.authorized = self.amount.value;
        next.authorized_at = Some(now);
        next.card_bin = Some(who.card_bin.to_owned());
        next.decline_reason = None;
        if self.scope.is_some() {
            next.sub = Some(payer::subject(phone));
        }
        Ok(Approval::Approved(self.then(
            next,
            self.event(EventName::Authorized, self.amount, now, None),
        )))
    }

    /// The payer submitted a phone number on the landing page; `None` when
    /// that was already known. No event: nothing the merchant sees changes.
    pub fn submit_phone(&self, now: Millis) -> Result<Option<Transition>, PaymentError> {
        self.require_open(now)?;
        if self.phone_submitted {
            return Ok(None);
        }
        let mut next = self.clone();
        next.phone_submitted = true;
        Ok(Some(Transition {
            payment: next,
            events: Vec::new(),
            session_ended: false,
        }))
    }

    /// Going back to the landing page after submitting the phone number
    /// cancels the payment, as the real landing page does (docs/compatibility.md#payer-pages).
    pub fn back_to_landing(&self, now: Millis) -> Option<Transition> {
        (self.phone_submitted && self.state == State::Created && now < self.expires_at)
            .then(|| self.reject(now).ok())
            .flatten()
    }

    /// The payer presses "Reject" (or leaves the landing page): ABORTED.
    pub fn reject(&self, now: Millis) -> Result<Transition, PaymentError> {
        self.require_open(now)?;
        let mut next = self.clone();
        next.state = State::Aborted;
        Ok(self.then(next, self.event(EventName::Aborted, self.amount, now, None)))
    }

    fn within(&self, period: Millis, now: Millis, title: &'static str) -> Result<(), PaymentError> {
        match self.authorized_at {
            Some(at) if now - at > period => Err(PaymentError::bad(
                title,
                "The payment is too old for this operation",
            )),
            _ => Ok(()),
        }
    }

    pub fn capture(
        &self,
        amount: Money,
        key: &str,
        now: Millis,
    ) -> Result<Transition, PaymentError> {
        let value = modification_amount(self, amount)?;
        match self.state {
            State::Authorized => {}
            State::Created => {
                return Err(PaymentError::bad(
                    "Cannot capture before reservation",
                    "The payment has not been authorized",
                ))
            }
            _ => {
                return Err(PaymentError::bad(
                    "Payment cannot be captured",
                    format!("The payment is {}", self.state.as_str()),
                ))
            }
        }
        self.within(CAPTURE_PERIOD, now, "Capture period expired")?;
        let capturable = self.authorized - self.captured - self.cancelled;
        if capturable == 0 && self.cancelled > 0 {
            return Err(PaymentError::bad(
                "Cannot capture a cancelled payment",
                "The uncaptured amount was cancelled",
            ));
        }
        if value > capturable {
            return Err(PaymentError::field(
                "Capture amount too high",
                "modificationAmount.value",
                format!("At most {} can be captured", self.money(capturable)),
            ));
        }
        let mut next = self.clone();
        next.captured += value;
        Ok(self.then(
            next,
            self.event(EventName::Captured, self.money(value), now, Some(key)),
        ))
    }

    pub fn refund(
        &self,
        amount: Money,
        key: &str,
        now: Millis,
    ) -> Result<Transition, PaymentError> {
        let value = modification_amount(self, amount)?;
        match self.state {
            State::Authorized => {}
            State::Created => {
                return Err(PaymentError::bad(
                    "Attempted refund before reservation",
                    "The payment has not been authorized",
                ))
            }
            _ => {
                return Err(PaymentError::bad(
                    "Payment cannot be refunded",
                    format!("The payment is {}", self.state.as_str()),
                ))
            }
        }
        self.within(REFUND_PERIOD, now, "Refund period expired")?;
        let refundable = self.captured - self.refunded;
        if refundable == 0 && self.captured > 0 {
            return Err(PaymentError::bad(
                "Payment already refunded",
                "Everything captured has been refunded",
            ));
        }
        if value > refundable {
            return Err(PaymentError::field(
                "Not enough refundable",
                "modificationAmount.value",
                format!("At most {} can be refunded", self.money(refundable)),
            ));
        }
        let mut next = self.clone();
        next.refunded += value;
        Ok(self.then(
            next,
            self.event(EventName::Refunded, self.money(value), now, Some(key)),
        ))
    }

    /// Cancels what is not captured. `None` means nothing changed and the
    /// current state is the answer (repeated cancel, or `cancelTransactionOnly`
    /// on an authorized payment).
    pub fn cancel(
        &self,
        transaction_only: bool,
        key: &str,
        now: Millis,
    ) -> Result<Option<Transition>, PaymentError> {
        match self.state {
            State::Created => {
                let mut next = self.clone();
                next.state = State::Terminated;
                next.cancelled = self.amount.value;
                Ok(Some(self.then(
                    next,
                    self.event(EventName::Terminated, self.amount, now, Some(key)),
                )))
            }
            State::Terminated => Ok(None),
            State::Aborted | State::Expired => Err(PaymentError::bad(
                "Payment cannot be cancelled",
                format!("The payment is {}", self.state.as_str()),
            )),
            State::Authorized if transaction_only => Ok(None),
            State::Authorized => {
                let rest = self.authorized - self.captured - self.cancelled;
                if rest == 0 && self.cancelled > 0 {
                    return Ok(None);
                }
                if rest == 0 {
                    return Err(PaymentError::bad(
                        "Cannot cancel a captured payment",
                        "The whole amount has been captured",
                    ));
                }
                self.within(CAPTURE_PERIOD, now, "Cancel period expired")?;
                let mut next = self.clone();
                next.cancelled += rest;
                Ok(Some(self.then(
                    next,
                    self.event(EventName::Cancelled, self.money(rest), now, Some(key)),
                )))
            }
        }
    }
}

mod create;
mod error;
#[cfg(test)]
mod tests;

pub use create::{validate_amount, NewPayment};
pub use error::{ErrorKind, PaymentError};
