//! Stored outcomes of requests made with an idempotency key
//! (docs/reliability.md#idempotency): the key's scope is (MSN, operation path, key), the
//! fingerprint is a hash of method, path and raw body, and the stored status
//! and body are replayed byte for byte while the record is within retention.

use sqlx::Row;

use crate::{Db, WriteSet};

#[derive(Debug, Clone)]
pub struct Record {
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
    pub created_at: i64,
}

/// How long a key is remembered, on the sandbox clock.
pub const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

impl Db {
    /// The live record for a key, ignoring one older than the retention.
    pub async fn idempotency_record(
        &self,
        msn: &str,
        scope: &str,
        key: &str,
        now: i64,
    ) -> anyhow::Result<Option<Record>> {
        const SQL: &str =
            "SELECT fingerprint, status, body, created_at FROM idempotency WHERE msn = $1 AND scope = $2 AND key = $3";
        let record = match self.fast_read(|c| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(SQL)?
                .query_row([msn, scope, key], |r| {
                    Ok(Record {
                        fingerprint: r.get(0)?,
                        status: r.get::<_, i64>(1)? as u16,
                        body: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                })
                .optional()
        }) {
            Some(record) => record?,
            None => sqlx::query(SQL)
                .bind(msn)
                .bind(scope)
                .bind(key)
                .fetch_optional(self.pool())
                .await?
                .map(|r| Record {
                    fingerprint: r.get(0),
                    status: r.get::<i64, _>(1) as u16,
                    body: r.get(2),
                    created_at: r.get(3),
                }),
        };
        Ok(record.filter(|r| now - r.created_at < RETENTION_MS))
    }
}

/// Records an outcome. The insert must take the key (or replace one past
/// retention); if a concurrent twin took it first the whole write set is a
/// conflict, and the caller replays the twin's stored answer instead.
#[allow(clippy::too_many_arguments)]
pub fn record(
    w: &mut WriteSet,
    msn: &str,
    scope: &str,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &str,
    now: i64,
) {
    w.push_checked(
        "INSERT INTO idempotency (msn, scope, key, fingerprint, status, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (msn, scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, \
         status = excluded.status, body = excluded.body, created_at = excluded.created_at \
         WHERE idempotency.created_at < $8",
        vec![
            msn.into(),
            scope.into(),
            key.into(),
            fingerprint.into(),
            i64::from(status).into(),
            body.into(),
            now.into(),
            (now - RETENTION_MS).into(),
        ],
    );
}

impl Db {
    /// The live record for a key and the payment it is about, in one read:
    /// every idempotent ePayment call needs both.
    pub async fn idempotency_record_and_payment(
        &self,
        msn: &str,
        scope: &str,
        key: &str,
        reference: &str,
        now: i64,
    ) -> anyhow::Result<(Option<Record>, Option<crate::epayment::Stored>)> {
        const SQL: &str =
            "SELECT i.fingerprint, i.status, i.body, i.created_at, p.body, p.version \
             FROM (SELECT 1 AS one) x \
             LEFT JOIN idempotency i ON i.msn = $1 AND i.scope = $2 AND i.key = $3 \
             LEFT JOIN payments p ON p.msn = $1 AND p.reference = $4";
        type Row = (
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<i64>,
        );
        let row: Row = match self.fast_read(|c| {
            c.prepare_cached(SQL)?
                .query_row([msn, scope, key, reference], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
        }) {
            Some(row) => row?,
            None => {
                let r = sqlx::query(SQL)
                    .bind(msn)
                    .bind(scope)
                    .bind(key)
                    .bind(reference)
                    .fetch_one(self.pool())
                    .await?;
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))
            }
        };
        let (fingerprint, status, rec_body, created_at, body, version) = row;
        let record = match (fingerprint, status, rec_body, created_at) {
            (Some(fingerprint), Some(status), Some(body), Some(created_at)) => Some(Record {
                fingerprint,
                status: status as u16,
                body,
                created_at,
            }),
            _ => None,
        }
        .filter(|r| now - r.created_at < RETENTION_MS);
        let payment = match (body, version) {
            (Some(body), Some(version)) => Some(crate::epayment::Stored {
                payment: serde_json::from_str(&body)?,
                version,
            }),
            _ => None,
        };
        Ok((record, payment))
    }
}
