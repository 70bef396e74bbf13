//! Payment service providers (PSP API v3): a PSP has its own client id,
//! secret and subscription key (secrets kept only as hashes, the plain
//! values exist once, in the answer to [`Db::create_psp`]) and serves a set
//! of merchants.

use serde::Serialize;
use sqlx::Row;

use crate::{hash_secret, random_hex, Db, WriteError, WriteSet};

/// What a new PSP gets, printed once.
#[derive(Debug, Clone, Serialize)]
pub struct NewPspCredentials {
    pub name: String,
    pub psp_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub subscription_key: String,
    pub msns: Vec<String>,
}

/// A PSP as listed: never its secrets.
#[derive(Debug, Clone, Serialize)]
pub struct Psp {
    pub psp_id: String,
    pub name: String,
    pub client_id: String,
    /// The merchants it serves, in order.
    pub msns: Vec<String>,
    pub created_at: i64,
    #[serde(skip)]
    pub client_secret_hash: String,
    #[serde(skip)]
    pub subscription_key_hash: String,
}

/// A PSP id: 1–64 letters and digits (the official examples use 32 hex
/// characters, e.g. `C948DFD1546347568874C4DDC93A2E3C`).
pub fn is_psp_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn link(w: &mut WriteSet, psp_id: &str, msn: &str) {
    w.push(
        "INSERT INTO psp_merchants (psp_id, msn) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        vec![psp_id.into(), msn.into()],
    );
}

impl Db {
    /// Creates a PSP serving `msns` with fresh keys; without an id a random
    /// 32-hex-digit one is picked. A taken id is an error; merchants must
    /// exist.
    pub async fn create_psp(
        &self,
        name: &str,
        psp_id: Option<&str>,
        msns: &[String],
        now: i64,
    ) -> anyhow::Result<NewPspCredentials> {
        for msn in msns {
            anyhow::ensure!(
                self.merchant_by_msn(msn).await?.is_some(),
                "no merchant has MSN {msn}"
            );
        }
        let creds = NewPspCredentials {
            name: name.to_owned(),
            psp_id: psp_id.map_or_else(|| random_hex(16).to_ascii_uppercase(), str::to_owned),
            client_id: uuid::Uuid::new_v4().to_string(),
            client_secret: random_hex(24),
            subscription_key: random_hex(16),
            msns: msns.to_vec(),
        };
        anyhow::ensure!(
            is_psp_id(&creds.psp_id),
            "a PSP id is 1-64 letters and digits"
        );
        let mut w = WriteSet::new();
        w.push_checked(
            "INSERT INTO psps (psp_id, name, client_id, client_secret_hash, subscription_key_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            vec![
                creds.psp_id.clone().into(),
                name.into(),
                creds.client_id.clone().into(),
                hash_secret(&creds.client_secret).into(),
                hash_secret(&creds.subscription_key).into(),
                now.into(),
            ],
        );
        for msn in msns {
            link(&mut w, &creds.psp_id, msn);
        }
        match self.write(w).await {
            Ok(()) => Ok(creds),
            Err(WriteError::Conflict) => {
                anyhow::bail!("a PSP with id {} already exists", creds.psp_id)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Lets PSP `psp_id` act for merchant `msn` (again is fine).
    pub async fn link_psp(&self, psp_id: &str, msn: &str) -> anyhow::Result<()> {
        anyhow::ensure!(self.psp(psp_id).await?.is_some(), "no PSP has id {psp_id}");
        anyhow::ensure!(
            self.merchant_by_msn(msn).await?.is_some(),
            "no merchant has MSN {msn}"
        );
        let mut w = WriteSet::new();
        link(&mut w, psp_id, msn);
        Ok(self.write(w).await?)
    }

    pub async fn list_psps(&self) -> anyhow::Result<Vec<Psp>> {
        let rows = sqlx::query("SELECT psp_id FROM psps ORDER BY created_at, psp_id")
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some(p) = self.psp(&r.get::<String, _>(0)).await? {
                out.push(p);
            }
        }
        Ok(out)
    }

    pub async fn psp(&self, psp_id: &str) -> anyhow::Result<Option<Psp>> {
        self.psp_where("psp_id", psp_id).await
    }

    pub async fn psp_by_client_id(&self, client_id: &str) -> anyhow::Result<Option<Psp>> {
        self.psp_where("client_id", client_id).await
    }

    async fn psp_where(&self, column: &'static str, value: &str) -> anyhow::Result<Option<Psp>> {
        let sql = format!(
            "SELECT psp_id, name, client_id, client_secret_hash, subscription_key_hash, created_at \
             FROM psps WHERE {column} = $1"
        );
        let Some(r) = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let psp_id: String = r.get(0);
        let msns = sqlx::query("SELECT msn FROM psp_merchants WHERE psp_id = $1 ORDER BY msn")
            .bind(&psp_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|m| m.get::<String, _>(0))
            .collect();
        Ok(Some(Psp {
            psp_id,
            name: r.get(1),
            client_id: r.get(2),
            client_secret_hash: r.get(3),
            subscription_key_hash: r.get(4),
            created_at: r.get(5),
            msns,
        }))
    }
}
