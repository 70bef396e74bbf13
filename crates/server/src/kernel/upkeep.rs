//! Time-driven upkeep. Moves payments nobody acted on past their payer
//! window: reads already settle a due expiry on the spot; the sweep makes it
//! happen (with its events and callbacks) for payments nobody looks at. Also
//! prunes what need not be kept forever (old requests, finished deliveries,
//! expired idempotency records). Both run every second and right after every
//! clock advance. The payment families to sweep are registered in
//! [`AppState::expiring`].

use std::time::Duration;

use futures::future::BoxFuture;
use vipps_domain::Millis;
use vipps_store::DueCursor;

use vipps_store::WriteError;

use super::versioned::{try_settle, Expiring};
use crate::AppState;

/// Rows read per page of a sweep.
const PAGE: i64 = 500;

/// Sweeps one family: expires everything due now; returns how many.
pub type Sweep = for<'a> fn(&'a AppState) -> BoxFuture<'a, anyhow::Result<usize>>;

/// The [`Sweep`] of family `F`.
pub fn sweep_of<F: Expiring>() -> Sweep {
    |st| Box::pin(sweep_family::<F>(st))
}

/// Pages through the due payments of `F` in expiry order, settling each; a
/// payment that fails to settle is passed over (the next sweep tries it
/// again), never read again in the same sweep.
async fn sweep_family<F: Expiring>(st: &AppState) -> anyhow::Result<usize> {
    let now = st.clock.now();
    let mut after: Option<DueCursor> = None;
    let mut expired = 0;
    loop {
        let due = F::due_to_expire(st, now, after.as_ref(), PAGE).await?;
        let full_page = due.len() as i64 == PAGE;
        for (cursor, row) in due {
            match row {
                // The expiry commits with a version check, racing safely
                // with other writers: a lost race means someone else moved
                // it on.
                // Judged on the payment's merchant's clock.
                Ok(s) => match try_settle::<F>(st, s, st.clock.now_for(&cursor.msn)).await {
                    Ok(_) => expired += 1,
                    Err(WriteError::Conflict) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, msn = %cursor.msn, id = %cursor.id, "expiring a payment failed")
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, msn = %cursor.msn, id = %cursor.id, "a due payment cannot be read")
                }
            }
            after = Some(cursor);
        }
        if !full_page {
            return Ok(expired);
        }
    }
}

/// Expires every payment of every registered family that is due now;
/// returns how many.
pub async fn sweep(st: &AppState) -> anyhow::Result<usize> {
    let mut total = 0;
    for sweep in st.expiring.iter() {
        total += sweep(st).await?;
    }
    Ok(total)
}

/// Everything due now: expiries, then retention.
pub async fn upkeep(st: &AppState) -> anyhow::Result<usize> {
    let expired = sweep(st).await?;
    st.db.prune(st.clock.now()).await?;
    Ok(expired)
}

/// Moves the sandbox clock forward by `ms`: whatever fell due in the jump
/// happens before this returns, and retries that fell due go out right
/// after. The sandbox API's advance and the console's share it.
pub async fn advance_clock(st: &AppState, ms: Millis) -> anyhow::Result<()> {
    st.clock.advance(ms).await?;
    upkeep(st).await?;
    st.deliverer.wake();
    Ok(())
}

/// Moves merchant `msn`'s own clock forward by `ms`; what fell due for it
/// happens before this returns, as with [`advance_clock`].
pub async fn advance_merchant_clock(st: &AppState, msn: &str, ms: Millis) -> anyhow::Result<()> {
    st.clock.advance_for(msn, ms).await?;
    upkeep(st).await?;
    st.deliverer.wake();
    Ok(())
}

/// Background loop: refresh the shared clock offset and sweep every second;
/// prune once a minute.
pub fn spawn(st: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        for n in 0u64.. {
            tick.tick().await;
            if let Err(e) = st.clock.refresh().await {
                tracing::warn!(error = %e, "clock refresh failed");
            }
            let done = if n % 60 == 0 {
                upkeep(&st).await
            } else {
                sweep(&st).await
            };
            if let Err(e) = done {
                tracing::warn!(error = %e, "upkeep failed");
            }
        }
    })
}
