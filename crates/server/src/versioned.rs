//! The one way a payment of any family changes: read it (committing a due
//! expiry first), let the domain decide, commit the decision with a version
//! check, and on a lost race read again and decide again. Each family
//! (ePayment, eCom, …) says how to read its row, what expiry writes, and how
//! its API reports "busy" and storage failures.

use std::future::Future;

use vipps_domain::Millis;
use vipps_store::{WriteError, WriteSet};

use crate::AppState;

/// Attempts before a hot payment is reported busy.
pub const MAX_ATTEMPTS: usize = 50;

/// A payment row as read, with the version its writes must quote.
pub trait Versioned: Sized + Send + Sync {
    /// The family's error, as its API reports it.
    type Problem: From<anyhow::Error> + Send;

    fn read(
        st: &AppState,
        msn: &str,
        id: &str,
    ) -> impl Future<Output = anyhow::Result<Option<Self>>> + Send;

    /// When the payer's time is up at `now`: the writes that expire it and
    /// the row after them.
    fn expire_if_due(&self, now: Millis) -> Option<(WriteSet, Self)>;

    /// Too many lost races in a row.
    fn busy() -> Self::Problem;

    fn db_error(e: WriteError) -> Self::Problem;
}

/// Settles a row already read: a due expiry is committed before anyone sees
/// it. `Ok(None)` means someone changed it meanwhile: read it again.
pub async fn settle<V: Versioned>(
    st: &AppState,
    v: V,
    now: Millis,
) -> Result<Option<V>, V::Problem> {
    let Some((writes, next)) = v.expire_if_due(now) else {
        return Ok(Some(v));
    };
    match st.commit(writes).await {
        Ok(()) => Ok(Some(next)),
        Err(WriteError::Conflict) => Ok(None),
        Err(e) => Err(V::db_error(e)),
    }
}

/// The payment as of `now`, settled.
pub async fn settled<V: Versioned>(
    st: &AppState,
    msn: &str,
    id: &str,
    now: Millis,
) -> Result<Option<V>, V::Problem> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(v) = V::read(st, msn, id).await? else {
            return Ok(None);
        };
        if let Some(v) = settle(st, v, now).await? {
            return Ok(Some(v));
        }
    }
    Err(V::busy())
}

/// Runs `decide` on the settled payment and commits its writes, retrying on
/// version conflicts. An empty write set commits nothing.
pub async fn transact<V: Versioned, T>(
    st: &AppState,
    msn: &str,
    id: &str,
    mut decide: impl FnMut(Option<&V>, Millis) -> Result<(WriteSet, T), V::Problem>,
) -> Result<T, V::Problem> {
    for _ in 0..MAX_ATTEMPTS {
        let now = st.clock.now();
        let current = settled::<V>(st, msn, id, now).await?;
        let (writes, out) = decide(current.as_ref(), now)?;
        if writes.is_empty() {
            return Ok(out);
        }
        match st.commit(writes).await {
            Ok(()) => return Ok(out),
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(V::db_error(e)),
        }
    }
    Err(V::busy())
}
