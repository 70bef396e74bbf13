//! The one way a payment changes: read it (persisting a due expiry first),
//! let the domain decide, commit the decision with a version check, and on a
//! lost race read again and decide again. API handlers, force approve and the
//! payer's pages all go through here.

use vipps_domain::{
    epayment::{Approval, Payment},
    Millis,
};
use vipps_store::{
    payments::{update_payment, Stored},
    WriteError, WriteSet,
};

use crate::{problem::ApiProblem, AppState};

/// Attempts before a hot payment is reported as busy (409 Order processing).
pub const MAX_ATTEMPTS: usize = 50;

pub fn busy() -> ApiProblem {
    ApiProblem::new(
        409,
        "Order processing",
        "The payment is being modified by another request; retry",
    )
}

pub fn db_error(e: WriteError) -> ApiProblem {
    tracing::error!(error = %e, "write failed");
    ApiProblem::internal()
}

/// The payment as of `now`: a CREATED payment whose window has passed is
/// first moved to EXPIRED (and its event logged) before anyone sees it.
pub async fn settled(
    st: &AppState,
    msn: &str,
    reference: &str,
    now: Millis,
) -> Result<Option<Stored>, ApiProblem> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(s) = st.db.payment(msn, reference).await? else {
            return Ok(None);
        };
        let Some(t) = s.payment.expire_if_due(now) else {
            return Ok(Some(s));
        };
        match st.db.write(update_payment(&t, s.version)).await {
            Ok(()) => {
                return Ok(Some(Stored {
                    payment: t.payment,
                    version: s.version + 1,
                }))
            }
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(db_error(e)),
        }
    }
    Err(busy())
}

/// Runs `decide` on the settled payment and commits its writes, retrying on
/// version conflicts. An empty write set commits nothing.
pub async fn transact<T>(
    st: &AppState,
    msn: &str,
    reference: &str,
    mut decide: impl FnMut(Option<&Stored>, Millis) -> Result<(WriteSet, T), ApiProblem>,
) -> Result<T, ApiProblem> {
    for _ in 0..MAX_ATTEMPTS {
        let now = st.clock.now();
        let current = settled(st, msn, reference, now).await?;
        let (writes, out) = decide(current.as_ref(), now)?;
        if writes.is_empty() {
            return Ok(out);
        }
        match st.db.write(writes).await {
            Ok(()) => return Ok(out),
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(db_error(e)),
        }
    }
    Err(busy())
}

/// What a payer's approval came to.
pub enum Approved {
    Yes(Payment),
    Declined(Payment, &'static str),
}

/// The payer (or a force approve) approves with a phone number.
pub async fn approve(
    st: &AppState,
    msn: &str,
    reference: &str,
    phone: &str,
) -> Result<Approved, ApiProblem> {
    transact(st, msn, reference, |cur, now| {
        let s = cur.ok_or_else(|| {
            ApiProblem::from(vipps_domain::epayment::PaymentError::not_found(reference))
        })?;
        Ok(match s.payment.approve(phone, now)? {
            Approval::Approved(t) => (update_payment(&t, s.version), Approved::Yes(t.payment)),
            Approval::Declined(t, why) => (
                update_payment(&t, s.version),
                Approved::Declined(t.payment, why),
            ),
        })
    })
    .await
}

/// The payer rejects the payment.
pub async fn reject(st: &AppState, msn: &str, reference: &str) -> Result<Payment, ApiProblem> {
    transact(st, msn, reference, |cur, now| {
        let s = cur.ok_or_else(|| {
            ApiProblem::from(vipps_domain::epayment::PaymentError::not_found(reference))
        })?;
        let t = s.payment.reject(now)?;
        Ok((update_payment(&t, s.version), t.payment))
    })
    .await
}
