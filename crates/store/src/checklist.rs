//! What the checklist verifier reads of one merchant: its logged calls, the
//! deliveries sent to it with their attempts, and its payments of every
//! API. A handful of queries, each one indexed scan of the merchant's rows.

use std::collections::HashMap;

use sqlx::Row;
use vipps_domain::checklist::{
    judge, Attempt, Call, Checklist, Delivery, EpaymentRecord, Report, Traffic,
};

use crate::{epayment::event_from_row, Db};

impl Db {
    /// The verifier's reports for `msn`: one checklist, or all four.
    pub async fn checklist_reports(
        &self,
        msn: &str,
        only: Option<Checklist>,
    ) -> anyhow::Result<Vec<Report>> {
        let traffic = self.traffic(msn).await?;
        Ok(match only {
            Some(c) => vec![judge(c, msn, &traffic)],
            None => Checklist::ALL
                .into_iter()
                .map(|c| judge(c, msn, &traffic))
                .collect(),
        })
    }

    /// Everything recorded of merchant `msn`, oldest first.
    pub async fn traffic(&self, msn: &str) -> anyhow::Result<Traffic> {
        Ok(Traffic {
            calls: self.checklist_calls(msn).await?,
            deliveries: self.checklist_deliveries(msn).await?,
            epayments: self.checklist_epayments(msn).await?,
            ecom: self.bodies("ecom_payments", msn).await?,
            psp: self.bodies("psp_payments", msn).await?,
        })
    }

    async fn checklist_calls(&self, msn: &str) -> anyhow::Result<Vec<Call>> {
        const SQL: &str = "SELECT id, at, method, path, status, system_name IS NOT NULL, \
             system_version IS NOT NULL, plugin_name IS NOT NULL, plugin_version IS NOT NULL, \
             idempotency_key, request_id, body_digest, fault FROM requests WHERE msn = $1 ORDER BY id";
        // A long history is most of a verdict's time: on SQLite it is read
        // directly, off the async threads (see `fast_read`).
        if self.sqlite_file.is_some() {
            let db = self.clone();
            let msn = msn.to_owned();
            return tokio::task::spawn_blocking(move || {
                db.fast_read(|c| {
                    let mut stmt = c.prepare(SQL)?;
                    let rows = stmt.query_map([&msn], |r| {
                        Ok(Call {
                            id: r.get(0)?,
                            at: r.get(1)?,
                            method: r.get(2)?,
                            path: r.get(3)?,
                            status: r.get(4)?,
                            system_name: r.get(5)?,
                            system_version: r.get(6)?,
                            plugin_name: r.get(7)?,
                            plugin_version: r.get(8)?,
                            idempotency_key: r.get(9)?,
                            request_id: r.get(10)?,
                            body_digest: r.get(11)?,
                            fault: r.get(12)?,
                        })
                    })?;
                    rows.collect::<rusqlite::Result<Vec<Call>>>()
                })
                .expect("a SQLite database")
            })
            .await?;
        }
        let rows = sqlx::query(SQL).bind(msn).fetch_all(self.pool()).await?;
        Ok(rows
            .iter()
            .map(|r| Call {
                id: r.get(0),
                at: r.get(1),
                method: r.get(2),
                path: r.get(3),
                status: r.get(4),
                system_name: r.get(5),
                system_version: r.get(6),
                plugin_name: r.get(7),
                plugin_version: r.get(8),
                idempotency_key: r.get(9),
                request_id: r.get(10),
                body_digest: r.get(11),
                fault: r.get(12),
            })
            .collect())
    }

    async fn checklist_deliveries(&self, msn: &str) -> anyhow::Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT delivery_id, at, status_code, error_kind, response FROM delivery_attempts \
             WHERE delivery_id IN (SELECT id FROM deliveries WHERE msn = $1) ORDER BY id",
        )
        .bind(msn)
        .fetch_all(self.pool())
        .await?;
        let mut attempts: HashMap<String, Vec<Attempt>> = HashMap::new();
        for r in &rows {
            attempts.entry(r.get(0)).or_default().push(Attempt {
                at: r.get(1),
                status: r.get(2),
                error_kind: r.get(3),
                response: r.get(4),
            });
        }
        let rows = sqlx::query(
            "SELECT id, kind, url, event_type, target_id, body, status, created_at FROM deliveries \
             WHERE msn = $1 ORDER BY created_at, seq",
        )
        .bind(msn)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let id: String = r.get(0);
                Delivery {
                    attempts: attempts.remove(&id).unwrap_or_default(),
                    id,
                    kind: r.get(1),
                    url: r.get(2),
                    event_type: r.get(3),
                    target_id: r.get(4),
                    body: r.get(5),
                    status: r.get(6),
                    created_at: r.get(7),
                }
            })
            .collect())
    }

    async fn checklist_epayments(&self, msn: &str) -> anyhow::Result<Vec<EpaymentRecord>> {
        let rows = sqlx::query(
            "SELECT reference, name, amount, currency, ts, idempotency_key, success FROM payment_events \
             WHERE msn = $1 ORDER BY id",
        )
        .bind(msn)
        .fetch_all(self.pool())
        .await?;
        let mut events: HashMap<String, Vec<_>> = HashMap::new();
        for r in &rows {
            events
                .entry(r.get(0))
                .or_default()
                .push(event_from_row(r, 1)?);
        }
        let payments: Vec<vipps_domain::epayment::Payment> = self.bodies("payments", msn).await?;
        Ok(payments
            .into_iter()
            .map(|payment| EpaymentRecord {
                events: events.remove(&payment.reference).unwrap_or_default(),
                payment,
            })
            .collect())
    }

    /// The JSON bodies of one merchant's rows of `table`, oldest first.
    async fn bodies<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        msn: &str,
    ) -> anyhow::Result<Vec<T>> {
        let sql = format!("SELECT body FROM {table} WHERE msn = $1 ORDER BY created_at");
        let rows = sqlx::query(&sql).bind(msn).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(&r.get::<String, _>(0))?))
            .collect()
    }
}
