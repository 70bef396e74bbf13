//! The sandbox clock: wall time plus an offset that only ever grows.
//!
//! Expiry, token lifetimes and retention all read this clock, so tests and
//! integrators can jump forward in time instead of waiting. The offset lives
//! in the database so every server process on it agrees; each process keeps
//! a copy and refreshes it with [`Clock::refresh`].
//!
//! A merchant may move its own clock further (`merchant_clocks`): its time
//! is the global time plus its offset. Work done for one merchant reads it
//! with [`Clock::now_for`], or runs inside [`Clock::scope_for`], in which
//! [`Clock::now`] is that merchant's time.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, RwLock,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use sqlx::Row;

use vipps_domain::Millis;

use crate::Db;

const KEY: &str = "clock_offset_ms";

tokio::task_local! {
    /// The offset of the merchant a task works for (see [`Clock::scope_for`]).
    static MERCHANT_OFFSET: Millis;
}

#[derive(Clone)]
pub struct Clock {
    db: Db,
    offset: Arc<AtomicI64>,
    /// Merchants' own offsets, as last read or set.
    merchants: Arc<RwLock<HashMap<String, Millis>>>,
}

fn wall() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

impl Clock {
    pub async fn load(db: Db) -> anyhow::Result<Clock> {
        let clock = Clock {
            db,
            offset: Arc::new(AtomicI64::new(0)),
            merchants: Arc::default(),
        };
        clock.refresh().await?;
        Ok(clock)
    }

    /// The global time, or inside [`Clock::scope_for`] that merchant's.
    pub fn now(&self) -> Millis {
        wall() + self.offset.load(Ordering::Relaxed) + MERCHANT_OFFSET.try_with(|o| *o).unwrap_or(0)
    }

    /// Merchant `msn`'s time: the global time plus its own offset.
    pub fn now_for(&self, msn: &str) -> Millis {
        wall() + self.offset.load(Ordering::Relaxed) + self.offset_for(msn)
    }

    /// Merchant `msn`'s own offset (0 when it never moved its clock).
    pub fn offset_for(&self, msn: &str) -> Millis {
        self.merchants
            .read()
            .map(|m| m.get(msn).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Runs `work` on merchant `msn`'s time: [`Clock::now`] inside it
    /// includes the merchant's offset.
    pub async fn scope_for<F: Future>(&self, msn: &str, work: F) -> F::Output {
        MERCHANT_OFFSET.scope(self.offset_for(msn), work).await
    }

    /// Whether any merchant has moved its own clock.
    pub fn has_merchant_offsets(&self) -> bool {
        self.merchants
            .read()
            .map(|m| !m.is_empty())
            .unwrap_or(false)
    }

    pub fn offset(&self) -> Millis {
        self.offset.load(Ordering::Relaxed)
    }

    /// Picks up an advance made by another process.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let stored = self
            .db
            .setting(KEY)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        self.offset.fetch_max(stored, Ordering::Relaxed);
        let rows = sqlx::query("SELECT msn, offset_ms FROM merchant_clocks")
            .fetch_all(self.db.pool())
            .await?;
        if let Ok(mut merchants) = self.merchants.write() {
            for r in &rows {
                let stored: Millis = r.get(1);
                let known = merchants.entry(r.get(0)).or_insert(stored);
                *known = (*known).max(stored);
            }
        }
        Ok(())
    }

    /// Moves merchant `msn`'s own clock forward; returns its new time.
    pub async fn advance_for(&self, msn: &str, ms: Millis) -> anyhow::Result<Millis> {
        self.refresh().await?;
        let next = self.offset_for(msn) + ms;
        let mut w = crate::WriteSet::new();
        w.push(
            "INSERT INTO merchant_clocks (msn, offset_ms) VALUES ($1, $2) \
             ON CONFLICT (msn) DO UPDATE SET offset_ms = excluded.offset_ms",
            vec![msn.to_owned().into(), next.into()],
        );
        self.db.write(w).await?;
        if let Ok(mut merchants) = self.merchants.write() {
            let known = merchants.entry(msn.to_owned()).or_insert(next);
            *known = (*known).max(next);
        }
        Ok(self.now_for(msn))
    }

    /// Moves the clock forward; negative steps are refused by the caller.
    pub async fn advance(&self, ms: Millis) -> anyhow::Result<Millis> {
        self.refresh().await?;
        let next = self.offset.load(Ordering::Relaxed) + ms;
        self.db.set_setting(KEY, next.to_string()).await?;
        self.offset.fetch_max(next, Ordering::Relaxed);
        Ok(self.now())
    }
}
