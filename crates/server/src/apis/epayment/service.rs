//! How an ePayment payment changes: the family's rows and expiry for the
//! kernel's read–settle–decide–commit loop, the writes of a transition (the
//! row, its events and their webhooks), and the payer's actions. API
//! handlers, force approve and the payer's pages all go through here.

use vipps_domain::{
    epayment::{Approval, EventName, Payment, Transition},
    time_fmt::rfc3339,
    Millis,
};
use vipps_store::{
    deliveries::enqueue_webhooks,
    epayment::{insert_payment, update_payment, Stored},
    idempotency::Record,
    DueCursor, WriteSet,
};
use vipps_wire::epayment::{Amount, WebhookEvent};

use super::problem::ApiProblem;
use crate::{
    kernel::versioned::{self, Expiring, Family},
    AppState,
};

/// The webhook event type of an ePayment event.
pub fn event_type(name: EventName) -> String {
    format!(
        "epayments.payment.{}.v1",
        name.as_str().to_ascii_lowercase()
    )
}

/// Every ePayment event type a webhook may subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "epayments.payment.created.v1",
    "epayments.payment.authorized.v1",
    "epayments.payment.aborted.v1",
    "epayments.payment.expired.v1",
    "epayments.payment.terminated.v1",
    "epayments.payment.captured.v1",
    "epayments.payment.refunded.v1",
    "epayments.payment.cancelled.v1",
];

/// Outbox rows for the transition's successful events, ordered after the
/// payment's earlier ones by the version they produce.
fn enqueue_events(w: &mut WriteSet, t: &Transition, new_version: i64) {
    let p = &t.payment;
    for (i, e) in t.events.iter().enumerate().filter(|(_, e)| e.success) {
        let body = WebhookEvent {
            msn: p.msn.clone(),
            reference: p.reference.clone(),
            psp_reference: p.psp_reference.clone(),
            name: e.name.as_str().into(),
            amount: Amount {
                currency: e.amount.currency.as_str().into(),
                value: e.amount.value,
            },
            timestamp: rfc3339(e.timestamp),
            idempotency_key: e.idempotency_key.clone(),
            success: e.success,
        };
        let body = serde_json::to_string(&body).expect("serialises");
        let id = uuid::Uuid::new_v4().to_string();
        let seq = new_version * 16 + i as i64;
        enqueue_webhooks(
            w,
            &id,
            &p.msn,
            &p.reference,
            &event_type(e.name),
            seq,
            &body,
            e.timestamp,
        );
    }
}

/// The writes of a new payment: the row, its events and their webhooks.
pub fn persist_new(t: &Transition) -> WriteSet {
    let mut w = insert_payment(t);
    enqueue_events(&mut w, t, 1);
    crate::apis::checkout::service::enqueue_callback(&mut w, t);
    crate::apis::order_management::service::receipt_of_new_payment(&mut w, &t.payment);
    w
}

/// The writes of a payment moving on from `version`.
pub fn persist(t: &Transition, version: i64) -> WriteSet {
    let mut w = update_payment(t, version);
    enqueue_events(&mut w, t, version + 1);
    crate::apis::checkout::service::enqueue_callback(&mut w, t);
    w
}

/// The ePayment payment family: rows in the `payments` table, expired to
/// EXPIRED when the payer never acts.
pub struct Epayment;

impl Family for Epayment {
    type Payment = Payment;

    async fn read(st: &AppState, msn: &str, reference: &str) -> anyhow::Result<Option<Stored>> {
        st.db.payment(msn, reference).await
    }

    fn key(p: &Payment) -> (String, String) {
        (p.msn.clone(), p.reference.clone())
    }

    /// One query for both: the hot path of every capture and refund.
    async fn read_with_record(
        st: &AppState,
        msn: &str,
        reference: &str,
        path: &str,
        key: &str,
        now: Millis,
    ) -> anyhow::Result<(Option<Record>, Option<Stored>)> {
        st.db
            .idempotency_record_and_payment(msn, path, key, reference, now)
            .await
    }

    fn persist(t: &Transition, version: i64) -> WriteSet {
        persist(t, version)
    }
}

impl Expiring for Epayment {
    async fn due_to_expire(
        st: &AppState,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<Stored>)>> {
        st.db.payments_due_to_expire(now, after, limit).await
    }
}

/// What a payer's approval came to.
pub enum Approved {
    Yes(Payment),
    Declined(Payment, &'static str),
}

/// The payer (or a force approve) approves; `phone` picks the payer's
/// number from the payment as read (the page's payer, or a force approve's
/// customer / the payment's customer / the default test payer).
pub async fn approve(
    st: &AppState,
    msn: &str,
    reference: &str,
    phone: impl Fn(&Payment) -> Result<String, ApiProblem>,
) -> Result<Approved, ApiProblem> {
    versioned::transact::<Epayment, _, _>(st, msn, reference, |cur, now| {
        let s = cur.ok_or_else(|| ApiProblem::not_found(reference))?;
        let phone = phone(&s.payment)?;
        Ok(match s.payment.approve(&phone, now)? {
            Approval::Approved(t) => (persist(&t, s.version), Approved::Yes(t.payment)),
            Approval::Declined(t, why) => {
                (persist(&t, s.version), Approved::Declined(t.payment, why))
            }
        })
    })
    .await
}

/// The payer submitted a phone number on the landing page.
pub async fn submit_phone(st: &AppState, msn: &str, reference: &str) -> Result<(), ApiProblem> {
    versioned::transact::<Epayment, _, _>(st, msn, reference, |cur, now| {
        let s = cur.ok_or_else(|| ApiProblem::not_found(reference))?;
        Ok(match s.payment.submit_phone(now)? {
            Some(t) => (persist(&t, s.version), ()),
            None => (WriteSet::new(), ()),
        })
    })
    .await
}

/// The payer came back to the landing page: after a submitted phone number
/// that cancels the payment. Returns the payment as it is afterwards.
pub async fn back_to_landing(
    st: &AppState,
    msn: &str,
    reference: &str,
) -> Result<Option<Payment>, ApiProblem> {
    versioned::transact::<Epayment, _, _>(st, msn, reference, |cur, now| {
        let Some(s) = cur else {
            return Ok((WriteSet::new(), None));
        };
        Ok(match s.payment.back_to_landing(now) {
            Some(t) => (persist(&t, s.version), Some(t.payment)),
            None => (WriteSet::new(), Some(s.payment.clone())),
        })
    })
    .await
}

/// The payer rejects the payment.
pub async fn reject(st: &AppState, msn: &str, reference: &str) -> Result<Payment, ApiProblem> {
    versioned::transact::<Epayment, _, _>(st, msn, reference, |cur, now| {
        let s = cur.ok_or_else(|| ApiProblem::not_found(reference))?;
        let t = s.payment.reject(now)?;
        Ok((persist(&t, s.version), t.payment))
    })
    .await
}
