//! How a PSP payment changes: the family's rows and deadlines for the
//! kernel's read–settle–decide–commit loop, the writes of a transition (the
//! row and the makePayment calls nobody waits for), and the payer's
//! actions with the makePayment call they wait for.
//!
//! The payer's approval is committed *before* the makePayment call (the
//! payment then waits for the PSP), so only one caller ever makes the call
//! and nothing is held open across it; the answer is committed after, and
//! a call lost with its process fails the payment at the answer limit
//! (docs/compatibility.md#psp-v3-makepayment).

use std::time::Duration;

use vipps_delivery::{http::Exchange, Call};
use vipps_domain::{
    psp::{
        self, Payment, PaymentState, Phase, PspAnswer, PspError, StatusReport, Transition,
        MAKE_PAYMENT_TIMEOUT,
    },
    Millis,
};
use vipps_store::{
    deliveries::{enqueue_callback, KIND_PSP_MAKE_PAYMENT},
    psp::{insert_psp_payment, record_unknown_report, update_psp_payment, StoredPsp},
    DueCursor, WriteSet,
};
use vipps_wire::psp as wire;

use super::{problem::PspProblem, render};
use crate::{
    kernel::versioned::{self, Expiring, Family},
    AppState,
};

/// The outbox key that keeps one payment's makePayment calls in order.
pub fn order_key(p: &Payment) -> String {
    format!("psp/{}", p.key())
}

/// The writes of a payment moving on from `version`, with the makePayment
/// calls it owes the PSP.
pub fn persist(t: &Transition, version: i64) -> WriteSet {
    let p = &t.payment;
    let mut w = update_psp_payment(p, version);
    for (i, n) in t.notices.iter().enumerate() {
        enqueue_callback(
            &mut w,
            KIND_PSP_MAKE_PAYMENT,
            &p.msn,
            &order_key(p),
            (version + 1) * 16 + i as i64,
            &p.make_payment_url,
            // Without a card there are no 3-D Secure operations to link.
            &render::make_payment("", p, n.state),
            &p.key(),
            n.at,
        );
    }
    w
}

pub fn persist_new(p: &Payment) -> WriteSet {
    insert_psp_payment(p)
}

/// The PSP payment family: rows in `psp_payments`, read by merchant and
/// "<psp id>/<pspTransactionId>".
pub struct Psp;

impl Family for Psp {
    type Payment = Payment;

    async fn read(st: &AppState, msn: &str, key: &str) -> anyhow::Result<Option<StoredPsp>> {
        st.db.psp_payment(msn, key).await
    }

    fn key(p: &Payment) -> (String, String) {
        (p.msn.clone(), p.key())
    }

    fn persist(t: &Transition, version: i64) -> WriteSet {
        persist(t, version)
    }
}

impl Expiring for Psp {
    async fn due_to_expire(
        st: &AppState,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<StoredPsp>)>> {
        st.db.psp_payments_due(now, after, limit).await
    }
}

fn unknown(key: &str) -> PspError {
    let id = key.split_once('/').map_or(key, |(_, id)| id);
    PspError::unknown_transaction(id)
}

/// What the PSP's answer to makePayment comes to
/// (https://developer.vippsmobilepay.com/docs/APIs/psp-api/vipps-psp-api/#makepaymenturl).
pub fn interpret(x: &Exchange, psp_transaction_id: &str) -> PspAnswer {
    match x.status {
        0 => {
            let why = x.error.clone().or(x.error_kind.map(str::to_owned));
            return PspAnswer::Broken(format!(
                "no answer ({})",
                why.unwrap_or_else(|| "no response".into())
            ));
        }
        200 => {}
        status => return PspAnswer::Broken(format!("HTTP {status}")),
    }
    let answer: wire::MakePaymentResponse = match serde_json::from_slice(&x.body) {
        Ok(a) => a,
        Err(e) => return PspAnswer::Broken(format!("not a MakePaymentResponse: {e}")),
    };
    let Some(info) = answer.payment_info else {
        return PspAnswer::Broken("no paymentInfo".into());
    };
    if let Some(other) = info
        .psp_transaction_id
        .as_deref()
        .filter(|id| *id != psp_transaction_id)
    {
        return PspAnswer::Broken(format!("the answer is about transaction {other}"));
    }
    let error = answer.error_message.unwrap_or_default();
    let error_id = error.error_id.and_then(|v| match v {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    // `status` defaults to OK in the spec.
    match info.status.as_deref().unwrap_or("OK") {
        "OK" => PspAnswer::Ok,
        "FAIL" => PspAnswer::Fail {
            error_id,
            text: error.error_text,
        },
        "SOFT_DECLINE" => PspAnswer::SoftDecline {
            url: info.url_3d_secure,
            error_id,
        },
        other => PspAnswer::Broken(format!("unknown status {other:?}")),
    }
}

/// Sends makePayment for a payment that waits for the PSP and commits the
/// answer. Anything else is returned as it is.
async fn make_payment_round(st: &AppState, p: Payment) -> Result<Payment, PspProblem> {
    let Phase::AwaitingPsp { since, .. } = p.phase else {
        return Ok(p);
    };
    // The call's record commits with the answer: one write, not two.
    let (x, record) = st
        .deliverer
        .call_unrecorded(Call {
            kind: KIND_PSP_MAKE_PAYMENT,
            msn: p.msn.clone(),
            method: reqwest::Method::POST,
            url: p.make_payment_url.clone(),
            body: Some(render::make_payment(
                &st.cfg.public_url,
                &p,
                PaymentState::Accepted,
            )),
            auth_header: p.make_payment_token.clone(),
            timeout: Duration::from_millis(MAKE_PAYMENT_TIMEOUT as u64),
            event_type: format!("makePayment {}", p.psp_transaction_id),
            order_key: order_key(&p),
        })
        .await;
    let answer = interpret(&x, &p.psp_transaction_id);
    let key = p.key();
    versioned::transact::<Psp, _, _>(st, &p.msn, &key, |cur, now| {
        let s = cur.ok_or_else(|| unknown(&key))?;
        let mut w = record.clone();
        let out = match s.payment.answered(since, &answer, now) {
            Some(t) => {
                w.extend(persist(&t, s.version));
                t.payment
            }
            // Too late: the payment moved on without this answer.
            None => s.payment.clone(),
        };
        Ok((w, out))
    })
    .await
}

/// The payer (or a force approve) approves with `phone` (an MSISDN):
/// makePayment goes to the PSP, and its answer decides.
pub async fn approve_psp(
    st: &AppState,
    msn: &str,
    key: &str,
    phone: &str,
) -> Result<Payment, PspProblem> {
    let p = versioned::transact::<Psp, PspProblem, _>(st, msn, key, |cur, now| {
        let s = cur.ok_or_else(|| unknown(key))?;
        let t = s.payment.approve(phone, now)?;
        Ok((persist(&t, s.version), t.payment))
    })
    .await?;
    make_payment_round(st, p).await
}

/// The payer is back from the PSP's 3-D Secure page: after a success
/// makePayment is sent again.
pub async fn three_ds_returned(
    st: &AppState,
    msn: &str,
    key: &str,
    success: bool,
) -> Result<Payment, PspProblem> {
    let p = versioned::transact::<Psp, PspProblem, _>(st, msn, key, |cur, now| {
        let s = cur.ok_or_else(|| unknown(key))?;
        let t = s.payment.three_ds_returned(success, now)?;
        Ok((persist(&t, s.version), t.payment))
    })
    .await?;
    make_payment_round(st, p).await
}

/// The payer rejects the payment: the PSP hears USER_CANCEL.
pub async fn reject_psp(st: &AppState, msn: &str, key: &str) -> Result<Payment, PspProblem> {
    versioned::transact::<Psp, PspProblem, _>(st, msn, key, |cur, now| {
        let s = cur.ok_or_else(|| unknown(key))?;
        let t = s.payment.reject(now)?;
        Ok((persist(&t, s.version), t.payment))
    })
    .await
}

/// Applies (or schedules) one status report; a report about a transaction
/// this PSP never initiated for this merchant is recorded as unknown.
pub async fn report_status(
    st: &AppState,
    psp_id: &str,
    msn: &str,
    psp_transaction_id: &str,
    report: StatusReport,
) -> Result<(), PspProblem> {
    let key = psp::key(psp_id, psp_transaction_id);
    versioned::transact::<Psp, _, _>(st, msn, &key, |cur, now| {
        let Some(s) = cur else {
            let mut w = WriteSet::new();
            record_unknown_report(
                &mut w,
                psp_id,
                msn,
                psp_transaction_id,
                report.op.as_str(),
                report.amount,
                now,
            );
            return Ok((w, ()));
        };
        let t = s.payment.report(report.clone(), now);
        Ok((persist(&t, s.version), ()))
    })
    .await
}
