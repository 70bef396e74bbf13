//! The one way a payment of any family changes: read it (committing a due
//! expiry first), let the domain decide, commit the decision with a version
//! check, and on a lost race read again and decide again. Each family
//! (ePayment, eCom, …) says how its rows are read, what expiry writes and
//! how a transition is stored; the API that calls says how errors look.

use std::future::Future;

use vipps_domain::{Lifecycle, Millis};
use vipps_store::{idempotency::Record, DueCursor, Stored, WriteError, WriteSet};

use super::problem::{db_error, ApiError};
use crate::AppState;

/// An idempotency record and the payment it is about, as read together.
pub type RecordAndPayment<P> = (Option<Record>, Option<Stored<P>>);

/// A page of due payments: where each stands in the sweep, and the payment
/// or why it could not be read.
pub type DuePage<P> = Vec<(DueCursor, anyhow::Result<Stored<P>>)>;

/// Attempts before a hot payment is reported busy.
pub const MAX_ATTEMPTS: usize = 50;

/// A payment family: where its rows are and how its changes are written.
pub trait Family: Send + Sync + 'static {
    /// The domain payment.
    type Payment: Lifecycle<Transition: Send> + Send + Sync;

    fn read(
        st: &AppState,
        msn: &str,
        id: &str,
    ) -> impl Future<Output = anyhow::Result<Option<Stored<Self::Payment>>>> + Send;

    /// The (merchant, id) a payment is read by.
    fn key(p: &Self::Payment) -> (String, String);

    /// The idempotency record of (`msn`, `path`, `key`) and the payment, for
    /// the idempotent loop; a family may read both at once.
    fn read_with_record(
        st: &AppState,
        msn: &str,
        id: &str,
        path: &str,
        key: &str,
        now: Millis,
    ) -> impl Future<Output = anyhow::Result<RecordAndPayment<Self::Payment>>> + Send {
        async move {
            let record = st.db.idempotency_record(msn, path, key, now).await?;
            if record.is_some() {
                return Ok((record, None));
            }
            Ok((None, Self::read(st, msn, id).await?))
        }
    }

    /// The writes of a transition of a row read at `version`: the row and
    /// what the change owes others (events, webhooks, callbacks).
    fn persist(t: &Transition<Self>, version: i64) -> WriteSet;
}

/// A change of a payment of family `F`.
pub type Transition<F> = <<F as Family>::Payment as Lifecycle>::Transition;

/// A family whose payments expire when the payer never acts; the upkeep
/// loop sweeps it.
pub trait Expiring: Family {
    /// Up to `limit` payments whose payer window is over at `now`, in
    /// expiry order, after `after`; a row that cannot be read is an error
    /// of its own.
    fn due_to_expire(
        st: &AppState,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> impl Future<Output = anyhow::Result<DuePage<Self::Payment>>> + Send;
}

/// Settles a row already read: a due expiry is committed before anyone sees
/// it. `Ok(None)` means someone changed it meanwhile: read it again.
pub async fn settle<F: Family, P: ApiError>(
    st: &AppState,
    s: Stored<F::Payment>,
    now: Millis,
) -> Result<Option<Stored<F::Payment>>, P> {
    match try_settle::<F>(st, s, now).await {
        Ok(settled) => Ok(Some(settled)),
        Err(WriteError::Conflict) => Ok(None),
        Err(e) => Err(db_error(e)),
    }
}

/// [`settle`] with the storage error as it is: `Conflict` when someone
/// changed the row meanwhile.
pub async fn try_settle<F: Family>(
    st: &AppState,
    s: Stored<F::Payment>,
    now: Millis,
) -> Result<Stored<F::Payment>, WriteError> {
    let Some(t) = s.payment.expire_if_due(now) else {
        return Ok(s);
    };
    st.commit(F::persist(&t, s.version)).await?;
    Ok(Stored {
        payment: F::Payment::after(t),
        version: s.version + 1,
    })
}

/// The payment as of `now`, settled.
pub async fn settled<F: Family, P: ApiError>(
    st: &AppState,
    msn: &str,
    id: &str,
    now: Millis,
) -> Result<Option<Stored<F::Payment>>, P> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(s) = F::read(st, msn, id).await? else {
            return Ok(None);
        };
        if let Some(s) = settle::<F, P>(st, s, now).await? {
            return Ok(Some(s));
        }
    }
    Err(P::busy())
}

/// The payment with its payer window closed at `now` and the expiry that
/// follows committed, as if the window had run out (the console's "expire
/// now"); one that is no longer open is returned as it is.
pub async fn expired_now<F: Family, P: ApiError>(
    st: &AppState,
    msn: &str,
    id: &str,
    now: Millis,
) -> Result<Option<Stored<F::Payment>>, P> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(mut s) = F::read(st, msn, id).await? else {
            return Ok(None);
        };
        s.payment.close_window(now);
        if let Some(s) = settle::<F, P>(st, s, now).await? {
            return Ok(Some(s));
        }
    }
    Err(P::busy())
}

/// Each of `listed` as of `now`: only one whose window has passed is read
/// again and settled (a page listing many payments writes only for those).
pub async fn settle_listed<F: Family, P: ApiError>(
    st: &AppState,
    listed: Vec<Stored<F::Payment>>,
    now: Millis,
) -> Result<Vec<F::Payment>, P> {
    let mut out = Vec::with_capacity(listed.len());
    for s in listed {
        if s.payment.expire_if_due(now).is_none() {
            out.push(s.payment);
            continue;
        }
        let (msn, id) = F::key(&s.payment);
        let settled = settled::<F, P>(st, &msn, &id, now).await?;
        out.push(settled.map_or(s.payment, |s| s.payment));
    }
    Ok(out)
}

/// Runs `decide` on the settled payment and commits its writes, retrying on
/// version conflicts. An empty write set commits nothing.
pub async fn transact<F: Family, P: ApiError, T>(
    st: &AppState,
    msn: &str,
    id: &str,
    mut decide: impl FnMut(Option<&Stored<F::Payment>>, Millis) -> Result<(WriteSet, T), P>,
) -> Result<T, P> {
    for _ in 0..MAX_ATTEMPTS {
        let now = st.clock.now();
        let current = settled::<F, P>(st, msn, id, now).await?;
        let (writes, out) = decide(current.as_ref(), now)?;
        if writes.is_empty() {
            return Ok(out);
        }
        match st.commit(writes).await {
            Ok(()) => return Ok(out),
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(db_error(e)),
        }
    }
    Err(P::busy())
}
