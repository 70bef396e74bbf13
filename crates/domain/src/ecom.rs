//! eCom API v2 (regular and express checkout): the payment, its operation
//! log and its amount rules (docs/compatibility.md#ecom-v2). As in the real API the state
//! *is* the log (`transactionLogHistory`); the counters next to it are a
//! cache of what the log adds up to. Every operation is a pure function of
//! the payment and the sandbox time; the callbacks an outcome owes the
//! merchant are returned as [`Notice`]s for the caller to put in the outbox.

mod errors;
mod express;
mod initiate;
mod merchant_ops;

use serde::{Deserialize, Serialize};

pub use errors::{Code, EcomError, Group, MerchantCode, PaymentCode, UserCode, VippsCode};
pub use express::{
    choose_shipping, cost_to_ore, default_address, user_details, Address, ShippingChoice,
    ShippingOption, UserDetails,
};
pub use initiate::{modification_text, msisdn, normalise_mobile, NewPayment, UnitSettings};
pub use merchant_ops::{MerchantOp, Modification, Refusal};

use crate::{payer, Millis, DAY, MINUTE};

/// How long the payer has to act: one 10-minute window from initiate, with
/// no separate limit for the landing page (docs/compatibility.md#payer-window).
pub const PAYER_WINDOW: Millis = 10 * MINUTE;
pub const CAPTURE_PERIOD: Millis = 180 * DAY;
pub const REFUND_PERIOD: Millis = 365 * DAY;
/// Smallest eCom amount: 1 NOK.
pub const MINIMUM_AMOUNT: i64 = 100;

pub const REGULAR: &str = "eComm Regular Payment";
pub const EXPRESS: &str = "eComm Express Payment";

/// The log operations of `/details` (docs/compatibility.md#ecom-v2-payment-states-and-log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Operation {
    Initiate,
    Reserve,
    Sale,
    Capture,
    Refund,
    Cancel,
    Void,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Initiate => "INITIATE",
            Operation::Reserve => "RESERVE",
            Operation::Sale => "SALE",
            Operation::Capture => "CAPTURE",
            Operation::Refund => "REFUND",
            Operation::Cancel => "CANCEL",
            Operation::Void => "VOID",
        }
    }
}

/// Where the payment stands; derived from the log, kept for queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    /// Waiting for the payer.
    Initiate,
    /// Reserved; captures may follow.
    Reserve,
    /// Reserved and captured in one step (direct-capture unit).
    Sale,
    /// Ended before a reservation: payer rejected, timed out, or merchant cancel.
    Cancel,
    /// The reservation (or its uncaptured rest) was released by the merchant.
    Void,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Initiate => "INITIATE",
            State::Reserve => "RESERVE",
            State::Sale => "SALE",
            State::Cancel => "CANCEL",
            State::Void => "VOID",
        }
    }
}

/// One entry of `transactionLogHistory`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub amount: i64,
    pub operation: Operation,
    pub success: bool,
    /// The merchant's `X-Request-Id`; empty for user events.
    pub request_id: String,
    pub timestamp: Millis,
    pub transaction_id: String,
    pub transaction_text: String,
}

/// The `transactionInfo.status` of a callback (docs/compatibility.md#ecom-v2-callbacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackStatus {
    /// A regular payment was reserved.
    Reserved,
    /// An express payment was reserved.
    Reserve,
    /// Reserved and captured at once (direct-capture unit).
    Sale,
    /// The payer rejected the payment.
    Cancelled,
    /// The payer window ran out.
    Rejected,
    /// A declining payer's reservation failed (named in the guide, not the spec's enum).
    ReserveFailed,
    /// A declining payer's direct-capture sale failed.
    SaleFailed,
}

impl CallbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStatus::Reserved => "RESERVED",
            CallbackStatus::Reserve => "RESERVE",
            CallbackStatus::Sale => "SALE",
            CallbackStatus::Cancelled => "CANCELLED",
            CallbackStatus::Rejected => "REJECTED",
            CallbackStatus::ReserveFailed => "RESERVE_FAILED",
            CallbackStatus::SaleFailed => "SALE_FAILED",
        }
    }
}

/// A callback the outcome owes the merchant (docs/compatibility.md#ecom-v2-callbacks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub status: CallbackStatus,
    pub amount: i64,
    pub timestamp: Millis,
    pub transaction_id: String,
    pub error: Option<EcomError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub msn: String,
    pub order_id: String,
    /// The ordered amount in øre, without shipping.
    pub amount: i64,
    pub transaction_text: String,
    pub callback_prefix: String,
    pub fallback: String,
    pub auth_token: Option<String>,
    pub is_app: bool,
    pub express: bool,
    pub consent_removal_prefix: Option<String>,
    pub shipping_details_prefix: Option<String>,
    pub static_shipping: Option<Vec<ShippingOption>>,
    /// The options the merchant's shippingDetails endpoint gave when the
    /// payer opened the payment; approval chooses among exactly these.
    #[serde(default)]
    pub offered_shipping: Option<Vec<ShippingOption>>,
    pub skip_landing_page: bool,
    /// The 8-digit number the merchant prefilled, normalised.
    pub mobile_number: Option<String>,
    pub scope: Option<String>,
    pub token: String,
    pub state: State,
    pub created_at: Millis,
    pub expires_at: Millis,
    /// INITIATE and RESERVE share `transaction_base`; later operations
    /// take `transaction_base + n`.
    pub transaction_base: u64,
    pub next_transaction: u64,
    pub reserved: i64,
    pub captured: i64,
    pub refunded: i64,
    pub released: i64,
    pub reserved_at: Option<Millis>,
    pub payer_phone: Option<String>,
    pub card_bin: Option<String>,
    pub shipping: Option<ShippingChoice>,
    pub user: Option<UserDetails>,
    pub sub: Option<String>,
    /// Oldest first; `/details` reverses it.
    pub log: Vec<LogEntry>,
}

/// An outcome: the payment after it and the callbacks to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub payment: Payment,
    pub notices: Vec<Notice>,
}

/// Joins a merchant prefix and a path: one trailing `/` of the prefix is
/// dropped (docs/compatibility.md#ecom-v2-callbacks), so `https://x/cb/` and `https://x/cb` agree.
pub fn join(prefix: &str, path: &str) -> String {
    format!("{}{path}", prefix.strip_suffix('/').unwrap_or(prefix))
}

/// Who ended a payment with a successful CANCEL entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelCause {
    /// The payer let the window run out: the entry is logged at or after
    /// `expires_at` (a payer reject or merchant cancel always comes before,
    /// since an expired payment is settled first).
    Timeout,
    /// The merchant cancelled: the entry carries a request id or a text of
    /// the merchant's own (payer rejects and timeouts carry the payment's
    /// `transactionText` and no request id).
    Merchant,
    /// The payer rejected it.
    Payer,
}

impl Payment {
    /// How the successful CANCEL entry `e` came about.
    pub fn cancel_cause(&self, e: &LogEntry) -> CancelCause {
        if e.timestamp >= self.expires_at {
            CancelCause::Timeout
        } else if !e.request_id.is_empty() || e.transaction_text != self.transaction_text {
            CancelCause::Merchant
        } else {
            CancelCause::Payer
        }
    }

    /// Who cancelled it, when its last successful entry is a CANCEL.
    pub fn cancelled_by(&self) -> Option<CancelCause> {
        if self.state != State::Cancel {
            return None;
        }
        let last = self
            .log
            .iter()
            .rev()
            .find(|e| e.operation == Operation::Cancel && e.success);
        Some(last.map_or(CancelCause::Payer, |e| self.cancel_cause(e)))
    }

    /// What the payer is asked to pay: the amount plus the chosen shipping (docs/compatibility.md#ecom-v2-express-checkout).
    pub fn total(&self) -> i64 {
        self.amount + self.shipping.as_ref().map_or(0, |s| s.cost_ore)
    }

    pub fn remaining_to_capture(&self) -> i64 {
        match self.state {
            State::Reserve => self.reserved - self.captured - self.released,
            _ => 0,
        }
    }

    pub fn remaining_to_refund(&self) -> i64 {
        self.captured - self.refunded
    }

    /// Whether `/details` has a transaction summary: not while only INITIATE exists.
    pub fn has_summary(&self) -> bool {
        self.log.len() > 1
    }

    pub fn callback_url(&self) -> String {
        join(
            &self.callback_prefix,
            &format!("/v2/payments/{}", self.order_id),
        )
    }

    pub(super) fn next_id(&mut self) -> String {
        let id = self.transaction_base + self.next_transaction;
        self.next_transaction += 1;
        id.to_string()
    }

    pub(super) fn entry(
        &self,
        op: Operation,
        amount: i64,
        id: String,
        text: &str,
        now: Millis,
    ) -> LogEntry {
        LogEntry {
            amount,
            operation: op,
            success: true,
            request_id: String::new(),
            timestamp: now,
            transaction_id: id,
            transaction_text: text.to_owned(),
        }
    }

    fn user_end(&self, now: Millis, status: CallbackStatus) -> Transition {
        let mut next = self.clone();
        next.state = State::Cancel;
        next.log.push(self.entry(
            Operation::Cancel,
            self.amount,
            self.transaction_base.to_string(),
            &self.transaction_text,
            now,
        ));
        Transition {
            notices: vec![Notice {
                status,
                amount: self.amount,
                timestamp: now,
                transaction_id: self.transaction_base.to_string(),
                error: None,
            }],
            payment: next,
        }
    }

    /// The payer never acted: log CANCEL, callback REJECTED (docs/compatibility.md#ecom-v2-callbacks).
    pub fn expire_if_due(&self, now: Millis) -> Option<Transition> {
        (self.state == State::Initiate && now >= self.expires_at)
            .then(|| self.user_end(now, CallbackStatus::Rejected))
    }

    /// Payer actions are allowed only while the payment waits for them.
    pub fn require_open(&self, now: Millis) -> Result<(), EcomError> {
        match self.state {
            State::Initiate if now < self.expires_at => Ok(()),
            State::Reserve | State::Sale => Err(EcomError::vipps(
                VippsCode::AlreadyProcessed,
                "Transaction already processed: the payment has been approved",
            )),
            _ => Err(EcomError::payment(
                PaymentCode::ReservationFailed,
                "The payment is no longer open for approval",
            )),
        }
    }

    /// The payer approves with `phone` (an MSISDN). A declining test payer
    /// leaves the payment open with a failed RESERVE (or SALE) entry.
    pub fn approve(
        &self,
        phone: &str,
        shipping: Option<ShippingChoice>,
        direct_capture: bool,
        now: Millis,
    ) -> Result<Transition, EcomError> {
        self.require_open(now)?;
        if self.express && shipping.is_none() {
            return Err(EcomError::payment(
                PaymentCode::ReservationFailed,
                "Express payments need an address and a shipping method",
            ));
        }
        let who = payer::payer(phone);
        let mut next = self.clone();
        next.shipping = shipping;
        let total = next.total();
        let id = self.transaction_base.to_string();
        let op = if direct_capture {
            Operation::Sale
        } else {
            Operation::Reserve
        };
        let mut entry = self.entry(op, total, id.clone(), &self.transaction_text, now);
        if let payer::Outcome::Declines(reason) = who.outcome {
            // Nothing was chosen for good: the payer may try again or reject.
            next.shipping = self.shipping.clone();
            entry.success = false;
            next.log.push(entry);
            let error = EcomError::decline(reason);
            return Ok(Transition {
                payment: next,
                notices: vec![Notice {
                    status: if direct_capture {
                        CallbackStatus::SaleFailed
                    } else {
                        CallbackStatus::ReserveFailed
                    },
                    amount: total,
                    timestamp: now,
                    transaction_id: id,
                    error: Some(error),
                }],
            });
        }
        next.payer_phone = Some(phone.to_owned());
        next.card_bin = Some(who.card_bin.to_owned());
        next.reserved = total;
        next.reserved_at = Some(now);
        if self.express || self.scope.is_some() {
            next.user = Some(user_details(phone));
        }
        if self.scope.is_some() {
            next.sub = Some(payer::subject(phone));
        }
        let status = if direct_capture {
            next.state = State::Sale;
            next.captured = total;
            CallbackStatus::Sale
        } else {
            next.state = State::Reserve;
            if self.express {
                CallbackStatus::Reserve
            } else {
                CallbackStatus::Reserved
            }
        };
        next.log.push(entry);
        Ok(Transition {
            payment: next,
            notices: vec![Notice {
                status,
                amount: total,
                timestamp: now,
                transaction_id: id,
                error: None,
            }],
        })
    }

    /// The payer presses "Reject": log CANCEL, callback CANCELLED.
    pub fn reject(&self, now: Millis) -> Result<Transition, EcomError> {
        self.require_open(now)?;
        Ok(self.user_end(now, CallbackStatus::Cancelled))
    }

    /// The deprecated `/status` value: the newest log operation, or
    /// `FAILED` if that one failed.
    pub fn status_value(&self) -> &'static str {
        // A refused merchant operation changes nothing, so it is no status;
        // a refused reservation (the payer's card) is.
        let last = self
            .log
            .iter()
            .rev()
            .find(|e| e.success || matches!(e.operation, Operation::Reserve | Operation::Sale));
        match last {
            None => "INITIATE",
            Some(e) if !e.success => "FAILED",
            Some(e) => e.operation.as_str(),
        }
    }
}

/// How eCom prints every `timeStamp`: ISO-8601 UTC, always with three
/// digits of milliseconds (`2019-02-05T12:27:42.311Z`).
const TIMESTAMP: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// ISO-8601 UTC with milliseconds, as eCom prints every `timeStamp`.
pub fn timestamp(ms: Millis) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(TIMESTAMP).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
