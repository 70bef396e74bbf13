//! Small named values shared by every server process (signing key, clock).

use sqlx::Row;

use crate::{Db, WriteSet};

impl Db {
    pub async fn setting(&self, key: &str) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.get::<String, _>(0)))
    }

    /// Returns the stored value, storing `init` first if there is none; with
    /// several processes starting at once they all end up with the same value.
    pub async fn setting_or_init(&self, key: &str, init: String) -> anyhow::Result<String> {
        let mut w = WriteSet::new();
        w.push(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            vec![key.into(), init.into()],
        );
        self.write(w).await?;
        self.setting(key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("setting {key} vanished"))
    }

    pub async fn set_setting(&self, key: &str, value: String) -> anyhow::Result<()> {
        let mut w = WriteSet::new();
        w.push(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            vec![key.into(), value.into()],
        );
        Ok(self.write(w).await?)
    }

    /// Whether merchant `msn` has strict URLs (off unless set).
    pub async fn strict_urls(&self, msn: &str) -> anyhow::Result<bool> {
        Ok(self
            .setting(&format!("strict_urls:{msn}"))
            .await?
            .as_deref()
            == Some("true"))
    }

    pub async fn set_strict_urls(&self, msn: &str, on: bool) -> anyhow::Result<()> {
        self.set_setting(&format!("strict_urls:{msn}"), on.to_string())
            .await
    }
}
