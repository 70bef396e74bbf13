//! ePayment on eCom payments (see docs/compatibility.md#epayment-v1-on-ecom-payments): GET, `/events`, capture,
//! refund and cancel under `/epayment/v1/payments/{reference}` also act on
//! an eCom payment of the same merchant whose orderId is the reference.
//! The ePayment handlers read through [`EpaymentOrEcom`], which falls back
//! to the eCom payment when no ePayment payment has that reference. Everything here is a view of the eCom payment and
//! its log; the eCom log stays the only truth (an ePayment capture shows up
//! in eCom `/details` as CAPTURE, and so on). Merchant operations owe no
//! callback, as in eCom.
//!
//! State rules (the eCom state and log → ePayment `state`):
//! - INITIATE → CREATED; RESERVE, SALE and VOID → AUTHORIZED (a VOID is a
//!   post-authorisation cancel: `cancelledAmount` = released);
//! - CANCEL → EXPIRED when the CANCEL entry is at or after `expires_at` (the
//!   payer timeout; a payer reject or merchant cancel always happens
//!   before it, since an expired payment is settled first);
//!   TERMINATED when it is a merchant cancel: the entry carries a request id
//!   or a text other than the payment's own (payer rejects and timeouts are
//!   logged with the payment's `transactionText` and no request id);
//!   ABORTED otherwise (the payer rejected). A TERMINATED payment shows
//!   `cancelledAmount` = its amount, as ePayment does.
//!
//! Event rules (log oldest first → `PaymentEvent`s): INITIATE → CREATED,
//! RESERVE → AUTHORIZED, SALE → AUTHORIZED and CAPTURED, CAPTURE → CAPTURED,
//! REFUND → REFUNDED, VOID → CANCELLED, successful CANCEL → ABORTED /
//! EXPIRED / TERMINATED as above, refused CANCEL → CANCELLED; each with the
//! entry's `success` and its request id as `idempotencyKey` (null if none).

use vipps_domain::{
    ecom::{
        self, CancelCause, Code, EcomError, MerchantOp, Modification, Operation, Payment,
        PaymentCode, Refusal, State, VippsCode,
    },
    epayment,
    time_fmt::rfc3339,
    Currency, Lifecycle, Millis, Money, Reference,
};
use vipps_store::{idempotency::Record, Stored, WriteSet};
use vipps_wire::epayment as wire;

use super::{problem::ApiProblem, service::Epayment};
use crate::{
    apis::ecom::service::{persist, Ecom},
    kernel::{idempotency::Decision, versioned::Family},
    AppState,
};

/// A payment the ePayment API acts on: its own, or an eCom payment of the
/// same merchant whose orderId is the reference.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Target {
    Epayment(epayment::Payment),
    Ecom(Payment),
}

#[allow(clippy::large_enum_variant)]
pub enum TargetTransition {
    Epayment(epayment::Transition),
    Ecom(ecom::Transition),
}

/// ePayment payments first, then eCom ones: what the ePayment API's GET,
/// events, capture, refund and cancel read.
pub struct EpaymentOrEcom;

fn epayment_target(s: Stored<epayment::Payment>) -> Stored<Target> {
    Stored {
        payment: Target::Epayment(s.payment),
        version: s.version,
    }
}

async fn read_ecom(
    st: &AppState,
    msn: &str,
    reference: &str,
) -> anyhow::Result<Option<Stored<Target>>> {
    let Some(order_id) = Reference::parse_order_id(reference) else {
        return Ok(None);
    };
    Ok(Ecom::read(st, msn, order_id.as_str())
        .await?
        .map(|s| Stored {
            payment: Target::Ecom(s.payment),
            version: s.version,
        }))
}

impl Lifecycle for Target {
    type Transition = TargetTransition;

    fn expire_if_due(&self, now: Millis) -> Option<TargetTransition> {
        match self {
            Target::Epayment(p) => p.expire_if_due(now).map(TargetTransition::Epayment),
            Target::Ecom(p) => p.expire_if_due(now).map(TargetTransition::Ecom),
        }
    }

    fn after(t: TargetTransition) -> Target {
        match t {
            TargetTransition::Epayment(t) => Target::Epayment(t.payment),
            TargetTransition::Ecom(t) => Target::Ecom(t.payment),
        }
    }

    fn close_window(&mut self, now: Millis) {
        match self {
            Target::Epayment(p) => p.close_window(now),
            Target::Ecom(p) => p.close_window(now),
        }
    }
}

impl Family for EpaymentOrEcom {
    type Payment = Target;

    async fn read(
        st: &AppState,
        msn: &str,
        reference: &str,
    ) -> anyhow::Result<Option<Stored<Target>>> {
        match Epayment::read(st, msn, reference).await? {
            Some(s) => Ok(Some(epayment_target(s))),
            None => read_ecom(st, msn, reference).await,
        }
    }

    async fn read_with_record(
        st: &AppState,
        msn: &str,
        reference: &str,
        path: &str,
        key: &str,
        now: Millis,
    ) -> anyhow::Result<(Option<Record>, Option<Stored<Target>>)> {
        match Epayment::read_with_record(st, msn, reference, path, key, now).await? {
            (None, None) => Ok((None, read_ecom(st, msn, reference).await?)),
            (record, payment) => Ok((record, payment.map(epayment_target))),
        }
    }

    fn persist(t: &TargetTransition, version: i64) -> WriteSet {
        match t {
            TargetTransition::Epayment(t) => Epayment::persist(t, version),
            TargetTransition::Ecom(t) => Ecom::persist(t, version),
        }
    }

    fn key(p: &Target) -> (String, String) {
        match p {
            Target::Epayment(p) => Epayment::key(p),
            Target::Ecom(p) => Ecom::key(p),
        }
    }
}

/// Text of the eCom log entries an ePayment operation writes.
pub const CAPTURE_TEXT: &str = "ePayment capture";
pub const REFUND_TEXT: &str = "ePayment refund";
pub const CANCEL_TEXT: &str = "ePayment cancel";

fn nok(value: i64) -> wire::Amount {
    wire::Amount {
        currency: "NOK".into(),
        value,
    }
}

/// The ePayment state a cancellation leaves.
fn cancelled_state(cause: CancelCause) -> &'static str {
    match cause {
        CancelCause::Timeout => "EXPIRED",
        CancelCause::Merchant => "TERMINATED",
        CancelCause::Payer => "ABORTED",
    }
}

/// The ePayment `state` of an eCom payment.
pub fn state(p: &Payment) -> &'static str {
    match p.state {
        State::Initiate => "CREATED",
        State::Reserve | State::Sale | State::Void => "AUTHORIZED",
        State::Cancel => cancelled_state(p.cancelled_by().unwrap_or(CancelCause::Payer)),
    }
}

/// What the payment is for: the reserved amount once reserved, else the
/// ordered total.
fn total(p: &Payment) -> i64 {
    if p.reserved > 0 {
        p.reserved
    } else {
        p.total()
    }
}

fn aggregate(p: &Payment) -> wire::Aggregate {
    let cancelled = if state(p) == "TERMINATED" {
        total(p)
    } else {
        p.released
    };
    wire::Aggregate {
        authorized_amount: nok(p.reserved),
        cancelled_amount: nok(cancelled),
        captured_amount: nok(p.captured),
        refunded_amount: nok(p.refunded),
    }
}

pub fn psp_reference(p: &Payment) -> String {
    p.transaction_base.to_string()
}

/// `GET /epayment/v1/payments/{orderId}` of an eCom payment.
pub fn get_response(p: &Payment) -> wire::GetPaymentResponse {
    wire::GetPaymentResponse {
        aggregate: aggregate(p),
        amount: nok(total(p)),
        state: state(p).into(),
        payment_method: wire::PaymentMethodResponse {
            kind: "WALLET".into(),
            card_bin: p.card_bin.clone(),
        },
        profile: wire::ProfileResponse { sub: p.sub.clone() },
        psp_reference: psp_reference(p),
        redirect_url: None,
        reference: p.order_id.clone(),
        metadata: None,
    }
}

/// The `ModificationResponse` of an eCom payment.
pub fn modification_response(p: &Payment) -> String {
    let body = wire::ModificationResponse {
        amount: nok(total(p)),
        state: state(p).into(),
        aggregate: aggregate(p),
        psp_reference: psp_reference(p),
        reference: p.order_id.clone(),
    };
    serde_json::to_string(&body).expect("serialises")
}

/// The eCom log as ePayment events, oldest first.
pub fn events(p: &Payment) -> Vec<wire::PaymentEvent> {
    let mut out = Vec::new();
    for e in &p.log {
        let names: &[&str] = match (e.operation, e.success) {
            (Operation::Initiate, _) => &["CREATED"],
            (Operation::Reserve, _) | (Operation::Sale, false) => &["AUTHORIZED"],
            (Operation::Sale, true) => &["AUTHORIZED", "CAPTURED"],
            (Operation::Capture, _) => &["CAPTURED"],
            (Operation::Refund, _) => &["REFUNDED"],
            (Operation::Void, _) | (Operation::Cancel, false) => &["CANCELLED"],
            (Operation::Cancel, true) => match p.cancel_cause(e) {
                CancelCause::Timeout => &["EXPIRED"],
                CancelCause::Merchant => &["TERMINATED"],
                CancelCause::Payer => &["ABORTED"],
            },
        };
        for name in names {
            out.push(wire::PaymentEvent {
                reference: p.order_id.clone(),
                psp_reference: psp_reference(p),
                name: (*name).into(),
                amount: nok(e.amount),
                timestamp: rfc3339(e.timestamp),
                idempotency_key: (!e.request_id.is_empty()).then(|| e.request_id.clone()),
                success: e.success,
            });
        }
    }
    out
}

/// An ePayment merchant operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Capture,
    Refund,
    /// `cancelTransactionOnly`: cancel only if not yet authorised.
    Cancel {
        transaction_only: bool,
    },
}

/// The ePayment problem of a refused eCom operation (titles as in docs/compatibility.md#epayment-v1-errors).
pub fn problem(e: &EcomError, op: Op, p: &Payment) -> ApiProblem {
    use Code::{Payment as Pay, Vipps};
    let title = match (&e.code, op) {
        (Pay(PaymentCode::InvalidAmount), _) => "Amount too small",
        (Pay(PaymentCode::CaptureExceedsReserved), _) => "Capture amount too high",
        (Pay(PaymentCode::NotReserved), _) => "Cannot capture before reservation",
        (Pay(PaymentCode::CapturePeriodExpired), _) => "Capture period expired",
        (Vipps(VippsCode::NotAllowed), Op::Capture) if p.state == State::Sale => {
            "Capture amount too high"
        }
        (Vipps(VippsCode::NotAllowed), Op::Capture) => "Cannot capture a cancelled payment",
        (Pay(PaymentCode::CannotCancelCaptured), _) => "Cannot cancel a captured payment",
        (Pay(PaymentCode::CancellationFailed), _) => "Cancel period expired",
        (Pay(PaymentCode::RefundExceedsCaptured), _) => "Not enough refundable",
        (Pay(PaymentCode::CannotRefundReserved), _) if p.state == State::Initiate => {
            "Attempted refund before reservation"
        }
        (Pay(PaymentCode::CannotRefundReserved), _) => "Not enough refundable",
        (Pay(PaymentCode::CannotRefundCancelled), _) => "Payment cannot be refunded",
        (Pay(PaymentCode::RefundPeriodExpired), _) => "Refund period expired",
        (_, Op::Capture) => "Payment cannot be captured",
        (_, Op::Refund) => "Payment cannot be refunded",
        (_, Op::Cancel { .. }) => "Payment cannot be cancelled",
    };
    ApiProblem::new(400, title, e.message.clone())
}

/// Decides an ePayment capture, refund or cancel on an eCom payment:
/// the writes (the new payment, or the refusal logged on it as eCom does),
/// the status and the body. `money` is `None` for cancel.
pub fn decide(
    op: Op,
    money: Option<Money>,
    p: &Payment,
    version: i64,
    now: Millis,
    key: &str,
) -> Result<Decision<ApiProblem>, ApiProblem> {
    let amount = match money {
        None => None,
        Some(m) => {
            if m.currency != Currency::Nok {
                return Err(ApiProblem::bad_field(
                    "Invalid currency",
                    "modificationAmount.currency",
                    format!("The payment is in NOK, not {}", m.currency.as_str()),
                ));
            }
            if m.value <= 0 {
                return Err(ApiProblem::bad_field(
                    "Amount too small",
                    "modificationAmount.value",
                    "The amount must be greater than zero",
                ));
            }
            Some(m.value)
        }
    };
    let unchanged = || Ok(Decision::ok(WriteSet::new(), 200, modification_response(p)));
    let (merchant_op, text) = match op {
        Op::Capture => (MerchantOp::Capture, CAPTURE_TEXT),
        Op::Refund => (MerchantOp::Refund, REFUND_TEXT),
        Op::Cancel { transaction_only } => {
            match p.state {
                // Authorised: cancelTransactionOnly changes nothing (docs/compatibility.md#epayment-v1-capture-refund-and-cancel).
                State::Reserve | State::Sale if transaction_only => return unchanged(),
                // Already cancelled by the merchant: nothing more to do,
                // as for a TERMINATED or fully cancelled ePayment payment.
                State::Void => return unchanged(),
                State::Cancel if state(p) == "TERMINATED" => return unchanged(),
                _ => {}
            }
            (MerchantOp::Cancel { release_rest: true }, CANCEL_TEXT)
        }
    };
    // The key is never empty here (ePayment requires one), so the eCom
    // rule that a partial capture or refund needs a request id always holds.
    let mo = modification(amount, text, key);
    match p.modify(merchant_op, &mo, now) {
        Ok(t) => Ok(Decision::ok(
            persist(&t, version),
            200,
            modification_response(&t.payment),
        )),
        // Refused by the payment's rules: logged on it, as eCom does.
        Err(Refusal {
            error,
            logged: Some(t),
        }) => Ok(Decision {
            writes: persist(&t, version),
            answer: Err(problem(&error, op, p)),
        }),
        Err(Refusal {
            error,
            logged: None,
        }) => Err(problem(&error, op, p)),
    }
}

fn modification(amount: Option<i64>, text: &str, key: &str) -> Modification {
    Modification {
        amount,
        transaction_text: text.to_owned(),
        request_id: key.to_owned(),
    }
}
