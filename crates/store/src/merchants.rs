//! Merchants (sales units) and their API credentials. Secrets and
//! subscription keys are kept only as hashes; the plain values exist once,
//! in the answer to [`Db::create_merchant`].

use rand::Rng;
use serde::Serialize;
use sqlx::{any::AnyRow, Row};

use crate::{hash_secret, random_hex, Db, WriteError, WriteSet};

/// What a new merchant gets, printed once.
#[derive(Debug, Clone, Serialize)]
pub struct NewCredentials {
    pub name: String,
    pub msn: String,
    pub client_id: String,
    pub client_secret: String,
    pub subscription_key: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Merchant {
    pub msn: String,
    pub name: String,
    pub client_id: String,
    #[serde(skip)]
    pub client_secret_hash: String,
    #[serde(skip)]
    pub subscription_key_hash: String,
    pub created_at: i64,
}

fn merchant(r: &AnyRow) -> Merchant {
    Merchant {
        msn: r.get(0),
        name: r.get(1),
        client_id: r.get(2),
        client_secret_hash: r.get(3),
        subscription_key_hash: r.get(4),
        created_at: r.get(5),
    }
}

const COLUMNS: &str = "msn, name, client_id, client_secret_hash, subscription_key_hash, created_at";

impl Db {
    /// Creates a merchant with fresh credentials. Without an MSN a free
    /// 6-digit one is picked; a taken MSN is an error.
    pub async fn create_merchant(
        &self,
        name: &str,
        msn: Option<&str>,
        now: i64,
    ) -> anyhow::Result<NewCredentials> {
        for _ in 0..20 {
            let chosen = match msn {
                Some(m) => m.to_owned(),
                // Six digits: always a valid MSN (see vipps_domain::Msn).
                None => rand::thread_rng().gen_range(100_000..1_000_000).to_string(),
            };
            match self.insert_merchant(name, &chosen, now).await? {
                Some(creds) => return Ok(creds),
                None if msn.is_none() => continue,
                None => anyhow::bail!("a merchant with MSN {chosen} already exists"),
            }
        }
        anyhow::bail!("could not find a free merchant serial number")
    }

    /// A merchant with MSN `msn` and fresh credentials; `None` when the MSN
    /// is taken.
    pub async fn insert_merchant(
        &self,
        name: &str,
        msn: &str,
        now: i64,
    ) -> anyhow::Result<Option<NewCredentials>> {
        let creds = NewCredentials {
            name: name.to_owned(),
            msn: msn.to_owned(),
            client_id: uuid::Uuid::new_v4().to_string(),
            client_secret: random_hex(24),
            subscription_key: random_hex(16),
        };
        let mut w = WriteSet::new();
        w.push_checked(
            "INSERT INTO merchants (msn, name, client_id, client_secret_hash, subscription_key_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            vec![
                creds.msn.clone().into(),
                name.into(),
                creds.client_id.clone().into(),
                hash_secret(&creds.client_secret).into(),
                hash_secret(&creds.subscription_key).into(),
                now.into(),
            ],
        );
        match self.write(w).await {
            Ok(()) => Ok(Some(creds)),
            Err(WriteError::Conflict) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets merchant `msn`'s payments of every API, their events,
    /// idempotency records, order data, request log and deliveries, in one
    /// transaction. The merchant, its keys, webhooks and settings stay.
    pub async fn forget_merchant_data(&self, msn: &str) -> anyhow::Result<()> {
        let mut w = WriteSet::new();
        w.push(
            "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE msn = $1)",
            vec![msn.into()],
        );
        for sql in [
            "DELETE FROM deliveries WHERE msn = $1",
            "DELETE FROM payment_events WHERE msn = $1",
            "DELETE FROM payments WHERE msn = $1",
            "DELETE FROM idempotency WHERE msn = $1",
            "DELETE FROM requests WHERE msn = $1",
            "DELETE FROM ecom_payments WHERE msn = $1",
            "DELETE FROM checkout_sessions WHERE msn = $1",
            "DELETE FROM psp_payments WHERE msn = $1",
            "DELETE FROM psp_unknown_reports WHERE msn = $1",
            "DELETE FROM om_images WHERE msn = $1",
            "DELETE FROM om_categories WHERE msn = $1",
            "DELETE FROM om_categories_v3 WHERE msn = $1",
            "DELETE FROM om_receipts WHERE msn = $1",
        ] {
            w.push(sql, vec![msn.into()]);
        }
        Ok(self.write(w).await?)
    }

    pub async fn list_merchants(&self) -> anyhow::Result<Vec<Merchant>> {
        let sql = format!("SELECT {COLUMNS} FROM merchants ORDER BY created_at, msn");
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(merchant).collect())
    }

    pub async fn merchant_by_client_id(&self, client_id: &str) -> anyhow::Result<Option<Merchant>> {
        let sql = format!("SELECT {COLUMNS} FROM merchants WHERE client_id = $1");
        let row = sqlx::query(&sql)
            .bind(client_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(merchant))
    }

    pub async fn merchant_by_msn(&self, msn: &str) -> anyhow::Result<Option<Merchant>> {
        let sql = format!("SELECT {COLUMNS} FROM merchants WHERE msn = $1");
        let row = sqlx::query(&sql)
            .bind(msn)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(merchant))
    }
}
