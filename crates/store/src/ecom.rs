//! eCom v2 payments and the per-unit eCom settings.
//!
//! Like [`crate::epayment`], a row is the whole domain payment as JSON plus
//! the columns it is found by; the operation log lives inside the JSON
//! because `/details` always shows all of it. Every change is
//! `UPDATE … WHERE version = $n`, so concurrent writers never lose one.

use sqlx::Row;
use vipps_domain::{
    ecom::{Payment, UnitSettings},
    Millis,
};

use crate::{stored, Db, DueCursor, WriteSet};

/// An eCom payment as read, with its version.
pub type StoredEcom = crate::Stored<Payment>;

impl Db {
    /// The newest payments, of one merchant or of all, for the console.
    pub async fn recent_ecom_payments(
        &self,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredEcom>> {
        let rows = match msn {
            Some(msn) => {
                sqlx::query(
                    "SELECT body, version FROM ecom_payments WHERE msn = $1 ORDER BY created_at DESC LIMIT $2",
                )
                .bind(msn)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query("SELECT body, version FROM ecom_payments ORDER BY created_at DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(stored).collect()
    }

    pub async fn ecom_payment(
        &self,
        msn: &str,
        order_id: &str,
    ) -> anyhow::Result<Option<StoredEcom>> {
        let row =
            sqlx::query("SELECT body, version FROM ecom_payments WHERE msn = $1 AND order_id = $2")
                .bind(msn)
                .bind(order_id)
                .fetch_optional(self.pool())
                .await?;
        row.as_ref().map(stored).transpose()
    }

    /// The payment behind a landing-page token.
    pub async fn ecom_payment_by_token(&self, token: &str) -> anyhow::Result<Option<StoredEcom>> {
        let row = sqlx::query("SELECT body, version FROM ecom_payments WHERE token = $1")
            .bind(token)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(stored).transpose()
    }

    /// eCom payments whose merchant prefilled this phone (an MSISDN), newest first.
    pub async fn ecom_payments_for_phone(
        &self,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredEcom>> {
        let rows = sqlx::query(
            "SELECT body, version FROM ecom_payments WHERE customer_phone = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(phone)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    /// eCom payments the phone (an MSISDN) approved, newest first.
    pub async fn ecom_payments_paid_by(
        &self,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredEcom>> {
        let rows = sqlx::query(
            "SELECT body, version FROM ecom_payments WHERE payer_phone = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(phone)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    /// Payments still waiting for their payer whose window is over at
    /// `now`, in expiry order, starting after `after`.
    pub async fn ecom_payments_due_to_expire(
        &self,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<StoredEcom>)>> {
        self.due_to_expire("ecom_payments", "order_id", "INITIATE", now, after, limit)
            .await
    }

    /// A unit's eCom settings; the defaults when none were stored.
    pub async fn ecom_settings(&self, msn: &str) -> anyhow::Result<UnitSettings> {
        let row = sqlx::query(
            "SELECT direct_capture, skip_landing_page_denied, nin_allowed FROM ecom_unit_settings WHERE msn = $1",
        )
        .bind(msn)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map_or_else(UnitSettings::default, |r| UnitSettings {
            direct_capture: r.get::<i64, _>(0) != 0,
            skip_landing_page_denied: r.get::<i64, _>(1) != 0,
            nin_allowed: r.get::<i64, _>(2) != 0,
        }))
    }

    pub async fn set_ecom_settings(&self, msn: &str, s: UnitSettings) -> anyhow::Result<()> {
        let mut w = WriteSet::new();
        w.push(
            "INSERT INTO ecom_unit_settings (msn, direct_capture, skip_landing_page_denied, nin_allowed) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (msn) DO UPDATE SET direct_capture = excluded.direct_capture, \
             skip_landing_page_denied = excluded.skip_landing_page_denied, nin_allowed = excluded.nin_allowed",
            vec![
                msn.into(),
                i64::from(s.direct_capture).into(),
                i64::from(s.skip_landing_page_denied).into(),
                i64::from(s.nin_allowed).into(),
            ],
        );
        Ok(self.write(w).await?)
    }
}

fn body(p: &Payment) -> String {
    serde_json::to_string(p).expect("a payment always serialises")
}

/// Writes that insert a new payment; a taken orderId makes it a conflict.
pub fn insert_ecom(p: &Payment) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "INSERT INTO ecom_payments (msn, order_id, version, state, token, expires_at, created_at, body, \
         customer_phone, payer_phone) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        vec![
            p.msn.clone().into(),
            p.order_id.clone().into(),
            p.state.as_str().into(),
            p.token.clone().into(),
            p.expires_at.into(),
            p.created_at.into(),
            body(p).into(),
            p.mobile_number.as_deref().map(vipps_domain::ecom::msisdn).into(),
            p.payer_phone.clone().into(),
        ],
    );
    w
}

/// Writes that move a payment on from `version`.
pub fn update_ecom(p: &Payment, version: i64) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "UPDATE ecom_payments SET version = version + 1, state = $1, body = $2, payer_phone = $6 \
         WHERE msn = $3 AND order_id = $4 AND version = $5",
        vec![
            p.state.as_str().into(),
            body(p).into(),
            p.msn.clone().into(),
            p.order_id.clone().into(),
            version.into(),
            p.payer_phone.clone().into(),
        ],
    );
    w
}
