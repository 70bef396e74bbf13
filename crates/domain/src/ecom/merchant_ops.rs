//! What the merchant does to an eCom payment after approval: capture,
//! cancel (VOID after reservation) and refund, each within its amount and
//! period rules, and how a refused operation is logged on the payment
//! (docs/compatibility.md#ecom-v2-capture-refund-and-cancel).

use super::*;

/// A capture, cancel or refund as the merchant asked for it.
#[derive(Debug, Clone, Default)]
pub struct Modification {
    /// `None` or `0`: everything that is left.
    pub amount: Option<i64>,
    pub transaction_text: String,
    pub request_id: String,
}

/// A merchant operation on a payment: what the eCom API's capture, refund
/// and cancel ask for, and the ePayment API's on an eCom payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantOp {
    Capture,
    Refund,
    /// `release_rest`: after a partial capture, release what is left
    /// (`shouldReleaseRemainingFunds`).
    Cancel {
        release_rest: bool,
    },
}

impl MerchantOp {
    /// The log operation a refusal of it is written as.
    pub fn operation(self) -> Operation {
        match self {
            MerchantOp::Capture => Operation::Capture,
            MerchantOp::Refund => Operation::Refund,
            MerchantOp::Cancel { .. } => Operation::Cancel,
        }
    }
}

/// A merchant operation that was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub error: EcomError,
    /// When the payment's own rules refused it (`Payment` and `VippsError`
    /// errors): the payment with the refusal logged on it, to be kept like
    /// any other transition. `None` when the request was at fault.
    pub logged: Option<Box<Transition>>,
}

impl Payment {
    /// A merchant operation that was refused is logged too, with
    /// `operationSuccess: false` and its request id (docs/compatibility.md#ecom-v2-payment-states-and-log); the
    /// payment is otherwise unchanged and nobody is called back.
    fn log_refusal(
        &self,
        op: Operation,
        amount: i64,
        request_id: &str,
        text: &str,
        now: Millis,
    ) -> Transition {
        let mut next = self.clone();
        let id = next.next_id();
        let mut entry = self.entry(op, amount, id, text, now);
        entry.success = false;
        entry.request_id = request_id.to_owned();
        next.log.push(entry);
        Transition {
            payment: next,
            notices: Vec::new(),
        }
    }

    fn too_old(&self, period: Millis, now: Millis) -> bool {
        self.reserved_at.is_some_and(|at| now - at > period)
    }

    /// A (partial) capture of what is reserved and not yet captured (docs/compatibility.md#ecom-v2-payment-states-and-log).
    pub fn capture(&self, m: &Modification, now: Millis) -> Result<Transition, EcomError> {
        match self.state {
            State::Reserve => {}
            State::Initiate => {
                return Err(EcomError::payment(
                    PaymentCode::NotReserved,
                    "The payment must be reserved before it can be captured",
                ))
            }
            State::Sale | State::Cancel | State::Void => {
                return Err(EcomError::vipps(
                    VippsCode::NotAllowed,
                    format!(
                        "Transaction is not allowed: the payment is in state {}",
                        self.state.as_str()
                    ),
                ))
            }
        }
        if self.too_old(CAPTURE_PERIOD, now) {
            return Err(EcomError::payment(
                PaymentCode::CapturePeriodExpired,
                "Too late for capture: more than 180 days since reservation",
            ));
        }
        let remaining = self.remaining_to_capture();
        let amount = match m.amount {
            None | Some(0) => remaining,
            Some(a) => a,
        };
        if amount > remaining || amount <= 0 {
            return Err(EcomError::payment(
                PaymentCode::CaptureExceedsReserved,
                format!("Captured amount exceeds the remaining reserved amount ({remaining})"),
            ));
        }
        if amount < MINIMUM_AMOUNT && m.amount.is_some_and(|a| a != 0) {
            return Err(EcomError::payment(
                PaymentCode::InvalidAmount,
                "Invalid amount: at least 100 øre",
            ));
        }
        let mut next = self.clone();
        let id = next.next_id();
        let mut entry = self.entry(Operation::Capture, amount, id, &m.transaction_text, now);
        entry.request_id = m.request_id.clone();
        next.captured += amount;
        next.log.push(entry);
        Ok(Transition {
            payment: next,
            notices: vec![],
        })
    }

    /// Cancel: of INITIATE → CANCEL; of a reservation → VOID of the
    /// uncaptured rest (after a partial capture only with `release_rest`).
    pub fn cancel(
        &self,
        m: &Modification,
        release_rest: bool,
        now: Millis,
    ) -> Result<Transition, EcomError> {
        let mut next = self.clone();
        let entry = match self.state {
            State::Initiate => {
                next.state = State::Cancel;
                let mut e = self.entry(
                    Operation::Cancel,
                    self.amount,
                    self.transaction_base.to_string(),
                    &m.transaction_text,
                    now,
                );
                e.request_id = m.request_id.clone();
                e
            }
            State::Cancel | State::Void => {
                return Err(EcomError::vipps(
                    VippsCode::AlreadyProcessed,
                    "Transaction already processed: the payment is already cancelled",
                ))
            }
            State::Sale => {
                return Err(EcomError::payment(
                    PaymentCode::CannotCancelCaptured,
                    "Cannot cancel a captured payment",
                ))
            }
            State::Reserve => {
                let rest = self.remaining_to_capture();
                if rest == 0 || (self.captured > 0 && !release_rest) {
                    return Err(EcomError::payment(PaymentCode::CannotCancelCaptured,
                        "Cannot cancel a captured payment (set shouldReleaseRemainingFunds to release the rest)",
                    ));
                }
                if self.too_old(CAPTURE_PERIOD, now) {
                    return Err(EcomError::payment(
                        PaymentCode::CancellationFailed,
                        "Cancellation failed: more than 180 days since reservation",
                    ));
                }
                next.state = State::Void;
                next.released = rest;
                let id = next.next_id();
                let mut e = self.entry(Operation::Void, rest, id, &m.transaction_text, now);
                e.request_id = m.request_id.clone();
                e
            }
        };
        next.log.push(entry);
        Ok(Transition {
            payment: next,
            notices: vec![],
        })
    }

    /// A (partial) refund of what was captured and not yet refunded.
    pub fn refund(&self, m: &Modification, now: Millis) -> Result<Transition, EcomError> {
        if self.captured == 0 {
            return Err(match self.state {
                State::Cancel | State::Void => EcomError::payment(
                    PaymentCode::CannotRefundCancelled,
                    "Cannot refund a cancelled payment",
                ),
                _ => EcomError::payment(
                    PaymentCode::CannotRefundReserved,
                    "Cannot refund a payment that is only reserved: capture it first",
                ),
            });
        }
        if self.too_old(REFUND_PERIOD, now) {
            return Err(EcomError::payment(
                PaymentCode::RefundPeriodExpired,
                "Too late for refund: more than 365 days since the payment",
            ));
        }
        let remaining = self.remaining_to_refund();
        let amount = match m.amount {
            None | Some(0) => remaining,
            Some(a) => a,
        };
        if amount > remaining || amount <= 0 {
            return Err(EcomError::payment(
                PaymentCode::RefundExceedsCaptured,
                format!(
                    "Refunded amount exceeds the captured amount not yet refunded ({remaining})"
                ),
            ));
        }
        let mut next = self.clone();
        let id = next.next_id();
        let mut entry = self.entry(Operation::Refund, amount, id, &m.transaction_text, now);
        entry.request_id = m.request_id.clone();
        next.refunded += amount;
        next.log.push(entry);
        Ok(Transition {
            payment: next,
            notices: vec![],
        })
    }

    /// What a merchant's capture, refund or cancel comes to, with
    /// `m.request_id` the request's `X-Request-Id` (empty without one):
    /// - a partial capture or refund (an amount other than 0 and other than
    ///   what remains) needs a request id, else `InvalidRequest`
    ///   `X-Request-Id` (docs/compatibility.md#ecom-v2-x-request-id);
    /// - an operation the payment's rules refuse is logged on it with
    ///   `operationSuccess: false`, its request id and the requested amount,
    ///   or what remains to capture (refund: to refund) when none was given
    ///   (docs/compatibility.md#ecom-v2-payment-states-and-log).
    pub fn modify(
        &self,
        op: MerchantOp,
        m: &Modification,
        now: Millis,
    ) -> Result<Transition, Refusal> {
        let remaining = match op {
            MerchantOp::Refund => self.remaining_to_refund(),
            MerchantOp::Capture | MerchantOp::Cancel { .. } => self.remaining_to_capture(),
        };
        let partial = matches!(op, MerchantOp::Capture | MerchantOp::Refund)
            && m.amount.is_some_and(|a| a != 0 && a != remaining);
        if partial && m.request_id.is_empty() {
            return Err(Refusal {
                error: EcomError::invalid(
                    "X-Request-Id",
                    "X-Request-Id is required for partial captures and refunds",
                ),
                logged: None,
            });
        }
        let result = match op {
            MerchantOp::Capture => self.capture(m, now),
            MerchantOp::Refund => self.refund(m, now),
            MerchantOp::Cancel { release_rest } => self.cancel(m, release_rest, now),
        };
        result.map_err(|error| {
            let logged = error.is_refusal_by_payment().then(|| {
                let amount = m.amount.filter(|a| *a != 0).unwrap_or(remaining);
                let text = &m.transaction_text;
                Box::new(self.log_refusal(op.operation(), amount, &m.request_id, text, now))
            });
            Refusal { error, logged }
        })
    }
}
