//! The log of API requests shown to integrators. It holds no secrets: no
//! bodies, no credentials, no tokens, only what identifies the call.

use serde::Serialize;
use sqlx::Row;

use crate::{Db, WriteSet};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
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
}

/// Rows written per flush, and the longest a row waits for one.
const FLUSH_ROWS: usize = 500;
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(100);
/// Rows held while the database is slower than the traffic; beyond this the
/// log drops rows rather than grow without bound or slow the API down.
pub(crate) const BACKLOG: usize = 100_000;

fn insert(w: &mut WriteSet, r: RequestRecord) {
    w.push(
        "INSERT INTO requests (at, msn, method, path, status, latency_us, system_name, system_version, \
         plugin_name, plugin_version, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        vec![
            r.at.into(),
            r.msn.into(),
            r.method.into(),
            r.path.into(),
            r.status.into(),
            r.latency_us.into(),
            r.system_name.into(),
            r.system_version.into(),
            r.plugin_name.into(),
            r.plugin_version.into(),
            r.idempotency_key.into(),
        ],
    );
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
        let mut w = WriteSet::new();
        for r in batch.drain(..) {
            insert(&mut w, r);
        }
        if let Err(e) = db.write(w).await {
            tracing::warn!(error = %e, "request log write failed");
        }
    }
}

impl Db {
    /// Queues a request for the log without making the caller wait.
    pub fn log_request(&self, r: RequestRecord) {
        if self.request_log.try_send(r).is_err() {
            tracing::debug!("request log backlog full; row dropped");
        }
    }

    /// The newest requests, optionally of one merchant.
    pub async fn requests(
        &self,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<RequestRecord>> {
        let rows = sqlx::query(
            "SELECT at, msn, method, path, status, latency_us, system_name, system_version, plugin_name, \
             plugin_version, idempotency_key FROM requests WHERE ($1 IS NULL OR msn = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(msn)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| RequestRecord {
                at: r.get(0),
                msn: r.get(1),
                method: r.get(2),
                path: r.get(3),
                status: r.get(4),
                latency_us: r.get(5),
                system_name: r.get(6),
                system_version: r.get(7),
                plugin_name: r.get(8),
                plugin_version: r.get(9),
                idempotency_key: r.get(10),
            })
            .collect())
    }
}
