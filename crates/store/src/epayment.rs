//! ePayment payments and their event logs.
//!
//! A payment row keeps the whole domain [`Payment`] as JSON plus the columns
//! needed to find it (by token, by payer phone, by expiry). Every change is
//! `UPDATE … WHERE version = ?`, so concurrent writers never lose an update.

use sqlx::Row;
use vipps_domain::{
    epayment::{EventName, Payment, PaymentEvent, Transition},
    Currency, Millis, Money,
};

use crate::{stored, Db, DueCursor, WriteSet};

/// An ePayment payment as read, with its version.
pub type Stored = crate::Stored<Payment>;

/// An event as listed, with the payment it belongs to.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub reference: String,
    pub event: PaymentEvent,
}

impl Db {
    /// The newest payments, of one merchant or of all, for the console.
    pub async fn recent_payments(
        &self,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored>> {
        let rows = match msn {
            Some(msn) => {
                sqlx::query(
                    "SELECT body, version FROM payments WHERE msn = $1 ORDER BY created_at DESC LIMIT $2",
                )
                .bind(msn)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query("SELECT body, version FROM payments ORDER BY created_at DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(stored).collect()
    }

    pub async fn payment(&self, msn: &str, reference: &str) -> anyhow::Result<Option<Stored>> {
        const SQL: &str = "SELECT body, version FROM payments WHERE msn = $1 AND reference = $2";
        if let Some(row) = self.fast_read(|c| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(SQL)?
                .query_row([msn, reference], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
                .optional()
        }) {
            return row?
                .map(|(body, version)| {
                    Ok(Stored {
                        payment: serde_json::from_str(&body)?,
                        version,
                    })
                })
                .transpose();
        }
        let row = sqlx::query(SQL)
            .bind(msn)
            .bind(reference)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(stored).transpose()
    }

    pub async fn payment_by_token(&self, token: &str) -> anyhow::Result<Option<Stored>> {
        let row = sqlx::query("SELECT body, version FROM payments WHERE token = $1")
            .bind(token)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(stored).transpose()
    }

    /// Payments pushed to a phone (PUSH_MESSAGE or a prefilled customer), newest first.
    /// Payments the phone (an MSISDN) approved, newest first.
    pub async fn payments_paid_by(&self, phone: &str, limit: i64) -> anyhow::Result<Vec<Stored>> {
        let rows = sqlx::query(
            "SELECT body, version FROM payments WHERE payer_phone = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(phone)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    pub async fn payments_for_phone(&self, phone: &str, limit: i64) -> anyhow::Result<Vec<Stored>> {
        let rows = sqlx::query(
            "SELECT body, version FROM payments WHERE customer_phone = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(phone)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    /// CREATED payments whose payer window is over at `now`, in expiry
    /// order, starting after `after`.
    pub async fn payments_due_to_expire(
        &self,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<Stored>)>> {
        self.due_to_expire("payments", "reference", "CREATED", now, after, limit)
            .await
    }

    /// The event log of one payment, oldest first.
    pub async fn payment_events(
        &self,
        msn: &str,
        reference: &str,
    ) -> anyhow::Result<Vec<PaymentEvent>> {
        let rows = sqlx::query(
            "SELECT name, amount, currency, ts, idempotency_key, success FROM payment_events \
             WHERE msn = $1 AND reference = $2 ORDER BY id",
        )
        .bind(msn)
        .bind(reference)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| event_from_row(r, 0)).collect()
    }
}

/// An event from a row holding `name, amount, currency, ts,
/// idempotency_key, success` from column `at` on.
pub(crate) fn event_from_row(r: &sqlx::any::AnyRow, at: usize) -> anyhow::Result<PaymentEvent> {
    let name: String = r.get(at);
    let currency: String = r.get(at + 2);
    Ok(PaymentEvent {
        name: EventName::parse(&name).ok_or_else(|| anyhow::anyhow!("bad event name {name}"))?,
        amount: Money::new(
            r.get(at + 1),
            Currency::parse(&currency).ok_or_else(|| anyhow::anyhow!("bad currency"))?,
        ),
        timestamp: r.get(at + 3),
        idempotency_key: r.get(at + 4),
        success: r.get::<i64, _>(at + 5) != 0,
    })
}

fn body(p: &Payment) -> String {
    serde_json::to_string(p).expect("a payment always serialises")
}

fn push_events(w: &mut WriteSet, p: &Payment, events: &[PaymentEvent]) {
    for e in events {
        w.push(
            "INSERT INTO payment_events (msn, reference, name, amount, currency, ts, idempotency_key, success) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                p.msn.clone().into(),
                p.reference.clone().into(),
                e.name.as_str().into(),
                e.amount.value.into(),
                e.amount.currency.as_str().into(),
                e.timestamp.into(),
                e.idempotency_key.clone().into(),
                i64::from(e.success).into(),
            ],
        );
    }
}

/// Writes that insert a new payment; a taken reference makes it a conflict.
pub fn insert_payment(t: &Transition) -> WriteSet {
    let p = &t.payment;
    let mut w = WriteSet::new();
    w.push_checked(
        "INSERT INTO payments (msn, reference, version, state, token, customer_phone, expires_at, created_at, body, payer_phone) \
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        vec![
            p.msn.clone().into(),
            p.reference.clone().into(),
            p.state.as_str().into(),
            p.token.clone().into(),
            p.customer_phone.clone().into(),
            p.expires_at.into(),
            p.created_at.into(),
            body(p).into(),
            p.payer_phone.clone().into(),
        ],
    );
    push_events(&mut w, p, &t.events);
    w
}

/// Writes that move a payment from `version` to the transition's state.
pub fn update_payment(t: &Transition, version: i64) -> WriteSet {
    let p = &t.payment;
    let mut w = WriteSet::new();
    w.push_checked(
        "UPDATE payments SET version = version + 1, state = $1, expires_at = $2, body = $3, payer_phone = $7 \
         WHERE msn = $4 AND reference = $5 AND version = $6",
        vec![
            p.state.as_str().into(),
            p.expires_at.into(),
            body(p).into(),
            p.msn.clone().into(),
            p.reference.clone().into(),
            version.into(),
            p.payer_phone.clone().into(),
        ],
    );
    push_events(&mut w, p, &t.events);
    w
}
