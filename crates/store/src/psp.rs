//! PSP API v3 payments and the status reports about unknown transactions.
//!
//! Like [`crate::ecom`], a row is the whole domain payment as JSON plus the
//! columns it is found by, changed only by `UPDATE … WHERE version = $n`.

use sqlx::Row;
use vipps_domain::{psp::Payment, Millis};

use crate::{stored, Db, DueCursor, WriteSet};

/// A PSP payment as read, with its version.
pub type StoredPsp = crate::Stored<Payment>;

/// The `state` column: whether the payment still has a deadline.
fn state(p: &Payment) -> &'static str {
    if p.deadline().is_some() {
        "OPEN"
    } else {
        "DONE"
    }
}

fn body(p: &Payment) -> String {
    serde_json::to_string(p).expect("a payment always serialises")
}

/// The `expires_at` column: the next deadline, or the payer window's end.
fn expires_at(p: &Payment) -> Millis {
    p.deadline().unwrap_or(p.expires_at)
}

/// The writes of a new payment. A taken transaction id or order id makes
/// the commit a conflict.
pub fn insert_psp_payment(p: &Payment) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "INSERT INTO psp_payments (psp_id, psp_transaction_id, id, msn, merchant_order_id, version, \
         state, token, expires_at, created_at, customer_phone, body) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        vec![
            p.psp_id.clone().into(),
            p.psp_transaction_id.clone().into(),
            p.key().into(),
            p.msn.clone().into(),
            p.merchant_order_id.clone().into(),
            state(p).into(),
            p.token.clone().into(),
            expires_at(p).into(),
            p.created_at.into(),
            p.mobile_number.as_ref().map(|m| format!("47{m}")).into(),
            body(p).into(),
        ],
    );
    w
}

/// Writes that move a payment on from `version`.
pub fn update_psp_payment(p: &Payment, version: i64) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "UPDATE psp_payments SET version = version + 1, state = $1, expires_at = $2, body = $3 \
         WHERE id = $4 AND version = $5",
        vec![
            state(p).into(),
            expires_at(p).into(),
            body(p).into(),
            p.key().into(),
            version.into(),
        ],
    );
    w
}

/// A status report about a transaction the PSP never initiated.
pub fn record_unknown_report(
    w: &mut WriteSet,
    psp_id: &str,
    msn: &str,
    psp_transaction_id: &str,
    status: &str,
    amount: i64,
    now: Millis,
) {
    w.push(
        "INSERT INTO psp_unknown_reports (id, psp_id, msn, psp_transaction_id, status, amount, reported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            uuid::Uuid::new_v4().to_string().into(),
            psp_id.into(),
            msn.into(),
            psp_transaction_id.into(),
            status.into(),
            amount.into(),
            now.into(),
        ],
    );
}

/// A status report nobody could match, as listed.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownReport {
    pub msn: String,
    pub psp_transaction_id: String,
    pub status: String,
    pub amount: i64,
    pub reported_at: Millis,
}

impl Db {
    /// The newest payments, of one merchant or of all, for the console.
    pub async fn recent_psp_payments(
        &self,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredPsp>> {
        let rows = match msn {
            Some(msn) => {
                sqlx::query(
                    "SELECT body, version FROM psp_payments WHERE msn = $1 ORDER BY created_at DESC LIMIT $2",
                )
                .bind(msn)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query("SELECT body, version FROM psp_payments ORDER BY created_at DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(stored).collect()
    }

    /// Payment `key` ("<psp id>/<pspTransactionId>") of merchant `msn`.
    pub async fn psp_payment(&self, msn: &str, key: &str) -> anyhow::Result<Option<StoredPsp>> {
        let row = sqlx::query("SELECT body, version FROM psp_payments WHERE id = $1 AND msn = $2")
            .bind(key)
            .bind(msn)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(stored).transpose()
    }

    /// Whether PSP `psp_id` used transaction id `id` (for any merchant), and
    /// whether merchant `msn` has a PSP payment with order id `order_id`.
    pub async fn psp_ids_taken(
        &self,
        psp_id: &str,
        id: &str,
        msn: &str,
        order_id: &str,
    ) -> anyhow::Result<(bool, bool)> {
        let tx =
            sqlx::query("SELECT 1 FROM psp_payments WHERE psp_id = $1 AND psp_transaction_id = $2")
                .bind(psp_id)
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        let order =
            sqlx::query("SELECT 1 FROM psp_payments WHERE msn = $1 AND merchant_order_id = $2")
                .bind(msn)
                .bind(order_id)
                .fetch_optional(self.pool())
                .await?;
        Ok((tx.is_some(), order.is_some()))
    }

    /// The payment behind a landing-page token.
    pub async fn psp_payment_by_token(&self, token: &str) -> anyhow::Result<Option<StoredPsp>> {
        let row = sqlx::query("SELECT body, version FROM psp_payments WHERE token = $1")
            .bind(token)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(stored).transpose()
    }

    /// PSP payments whose PSP prefilled this phone (an MSISDN), newest first.
    pub async fn psp_payments_for_phone(
        &self,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredPsp>> {
        let rows = sqlx::query(
            "SELECT body, version FROM psp_payments WHERE customer_phone = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(phone)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    /// The newest payments of PSP `psp_id`, for every merchant it serves.
    pub async fn psp_payments_of(
        &self,
        psp_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredPsp>> {
        let rows = sqlx::query(
            "SELECT body, version FROM psp_payments WHERE psp_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(psp_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    /// Payments whose next deadline has passed at `now`, in deadline order.
    pub async fn psp_payments_due(
        &self,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<StoredPsp>)>> {
        self.due_to_expire("psp_payments", "id", "OPEN", now, after, limit)
            .await
    }

    /// The status delay of PSP `psp_id` when it serves merchant `msn`;
    /// `None` when it does not.
    pub async fn psp_serves(&self, psp_id: &str, msn: &str) -> anyhow::Result<Option<Millis>> {
        let row = sqlx::query(
            "SELECT p.status_delay_ms FROM psps p JOIN psp_merchants m ON m.psp_id = p.psp_id \
             WHERE p.psp_id = $1 AND m.msn = $2",
        )
        .bind(psp_id)
        .bind(msn)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.get::<i64, _>(0)))
    }

    /// Sets how long PSP `psp_id`'s status reports wait; false if no such PSP.
    pub async fn set_psp_status_delay(
        &self,
        psp_id: &str,
        delay_ms: Millis,
    ) -> anyhow::Result<bool> {
        if self.psp(psp_id).await?.is_none() {
            return Ok(false);
        }
        let mut w = WriteSet::new();
        w.push(
            "UPDATE psps SET status_delay_ms = $1 WHERE psp_id = $2",
            vec![delay_ms.into(), psp_id.into()],
        );
        self.write(w).await?;
        Ok(true)
    }

    /// The newest status reports PSP `psp_id` sent about unknown transactions.
    pub async fn psp_unknown_reports(
        &self,
        psp_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<UnknownReport>> {
        let rows = sqlx::query(
            "SELECT msn, psp_transaction_id, status, amount, reported_at FROM psp_unknown_reports \
             WHERE psp_id = $1 ORDER BY reported_at DESC LIMIT $2",
        )
        .bind(psp_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| UnknownReport {
                msn: r.get(0),
                psp_transaction_id: r.get(1),
                status: r.get(2),
                amount: r.get(3),
                reported_at: r.get(4),
            })
            .collect())
    }
}
