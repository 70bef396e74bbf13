//! The PSP API's routes (https://developer.vippsmobilepay.com/api/psp/).

use axum::{
    routing::{get, post},
    Router,
};

use super::handlers::{details, force_approve, initiate, update_status};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/psp/v3/psppayments/init", post(initiate))
        .route("/psp/v3/psppayments/updatestatus", post(update_status))
        .route(
            "/psp/v3/psppayments/{psp_transaction_id}/details",
            get(details),
        )
        .route(
            "/psp/v3/integration-test/psppayments/{psp_transaction_id}/approve",
            post(force_approve),
        )
}
