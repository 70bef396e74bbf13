//! `updatestatus`: the PSP reports what it did with a reservation. The real
//! API accepts every well-formed report and applies it in a nightly batch;
//! the sandbox applies it at once (or after the PSP's configured delay) and
//! flags what cannot be right instead of refusing it
//! (docs/compatibility.md#psp-v3-updatestatus).

use super::*;
use crate::Millis;

/// The `status` of a report, and the `operation` of a log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UpdateOp {
    Reserved,
    Captured,
    Cancelled,
    Refunded,
}

impl UpdateOp {
    pub fn parse(s: &str) -> Option<UpdateOp> {
        Some(match s {
            "RESERVED" => UpdateOp::Reserved,
            "CAPTURED" => UpdateOp::Captured,
            "CANCELLED" => UpdateOp::Cancelled,
            "REFUNDED" => UpdateOp::Refunded,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateOp::Reserved => "RESERVED",
            UpdateOp::Captured => "CAPTURED",
            UpdateOp::Cancelled => "CANCELLED",
            UpdateOp::Refunded => "REFUNDED",
        }
    }
}

/// One transaction of an `updatestatus` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub op: UpdateOp,
    pub amount: i64,
    pub currency: String,
    pub payment_text: Option<String>,
    /// `operationStatus` SUCCESS (the default) or FAILED.
    pub success: bool,
    pub reported_at: Millis,
    /// When it takes effect: `reported_at` plus the PSP's status delay.
    pub apply_at: Millis,
}

impl Payment {
    /// Accepts a report: applied now, or kept until its `apply_at`.
    pub fn report(&self, r: StatusReport, now: Millis) -> Transition {
        let mut next = self.clone();
        if r.apply_at <= now {
            next.apply(&r, now);
        } else {
            next.pending.push(r);
        }
        Transition::quiet(next)
    }

    /// Logs the report and moves the counters; anything impossible is
    /// flagged, never refused.
    pub(super) fn apply(&mut self, r: &StatusReport, at: Millis) {
        let mut flags = Vec::new();
        let op = r.op.as_str();
        if r.currency != "NOK" {
            flags.push(format!("{op} reported in {} (only NOK exists)", r.currency));
        }
        if r.amount < 0 {
            flags.push(format!("{op} reported with a negative amount {}", r.amount));
        }
        if r.success {
            let reserved = self.is_reserved();
            if !reserved {
                flags.push(format!(
                    "{op} reported for a payment that was never reserved (it is {})",
                    self.phase.label()
                ));
            }
            match r.op {
                UpdateOp::Reserved if reserved && r.amount != self.amount => flags.push(format!(
                    "RESERVED reported for {} øre; the payment is for {}",
                    r.amount, self.amount
                )),
                UpdateOp::Reserved => {}
                UpdateOp::Captured if reserved => {
                    let left = self.summary().map_or(0, |s| s.remaining_to_capture);
                    if self.voided {
                        flags.push("CAPTURED reported after CANCELLED".into());
                    } else if r.amount > left {
                        flags.push(format!(
                            "CAPTURED {} øre, but only {left} øre was left to capture",
                            r.amount
                        ));
                    }
                    self.captured += r.amount.max(0);
                }
                UpdateOp::Refunded if reserved => {
                    let left = (self.captured - self.refunded).max(0);
                    if r.amount > left {
                        flags.push(format!(
                            "REFUNDED {} øre, but only {left} øre was left to refund",
                            r.amount
                        ));
                    }
                    self.refunded += r.amount.max(0);
                }
                UpdateOp::Cancelled if reserved => {
                    if self.voided {
                        flags.push("CANCELLED reported twice".into());
                    }
                    self.voided = true;
                }
                _ => {}
            }
        }
        self.log.push(LogEntry {
            amount: r.amount,
            payment_text: r
                .payment_text
                .clone()
                .unwrap_or_else(|| self.payment_text.clone()),
            timestamp: at,
            operation: r.op,
            success: r.success,
        });
        self.flags
            .extend(flags.into_iter().map(|message| Flag { at, message }));
    }
}
