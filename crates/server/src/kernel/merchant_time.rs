//! Runs each API call on its merchant's clock: a merchant that moved its own
//! clock forward (`POST /sandbox/v1/merchants/{msn}/clock/advance`) sees its
//! time in everything the call does — expiry, token lifetimes, timestamps,
//! the request log — while other merchants keep theirs.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

use crate::AppState;

/// Scopes the call to the time of the merchant its `Merchant-Serial-Number`
/// names; calls without one (payer pages, tokens of PSPs) run on the
/// global time.
pub async fn scope(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if !st.clock.has_merchant_offsets() {
        return next.run(req).await;
    }
    let msn = req
        .headers()
        .get("merchant-serial-number")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match msn {
        Some(msn) => st.clock.scope_for(&msn, next.run(req)).await,
        None => next.run(req).await,
    }
}
