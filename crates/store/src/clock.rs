//! The sandbox clock: wall time plus an offset that only ever grows.
//!
//! Expiry, token lifetimes and retention all read this clock, so tests and
//! integrators can jump forward in time instead of waiting. The offset lives
//! in the database so every server process on it agrees; each process keeps
//! a copy and refreshes it with [`Clock::refresh`].

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use vipps_domain::Millis;

use crate::Db;

const KEY: &str = "clock_offset_ms";

#[derive(Clone)]
pub struct Clock {
    db: Db,
    offset: Arc<AtomicI64>,
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
        };
        clock.refresh().await?;
        Ok(clock)
    }

    pub fn now(&self) -> Millis {
        wall() + self.offset.load(Ordering::Relaxed)
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
        Ok(())
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
