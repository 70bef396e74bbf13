//! The log of API requests shown to integrators. It holds no secrets: the
//! caller strips credentials from the headers and secrets from the bodies
//! (and bounds both) before a record reaches this log.

use serde::Serialize;
use sqlx::Row;

use crate::{Db, WriteSet};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// Assigned by the database; 0 until the row is written.
    pub id: i64,
    pub at: i64,
    pub msn: Option<String>,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub latency_us: i64,
    pub system_name: Option<String>,
    pub system_version: Option<String>,
    pub plugin_name: Option<String>,
    pub plugin_version: Option<String>,
    pub idempotency_key: Option<String>,
    pub trace_id: Option<String>,
    /// Header name → value, credentials already replaced.
    pub request_headers: Option<serde_json::Value>,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    /// eCom's `X-Request-Id` header.
    pub request_id: Option<String>,
    /// A digest of the body as sent: equal digests, equal bodies.
    pub body_digest: Option<String>,
    /// The fault rule or rate limit that answered it, if one did.
    pub fault: Option<String>,
}

/// Which rows [`Db::requests`] returns: all of one merchant's, or those
/// whose path contains `path`, whose status starts with `status`, or whose
/// path or request body mentions `mention` (a payment's reference).
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestFilter<'a> {
    pub msn: Option<&'a str>,
    pub path: Option<&'a str>,
    pub status: Option<&'a str>,
    pub mention: Option<&'a str>,
}

/// Rows written per flush, and the longest a row waits for one.
const FLUSH_ROWS: usize = 500;
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(100);
/// Rows held while the database is slower than the traffic; beyond this the
/// log drops rows rather than grow without bound or slow the API down.
pub(crate) const BACKLOG: usize = 100_000;

/// One statement for a whole flush: the rows travel as one JSON array
/// parameter and the database expands it, so a flush is one round trip.
const INSERT_SQLITE: &str = "INSERT INTO requests (at, msn, method, path, status, latency_us, system_name, \
     system_version, plugin_name, plugin_version, idempotency_key, trace_id, request_headers, request_body, \
     response_body, request_id, body_digest, fault) \
     SELECT json_extract(value, '$.at'), json_extract(value, '$.msn'), json_extract(value, '$.method'), \
     json_extract(value, '$.path'), json_extract(value, '$.status'), json_extract(value, '$.latency_us'), \
     json_extract(value, '$.system_name'), json_extract(value, '$.system_version'), \
     json_extract(value, '$.plugin_name'), json_extract(value, '$.plugin_version'), \
     json_extract(value, '$.idempotency_key'), json_extract(value, '$.trace_id'), \
     json_extract(value, '$.request_headers'), json_extract(value, '$.request_body'), \
     json_extract(value, '$.response_body'), json_extract(value, '$.request_id'), \
     json_extract(value, '$.body_digest'), json_extract(value, '$.fault') FROM json_each($1)";
const INSERT_POSTGRES: &str =
    "INSERT INTO requests (at, msn, method, path, status, latency_us, system_name, \
     system_version, plugin_name, plugin_version, idempotency_key, trace_id, request_headers, request_body, \
     response_body, request_id, body_digest, fault) \
     SELECT at, msn, method, path, status, latency_us, system_name, system_version, plugin_name, \
     plugin_version, idempotency_key, trace_id, request_headers, request_body, response_body, request_id, \
     body_digest, fault FROM json_populate_recordset(NULL::requests, $1::json)";

fn insert_all(db: &Db, rows: &[RequestRecord]) -> WriteSet {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "at": r.at, "msn": r.msn, "method": r.method, "path": r.path, "status": r.status,
                "latency_us": r.latency_us, "system_name": r.system_name, "system_version": r.system_version,
                "plugin_name": r.plugin_name, "plugin_version": r.plugin_version,
                "idempotency_key": r.idempotency_key, "trace_id": r.trace_id,
                "request_headers": r.request_headers.as_ref().map(|h| h.to_string()),
                "request_body": r.request_body, "response_body": r.response_body,
                "request_id": r.request_id, "body_digest": r.body_digest, "fault": r.fault,
            })
        })
        .collect();
    let sql = match db.backend {
        crate::Backend::Sqlite => INSERT_SQLITE,
        crate::Backend::Postgres => INSERT_POSTGRES,
    };
    let mut w = WriteSet::new();
    w.push(sql, vec![serde_json::Value::Array(rows).to_string().into()]);
    w
}

/// Collects log rows and writes them many at a time: one write set per
/// flush instead of one per request, so logging never competes with the
/// API's own writes for the writer.
pub(crate) async fn flush_loop(db: Db, mut rx: tokio::sync::mpsc::Receiver<RequestRecord>) {
    let mut batch = Vec::with_capacity(FLUSH_ROWS);
    loop {
        let first = match rx.recv().await {
            Some(r) => r,
            None => return,
        };
        batch.push(first);
        let deadline = tokio::time::Instant::now() + FLUSH_EVERY;
        while batch.len() < FLUSH_ROWS {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(r)) => batch.push(r),
                Ok(None) | Err(_) => break,
            }
        }
        let w = insert_all(&db, &batch);
        batch.clear();
        if let Err(e) = db.write(w).await {
            tracing::warn!(error = %e, "request log write failed");
        }
    }
}

/// How long the request log keeps a row, on the sandbox clock.
pub const RETENTION_MS: i64 = 7 * 24 * 60 * 60 * 1000;

impl Db {
    /// Forgets what a long-running sandbox need not keep: requests and
    /// finished deliveries (with their attempts) older than [`RETENTION_MS`],
    /// and idempotency records past their own retention.
    pub async fn prune(&self, now: i64) -> Result<(), crate::WriteError> {
        let before = now - RETENTION_MS;
        let mut w = WriteSet::new();
        w.push("DELETE FROM requests WHERE at < $1", vec![before.into()]);
        // A finished row's next_attempt_at is when it finished.
        w.push(
            "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries \
             WHERE status IN ('delivered', 'failed') AND next_attempt_at < $1)",
            vec![before.into()],
        );
        w.push(
            "DELETE FROM deliveries WHERE status IN ('delivered', 'failed') AND next_attempt_at < $1",
            vec![before.into()],
        );
        w.push(
            "DELETE FROM idempotency WHERE created_at < $1",
            vec![(now - crate::idempotency::RETENTION_MS).into()],
        );
        self.write(w).await
    }

    /// Writes log rows at once, in flush-sized statements (for importing
    /// and for benchmarks; the API's rows go through [`Db::log_request`]).
    pub async fn import_requests(&self, rows: &[RequestRecord]) -> Result<(), crate::WriteError> {
        for chunk in rows.chunks(FLUSH_ROWS) {
            self.write(insert_all(self, chunk)).await?;
        }
        Ok(())
    }

    /// Queues a request for the log without making the caller wait.
    pub fn log_request(&self, r: RequestRecord) {
        if self.request_log.try_send(r).is_err() {
            tracing::debug!("request log backlog full; row dropped");
        }
    }

    /// The newest requests matching `filter`, newest first.
    pub async fn requests(
        &self,
        filter: RequestFilter<'_>,
        limit: i64,
    ) -> anyhow::Result<Vec<RequestRecord>> {
        // `LIKE` patterns with the filter's own `%`/`_` taken literally.
        let like = |s: &str| {
            let escaped = s
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        };
        let rows = sqlx::query(
            "SELECT id, at, msn, method, path, status, latency_us, system_name, system_version, plugin_name, \
             plugin_version, idempotency_key, trace_id, request_headers, request_body, response_body, \
             request_id, body_digest, fault FROM requests WHERE ($1 IS NULL OR msn = $1) \
             AND ($2 IS NULL OR path LIKE $2 ESCAPE '\\') \
             AND ($3 IS NULL OR CAST(status AS TEXT) LIKE $3) \
             AND ($4 IS NULL OR path LIKE $4 ESCAPE '\\' OR request_body LIKE $4 ESCAPE '\\') \
             ORDER BY id DESC LIMIT $5",
        )
        .bind(filter.msn)
        .bind(filter.path.map(like))
        .bind(filter.status.map(|s| format!("{}%", s.replace(['%', '_'], ""))))
        .bind(filter.mention.map(like))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| RequestRecord {
                id: r.get(0),
                at: r.get(1),
                msn: r.get(2),
                method: r.get(3),
                path: r.get(4),
                status: r.get(5),
                latency_us: r.get(6),
                system_name: r.get(7),
                system_version: r.get(8),
                plugin_name: r.get(9),
                plugin_version: r.get(10),
                idempotency_key: r.get(11),
                trace_id: r.get(12),
                request_headers: r
                    .get::<Option<String>, _>(13)
                    .and_then(|h| serde_json::from_str(&h).ok()),
                request_body: r.get(14),
                response_body: r.get(15),
                request_id: r.get(16),
                body_digest: r.get(17),
                fault: r.get(18),
            })
            .collect())
    }
}
