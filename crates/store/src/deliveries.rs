//! The outbox of outgoing calls and the log of their attempts
//! (docs/reliability.md#deliveries).
//!
//! Rows are written by [`enqueue_webhooks`] inside the transaction of the
//! change they report. Workers claim due rows with a lease — a conditional
//! UPDATE, never a transaction held across the HTTP call — so several
//! processes on one database never send the same attempt twice, and a row
//! whose worker died is claimed again when its lease runs out.

use serde::{Deserialize, Serialize};
use sqlx::{any::AnyRow, Row};

use crate::{Backend, Db, WriteSet};

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: String,
    pub msn: String,
    pub kind: String,
    pub target_id: Option<String>,
    pub url: String,
    pub event_type: String,
    pub order_key: String,
    pub seq: i64,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub first_due_at: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

const COLUMNS: &str =
    "id, msn, kind, target_id, url, event_type, order_key, seq, body, status, attempts, \
     first_due_at, next_attempt_at, last_status, created_at, completed_at";

fn delivery(r: &AnyRow) -> Delivery {
    Delivery {
        id: r.get(0),
        msn: r.get(1),
        kind: r.get(2),
        target_id: r.get(3),
        url: r.get(4),
        event_type: r.get(5),
        order_key: r.get(6),
        seq: r.get(7),
        body: r.get(8),
        status: r.get(9),
        attempts: r.get(10),
        first_due_at: r.get(11),
        next_attempt_at: r.get(12),
        last_status: r.get(13),
        created_at: r.get(14),
        completed_at: r.get(15),
    }
}

/// A row claimed for sending, with the secret of its webhook (`None` when
/// the webhook has been deleted since).
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub secret: Option<String>,
    /// Sent verbatim as `Authorization`: only callback rows written before
    /// the authToken stopped being copied into rows have one.
    pub auth_header: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub at: i64,
    pub status_code: i64,
    pub error_kind: Option<String>,
    pub response: Option<String>,
    pub latency_ms: i64,
    pub next_attempt_at: Option<i64>,
}

/// Fault injection for one merchant's deliveries; probabilities in [0, 1].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    #[serde(default)]
    pub drop: f64,
    #[serde(default)]
    pub delay: f64,
    #[serde(default)]
    pub delay_ms: u64,
    #[serde(default)]
    pub duplicate: f64,
}

/// Appends, to a state change's write set, one webhook delivery per
/// registration of `msn` that subscribes to `event_type`. The fan-out happens
/// in SQL inside the same transaction, so a registration is either seen or
/// not, and nothing is read outside the commit.
#[allow(clippy::too_many_arguments)]
pub fn enqueue_webhooks(
    w: &mut WriteSet,
    event_id: &str,
    msn: &str,
    reference: &str,
    event_type: &str,
    seq: i64,
    body: &str,
    now: i64,
) {
    w.push(
        "INSERT INTO deliveries (id, msn, kind, target_id, url, event_type, order_key, seq, body, status, attempts, \
         first_due_at, next_attempt_at, lease_until, created_at) \
         SELECT $1 || '-' || wh.id, wh.msn, 'webhook', wh.id, wh.url, $2, wh.id || '/' || $3, $4, $5, 'pending', 0, \
         $6, $6, 0, $6 FROM webhooks wh WHERE wh.msn = $7 AND wh.events LIKE $8",
        vec![
            event_id.into(),
            event_type.into(),
            reference.into(),
            seq.into(),
            body.into(),
            now.into(),
            msn.into(),
            format!("% {event_type} %").into(),
        ],
    );
}

/// What a row is; it decides how the row is sent (see the worker).
pub const KIND_WEBHOOK: &str = "webhook";
/// An eCom v2 callback: one attempt, no retries (docs/compatibility.md#ecom-v2-callbacks).
pub const KIND_ECOM_CALLBACK: &str = "ecom_callback";
/// A Checkout v3 session callback: retried three times with growing delays
/// (docs/compatibility.md#checkout-v3-callback); `target_id` is the
/// reference of the ePayment payment that carries the session.
pub const KIND_CHECKOUT_CALLBACK: &str = "checkout_callback";
/// A PSP v3 makePayment call: made at once while the payer waits
/// (ACCEPTED), or through the outbox, one attempt, when the payer rejected
/// or timed out; `target_id` is the payment's "<psp id>/<pspTransactionId>"
/// and `Authorization` is its `makePaymentToken`, read when sending.
pub const KIND_PSP_MAKE_PAYMENT: &str = "psp_make_payment";

/// Whether `id` could name a delivery: a UUID, or an event's and a
/// webhook's ids joined by '-'. Anything else names none, unread.
pub fn is_delivery_id(id: &str) -> bool {
    id.len() <= 100 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// Appends one callback to a state change's write set: a POST of `body` to
/// `url`. Rows with the same `order_key` are sent in `seq` order. The
/// merchant's authToken is not copied into the row: `payment_id` names the
/// payment (of `msn`) whose authToken the worker sends as `Authorization`,
/// read when it sends.
#[allow(clippy::too_many_arguments)]
pub fn enqueue_callback(
    w: &mut WriteSet,
    kind: &str,
    msn: &str,
    order_key: &str,
    seq: i64,
    url: &str,
    body: &str,
    payment_id: &str,
    now: i64,
) {
    w.push(
        "INSERT INTO deliveries (id, msn, kind, target_id, url, event_type, order_key, seq, body, status, attempts, \
         first_due_at, next_attempt_at, lease_until, created_at, auth_header) \
         VALUES ($1, $2, $3, $9, $4, $3, $5, $6, $7, 'pending', 0, $8, $8, 0, $8, NULL)",
        vec![
            uuid::Uuid::new_v4().to_string().into(),
            msn.into(),
            kind.into(),
            url.into(),
            order_key.into(),
            seq.into(),
            body.into(),
            now.into(),
            payment_id.into(),
        ],
    );
}

impl Db {
    /// Claims up to `limit` rows that may be attempted now — due, not
    /// leased, and with no earlier row of the same order key still pending —
    /// for `lease_ms`, and returns them with their webhook's secret. One
    /// conditional UPDATE takes the whole batch; on PostgreSQL a row another
    /// worker took meanwhile fails the re-checked `lease_until` condition, so
    /// each row goes to one worker only. The read returns exactly the rows
    /// stamped with this claim's owner token.
    pub async fn claim_due(
        &self,
        now: i64,
        limit: i64,
        lease_ms: i64,
    ) -> anyhow::Result<Vec<Claimed>> {
        let owner = uuid::Uuid::new_v4().to_string();
        const CLAIM: &str = "UPDATE deliveries SET lease_until = $1, lease_owner = $2 WHERE status = 'pending' AND lease_until < $3 \
             AND id IN (SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= $3 \
             AND d.lease_until < $3 AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.order_key = d.order_key \
             AND e.seq < d.seq AND e.status = 'pending') ORDER BY d.next_attempt_at, d.seq LIMIT $4)";
        if self.backend == Backend::Postgres {
            // Planned for these values every time, outside the writer: a
            // generic plan cached while the outbox was nearly empty scanned
            // it once per row once it had grown, taking seconds and holding
            // up every write queued behind it. The values are numbers and a
            // UUID made here, so writing them into the text is safe.
            let sql = CLAIM
                .replace("$1", &(now + lease_ms).to_string())
                .replace("$2", &format!("'{owner}'"))
                .replace("$3", &now.to_string())
                .replace("$4", &limit.to_string());
            sqlx::raw_sql(&sql).execute(self.pool()).await?;
        } else {
            let mut w = WriteSet::new();
            w.push(
                CLAIM,
                vec![
                    (now + lease_ms).into(),
                    owner.clone().into(),
                    now.into(),
                    limit.into(),
                ],
            );
            self.write(w).await?;
        }
        let cols: String = COLUMNS
            .split(", ")
            .map(|c| format!("d.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols}, wh.secret, d.auth_header FROM deliveries d LEFT JOIN webhooks wh ON wh.id = d.target_id \
             WHERE d.lease_owner = $1 AND d.status = 'pending' ORDER BY d.next_attempt_at, d.seq"
        );
        let rows = sqlx::query(&sql)
            .bind(&owner)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|r| Claimed {
                delivery: delivery(r),
                secret: r.get(16),
                auth_header: r.get(17),
            })
            .collect())
    }

    /// When the earliest pending row falls due (for the worker's sleep).
    pub async fn next_due_at(&self) -> anyhow::Result<Option<i64>> {
        let row =
            sqlx::query("SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'")
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get::<Option<i64>, _>(0).ok().flatten())
    }

    /// How many rows wait to be delivered (the outbox backlog).
    pub async fn pending_deliveries(&self) -> anyhow::Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn deliveries(&self, msn: Option<&str>, limit: i64) -> anyhow::Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE ($1 IS NULL OR msn = $1) ORDER BY created_at DESC, seq DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(msn)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(delivery).collect())
    }

    /// The newest deliveries, each with every attempt, in two queries.
    pub async fn deliveries_with_attempts(
        &self,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<(Delivery, Vec<Attempt>)>> {
        let list = self.deliveries(msn, limit).await?;
        let rows = sqlx::query(
            "SELECT delivery_id, at, status_code, error_kind, response, latency_ms, next_attempt_at \
             FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries \
             WHERE ($1 IS NULL OR msn = $1) ORDER BY created_at DESC, seq DESC LIMIT $2) ORDER BY id",
        )
        .bind(msn)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut by_id: std::collections::HashMap<String, Vec<Attempt>> =
            std::collections::HashMap::new();
        for r in &rows {
            by_id.entry(r.get(0)).or_default().push(Attempt {
                at: r.get(1),
                status_code: r.get(2),
                error_kind: r.get(3),
                response: r.get(4),
                latency_ms: r.get(5),
                next_attempt_at: r.get(6),
            });
        }
        Ok(list
            .into_iter()
            .map(|d| {
                let attempts = by_id.remove(&d.id).unwrap_or_default();
                (d, attempts)
            })
            .collect())
    }

    pub async fn faults(&self, msn: &str) -> anyhow::Result<Faults> {
        let row = sqlx::query("SELECT config FROM delivery_faults WHERE msn = $1")
            .bind(msn)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .and_then(|r| serde_json::from_str(&r.get::<String, _>(0)).ok())
            .unwrap_or_default())
    }

    pub async fn set_faults(&self, msn: &str, faults: &Faults) -> anyhow::Result<()> {
        let mut w = WriteSet::new();
        w.push(
            "INSERT INTO delivery_faults (msn, config) VALUES ($1, $2) \
             ON CONFLICT (msn) DO UPDATE SET config = excluded.config",
            vec![msn.into(), serde_json::to_string(faults)?.into()],
        );
        Ok(self.write(w).await?)
    }
}

/// What one attempt came to, for the attempt log and the row's next state.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub at: i64,
    pub status_code: i64,
    pub error_kind: Option<String>,
    pub response: Option<String>,
    pub latency_ms: i64,
    /// `None` when the row is finished (delivered, or failed for good).
    pub next_attempt_at: Option<i64>,
    pub delivered: bool,
}

/// Logs an attempt and moves the row on: delivered, failed, or due again.
pub fn record_attempt(id: &str, a: &AttemptRecord) -> WriteSet {
    let mut w = WriteSet::new();
    w.push(
        "INSERT INTO delivery_attempts (delivery_id, at, status_code, error_kind, response, latency_ms, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            id.into(),
            a.at.into(),
            a.status_code.into(),
            a.error_kind.clone().into(),
            a.response.clone().into(),
            a.latency_ms.into(),
            a.next_attempt_at.into(),
        ],
    );
    let (status, next, completed) = match (a.delivered, a.next_attempt_at) {
        (true, _) => (DELIVERED, a.at, Some(a.at)),
        (false, Some(next)) => (PENDING, next, None),
        (false, None) => (FAILED, a.at, Some(a.at)),
    };
    w.push(
        "UPDATE deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, lease_until = 0, \
         last_status = $3, completed_at = $4 WHERE id = $5",
        vec![status.into(), next.into(), a.status_code.into(), completed.into(), id.into()],
    );
    w
}

/// Makes a row due now again, whatever its state (manual retry).
pub fn retry_now(id: &str, now: i64) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = $1, lease_until = 0, completed_at = NULL WHERE id = $2",
        vec![now.into(), id.into()],
    );
    w
}

/// A call that was made at once (someone was waiting for its answer).
pub struct FinishedCall<'a> {
    pub msn: &'a str,
    pub kind: &'a str,
    pub url: &'a str,
    pub event_type: &'a str,
    pub order_key: &'a str,
    pub body: &'a str,
}

/// Records a call made at once: a finished row and its one attempt.
pub fn record_call(c: &FinishedCall, a: &AttemptRecord) -> WriteSet {
    let id = uuid::Uuid::new_v4().to_string();
    let status = if a.delivered { DELIVERED } else { FAILED };
    let mut w = WriteSet::new();
    w.push(
        "INSERT INTO deliveries (id, msn, kind, target_id, url, event_type, order_key, seq, body, status, attempts, \
         first_due_at, next_attempt_at, lease_until, last_status, created_at, completed_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, 0, $7, $8, 1, $9, $9, 0, $10, $9, $9)",
        vec![
            id.clone().into(),
            c.msn.into(),
            c.kind.into(),
            c.url.into(),
            c.event_type.into(),
            c.order_key.into(),
            c.body.into(),
            status.into(),
            a.at.into(),
            a.status_code.into(),
        ],
    );
    w.push(
        "INSERT INTO delivery_attempts (delivery_id, at, status_code, error_kind, response, latency_ms, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        vec![
            id.into(),
            a.at.into(),
            a.status_code.into(),
            a.error_kind.clone().into(),
            a.response.clone().into(),
            a.latency_ms.into(),
        ],
    );
    w
}
