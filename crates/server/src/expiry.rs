//! Time-driven upkeep. Moves payments nobody acted on to EXPIRED: reads
//! already settle a due expiry on the spot; this sweep makes it happen (and
//! its event exist) for payments nobody looks at. Also prunes what need
//! not be kept forever (old requests, finished deliveries, expired
//! idempotency records). Both run every second and right after every clock advance.

use std::time::Duration;

use crate::{service, AppState};

/// Expires every payment (ePayment and eCom) that is due now; returns how many.
pub async fn sweep(st: &AppState) -> anyhow::Result<usize> {
    Ok(sweep_epayment(st).await? + sweep_ecom(st).await?)
}

async fn sweep_epayment(st: &AppState) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let now = st.clock.now();
        let due = st.db.payments_due_to_expire(now, 500).await?;
        if due.is_empty() {
            return Ok(total);
        }
        for s in &due {
            // `settled` persists the expiry, racing safely with other writers.
            if service::settled(st, &s.payment.msn, &s.payment.reference, now)
                .await
                .is_ok()
            {
                total += 1;
            }
        }
        if due.len() < 500 {
            return Ok(total);
        }
    }
}

/// Ends every eCom payment whose payer window is over (log CANCEL,
/// callback REJECTED); returns how many.
async fn sweep_ecom(st: &AppState) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let now = st.clock.now();
        let due = st.db.ecom_payments_due_to_expire(now, 500).await?;
        for s in &due {
            if crate::service_ecom::expire(st, &s.payment.msn, &s.payment.order_id, now).await {
                total += 1;
            }
        }
        if due.len() < 500 {
            return Ok(total);
        }
    }
}

/// Everything due now: expiries, then retention.
pub async fn upkeep(st: &AppState) -> anyhow::Result<usize> {
    let expired = sweep(st).await?;
    st.db.prune(st.clock.now()).await?;
    Ok(expired)
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
