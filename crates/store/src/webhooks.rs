//! Webhook registrations (Webhooks API v1), per merchant.

use serde::Serialize;
use sqlx::{any::AnyRow, Row};

use crate::{Db, WriteSet};

#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    pub id: String,
    pub msn: String,
    pub url: String,
    pub events: Vec<String>,
    #[serde(skip)]
    pub secret: String,
    pub created_at: i64,
}

fn webhook(r: &AnyRow) -> Webhook {
    let events: String = r.get(3);
    Webhook {
        id: r.get(0),
        msn: r.get(1),
        url: r.get(2),
        events: events
            .split(' ')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        secret: r.get(4),
        created_at: r.get(5),
    }
}

impl Db {
    pub async fn webhooks(&self, msn: &str) -> anyhow::Result<Vec<Webhook>> {
        let rows = sqlx::query(
            "SELECT id, msn, url, events, secret, created_at FROM webhooks WHERE msn = $1 ORDER BY created_at, id",
        )
        .bind(msn)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(webhook).collect())
    }
}

/// Events are stored space-separated and space-padded so that one event type
/// can be matched with `LIKE '% type %'` inside the outbox insert.
pub fn insert_webhook(w: &Webhook) -> WriteSet {
    let mut ws = WriteSet::new();
    ws.push(
        "INSERT INTO webhooks (id, msn, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            w.id.clone().into(),
            w.msn.clone().into(),
            w.url.clone().into(),
            format!(" {} ", w.events.join(" ")).into(),
            w.secret.clone().into(),
            w.created_at.into(),
        ],
    );
    ws
}

/// Deleting another merchant's webhook changes no row: a conflict, i.e. 404.
pub fn delete_webhook(msn: &str, id: &str) -> WriteSet {
    let mut ws = WriteSet::new();
    ws.push_checked(
        "DELETE FROM webhooks WHERE id = $1 AND msn = $2",
        vec![id.into(), msn.into()],
    );
    ws
}
