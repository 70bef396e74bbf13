//! PSP API v3: a payment a payment service provider starts, the payer
//! approves, and the PSP itself charges with the card network token Vipps
//! sends to its `makePaymentUrl` (docs/compatibility.md#psp-v3).
//!
//! The payment waits for the payer, then for the PSP's answer to
//! makePayment (and, after a soft decline, for the payer's 3-D Secure
//! step-up and a second answer). Once reserved, the PSP reports what it did
//! with `updatestatus`; those reports make the log `/details` shows, and the
//! summary is what the log adds up to. Every operation is a pure function of
//! the payment and the sandbox time; the makePayment calls an outcome owes
//! the PSP without waiting for an answer are returned as [`Notice`]s.

mod errors;
pub mod initiate;
mod status;
mod token;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use errors::PspError;
pub use initiate::NewPayment;
pub use status::{StatusReport, UpdateOp};
pub use token::{network_token, NetworkToken};

use crate::{Millis, MINUTE, SECOND};

/// How long the payer has to act after init.
pub const PAYER_WINDOW: Millis = 10 * MINUTE;
/// How long Vipps waits for the PSP to answer makePayment.
pub const MAKE_PAYMENT_TIMEOUT: Millis = 15 * SECOND;
/// A payment still waiting for a makePayment answer this long after the
/// call began lost its caller (the process stopped mid-call): it fails.
pub const PSP_ANSWER_LIMIT: Millis = MAKE_PAYMENT_TIMEOUT + 15 * SECOND;
/// How long the payer has for the PSP's 3-D Secure page.
pub const THREE_DS_WINDOW: Millis = 10 * MINUTE;
/// The smallest amount: 1 øre is refused as `amount.less.than.one`, so 1 NOK.
pub const MINIMUM_AMOUNT: i64 = 1;

/// Where the payer and the PSP stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub enum Phase {
    /// Initiated: waiting for the payer.
    AwaitingPayer,
    /// The payer approved; a makePayment call is out since `since`.
    AwaitingPsp { since: Millis, after_three_ds: bool },
    /// The PSP answered SOFT_DECLINE: the payer is on its 3-D Secure page.
    AwaitingThreeDs { url: String, since: Millis },
    /// The PSP answered OK.
    Reserved,
    /// The PSP answered FAIL, answered badly or not in time, or 3-D Secure
    /// did not succeed.
    Failed { reason: String },
    /// The payer rejected it (or the card was not eligible).
    Cancelled { reason: String },
    /// The payer never finished.
    Expired,
}

impl Phase {
    /// The name the pages and the console show.
    pub fn label(&self) -> &'static str {
        match self {
            Phase::AwaitingPayer => "INITIATED",
            Phase::AwaitingPsp { .. } => "PROCESSING",
            Phase::AwaitingThreeDs { .. } => "AWAITING_3DS",
            Phase::Reserved => "RESERVED",
            Phase::Failed { .. } => "FAILED",
            Phase::Cancelled { .. } => "CANCELLED",
            Phase::Expired => "EXPIRED",
        }
    }

    /// Whether the payer may still approve or reject.
    pub fn is_open(&self) -> bool {
        matches!(self, Phase::AwaitingPayer)
    }
}

/// One entry of `transactionLogHistory`: an operation the PSP reported
/// (or the reservation its OK answer made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub amount: i64,
    pub payment_text: String,
    pub timestamp: Millis,
    pub operation: UpdateOp,
    pub success: bool,
}

/// Something a PSP reported that cannot be right, kept for the checklist
/// and the console (the real API accepts it silently).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub at: Millis,
    pub message: String,
}

/// What the PSP answered to a makePayment call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PspAnswer {
    Ok,
    Fail {
        error_id: Option<String>,
        text: Option<String>,
    },
    SoftDecline {
        url: Option<String>,
        error_id: Option<String>,
    },
    /// No usable answer: not 200, not the documented JSON, or too late.
    Broken(String),
}

/// The `paymentState` of a makePayment call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentState {
    Accepted,
    UserCancel,
    Timeout,
}

impl PaymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Accepted => "ACCEPTED",
            PaymentState::UserCancel => "USER_CANCEL",
            PaymentState::Timeout => "TIMEOUT",
        }
    }
}

/// A makePayment call that nobody waits for (the payer rejected or timed
/// out): sent through the outbox. The PSP is expected to answer FAIL 93.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub state: PaymentState,
    pub at: Millis,
}

/// An answer the PSP gave, kept so the console and the checklist can show
/// which error codes a PSP has sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSeen {
    pub at: Millis,
    pub status: String,
    pub error_id: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub psp_id: String,
    pub msn: String,
    pub psp_transaction_id: String,
    pub merchant_order_id: String,
    pub amount: i64,
    pub payment_text: String,
    pub psp_redirect_url: String,
    pub make_payment_url: String,
    /// The `Authorization` header of makePayment calls.
    pub make_payment_token: Option<String>,
    pub is_app: bool,
    pub skip_landing_page: bool,
    pub merchant_agreement_url: Option<String>,
    /// The 8-digit number the PSP prefilled.
    pub mobile_number: Option<String>,
    /// The landing page's token.
    pub token: String,
    pub created_at: Millis,
    /// The end of the payer's window.
    pub expires_at: Millis,
    pub phase: Phase,
    pub payer_phone: Option<String>,
    /// The card token sent to the PSP, chosen when the payer approves.
    pub card: Option<NetworkToken>,
    pub answers: Vec<AnswerSeen>,
    pub captured: i64,
    pub refunded: i64,
    pub voided: bool,
    /// Oldest first.
    pub log: Vec<LogEntry>,
    pub flags: Vec<Flag>,
    /// Reports accepted but not yet applied (a PSP with a status delay).
    pub pending: Vec<StatusReport>,
}

/// An outcome: the payment after it and the calls it owes the PSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub payment: Payment,
    pub notices: Vec<Notice>,
}

impl Transition {
    fn quiet(payment: Payment) -> Transition {
        Transition {
            payment,
            notices: Vec::new(),
        }
    }
}

/// What `/details` summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub captured: i64,
    pub remaining_to_capture: i64,
    pub refunded: i64,
    pub remaining_to_refund: i64,
}

impl Payment {
    /// The storage key of a payment: PSP transaction ids are unique per PSP.
    pub fn key(&self) -> String {
        key(&self.psp_id, &self.psp_transaction_id)
    }

    /// When the payment next changes by itself: the payer's window, the
    /// PSP's answer limit, the 3-D Secure window, or a delayed report.
    pub fn deadline(&self) -> Option<Millis> {
        let phase = match &self.phase {
            Phase::AwaitingPayer => Some(self.expires_at),
            Phase::AwaitingPsp { since, .. } => Some(since + PSP_ANSWER_LIMIT),
            Phase::AwaitingThreeDs { since, .. } => Some(since + THREE_DS_WINDOW),
            _ => None,
        };
        let report = self.pending.iter().map(|r| r.apply_at).min();
        phase.into_iter().chain(report).min()
    }

    pub fn is_reserved(&self) -> bool {
        self.phase == Phase::Reserved
    }

    pub fn summary(&self) -> Option<Summary> {
        if !self.is_reserved() {
            return None;
        }
        let remaining_to_capture = if self.voided {
            0
        } else {
            (self.amount - self.captured).max(0)
        };
        Some(Summary {
            captured: self.captured,
            remaining_to_capture,
            refunded: self.refunded,
            remaining_to_refund: (self.captured - self.refunded).max(0),
        })
    }

    /// What changes by itself at `now`: due reports are applied, and a
    /// payer (or PSP) whose time is up ends the payment.
    pub fn expire_if_due(&self, now: Millis) -> Option<Transition> {
        if self.deadline().is_none_or(|d| now < d) {
            return None;
        }
        let mut next = self.clone();
        let mut notices = Vec::new();
        let (due, later): (Vec<_>, Vec<_>) = self
            .pending
            .iter()
            .cloned()
            .partition(|r| r.apply_at <= now);
        next.pending = later;
        for r in due {
            next.apply(&r, r.apply_at);
        }
        match &self.phase {
            Phase::AwaitingPayer if now >= self.expires_at => {
                next.phase = Phase::Expired;
                notices.push(Notice {
                    state: PaymentState::Timeout,
                    at: now,
                });
            }
            Phase::AwaitingThreeDs { since, .. } if now >= since + THREE_DS_WINDOW => {
                next.phase = Phase::Expired;
                notices.push(Notice {
                    state: PaymentState::Timeout,
                    at: now,
                });
            }
            Phase::AwaitingPsp { since, .. } if now >= since + PSP_ANSWER_LIMIT => {
                next.phase = Phase::Failed {
                    reason: "The PSP did not answer makePayment in time".into(),
                };
            }
            _ => {}
        }
        Some(Transition {
            payment: next,
            notices,
        })
    }

    /// Payer actions are allowed only while the payment waits for them.
    pub fn require_open(&self, now: Millis) -> Result<(), PspError> {
        if self.phase.is_open() && now < self.expires_at {
            return Ok(());
        }
        Err(PspError::invalid_request(format!(
            "The payment is no longer open for approval (it is {})",
            self.phase.label()
        )))
    }

    /// The payer approves with `phone` (an MSISDN): the card's network
    /// token is chosen by the amount, and the makePayment call may begin.
    /// A card that is not eligible ends the payment at once.
    pub fn approve(&self, phone: &str, now: Millis) -> Result<Transition, PspError> {
        self.require_open(now)?;
        let mut next = self.clone();
        next.payer_phone = Some(phone.to_owned());
        let Some(card) = network_token(self.amount) else {
            next.phase = Phase::Cancelled {
                reason: "The card is not eligible for this payment".into(),
            };
            return Ok(Transition {
                payment: next,
                notices: vec![Notice {
                    state: PaymentState::UserCancel,
                    at: now,
                }],
            });
        };
        next.card = Some(card);
        next.phase = Phase::AwaitingPsp {
            since: now,
            after_three_ds: false,
        };
        Ok(Transition::quiet(next))
    }

    /// The payer presses "Reject": the PSP hears USER_CANCEL.
    pub fn reject(&self, now: Millis) -> Result<Transition, PspError> {
        self.require_open(now)?;
        let mut next = self.clone();
        next.phase = Phase::Cancelled {
            reason: "The payer rejected the payment".into(),
        };
        Ok(Transition {
            payment: next,
            notices: vec![Notice {
                state: PaymentState::UserCancel,
                at: now,
            }],
        })
    }

    /// The PSP answered the makePayment call that began at `since`. An
    /// answer to a call the payment no longer waits for changes nothing
    /// (`None`).
    pub fn answered(&self, since: Millis, answer: &PspAnswer, now: Millis) -> Option<Transition> {
        let Phase::AwaitingPsp {
            since: waiting_since,
            after_three_ds,
        } = self.phase
        else {
            return None;
        };
        if waiting_since != since {
            return None;
        }
        let mut next = self.clone();
        let (status, error_id, text) = match answer {
            PspAnswer::Ok => ("OK", None, None),
            PspAnswer::Fail { error_id, text } => ("FAIL", error_id.clone(), text.clone()),
            PspAnswer::SoftDecline { error_id, .. } => ("SOFT_DECLINE", error_id.clone(), None),
            PspAnswer::Broken(why) => ("NO_ANSWER", None, Some(why.clone())),
        };
        next.answers.push(AnswerSeen {
            at: now,
            status: status.into(),
            error_id,
            text,
        });
        let failed = |why: String| Phase::Failed { reason: why };
        next.phase = match answer {
            PspAnswer::Ok => {
                next.log
                    .push(self.entry(UpdateOp::Reserved, self.amount, true, now));
                Phase::Reserved
            }
            PspAnswer::Fail { error_id, text } => {
                next.log
                    .push(self.entry(UpdateOp::Reserved, self.amount, false, now));
                failed(match (text, error_id) {
                    (Some(t), _) if !t.trim().is_empty() => t.clone(),
                    (_, Some(id)) => format!("The payment failed (error {id})"),
                    _ => "The payment failed".into(),
                })
            }
            PspAnswer::SoftDecline { url: Some(url), .. }
                if !after_three_ds && crate::urls::parse_target(url).is_some() =>
            {
                Phase::AwaitingThreeDs {
                    url: url.clone(),
                    since: now,
                }
            }
            PspAnswer::SoftDecline { .. } if after_three_ds => {
                next.log
                    .push(self.entry(UpdateOp::Reserved, self.amount, false, now));
                failed("The card was declined again after 3-D Secure".into())
            }
            PspAnswer::SoftDecline { .. } => {
                next.log
                    .push(self.entry(UpdateOp::Reserved, self.amount, false, now));
                failed("The PSP asked for 3-D Secure without a usable url3dSecure".into())
            }
            PspAnswer::Broken(why) => {
                next.log
                    .push(self.entry(UpdateOp::Reserved, self.amount, false, now));
                failed(format!("The PSP gave no usable answer: {why}"))
            }
        };
        Some(Transition::quiet(next))
    }

    /// The payer came back from the PSP's 3-D Secure page through one of
    /// the operation URLs: after a success makePayment is sent again;
    /// anything else fails the payment.
    pub fn three_ds_returned(&self, success: bool, now: Millis) -> Result<Transition, PspError> {
        if !matches!(self.phase, Phase::AwaitingThreeDs { .. }) {
            return Err(PspError::invalid_request(format!(
                "The payment is not waiting for 3-D Secure (it is {})",
                self.phase.label()
            )));
        }
        let mut next = self.clone();
        next.phase = if success {
            Phase::AwaitingPsp {
                since: now,
                after_three_ds: true,
            }
        } else {
            next.log
                .push(self.entry(UpdateOp::Reserved, self.amount, false, now));
            Phase::Failed {
                reason: "3-D Secure was not completed".into(),
            }
        };
        Ok(Transition::quiet(next))
    }

    fn entry(&self, op: UpdateOp, amount: i64, success: bool, now: Millis) -> LogEntry {
        LogEntry {
            amount,
            payment_text: self.payment_text.clone(),
            timestamp: now,
            operation: op,
            success,
        }
    }

    /// The last thing the PSP answered, for the payer's result page.
    pub fn last_answer(&self) -> Option<&AnswerSeen> {
        self.answers.last()
    }
}

/// The storage key of PSP `psp_id`'s transaction `psp_transaction_id`.
pub fn key(psp_id: &str, psp_transaction_id: &str) -> String {
    format!("{psp_id}/{psp_transaction_id}")
}
