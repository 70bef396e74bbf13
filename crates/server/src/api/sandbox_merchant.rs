//! Sandbox-only operator and payer actions for eCom, unauthenticated like
//! the rest of `/sandbox/v1`: a unit's eCom settings (direct capture, the
//! skipLandingPage whitelist, the nin scope), and the payer's reject and
//! consent removal until the payer pages call the service directly.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, State},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use vipps_domain::ecom::{EcomError, UnitSettings};

use crate::{
    api::ecom::request::json,
    service_ecom::{reject_ecom, remove_consent, EcomProblem},
    AppState,
};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsChange {
    direct_capture: Option<bool>,
    skip_landing_page_allowed: Option<bool>,
    nin_allowed: Option<bool>,
}

fn settings_body(s: UnitSettings) -> Json<serde_json::Value> {
    Json(json!({
        "directCapture": s.direct_capture,
        "skipLandingPageAllowed": !s.skip_landing_page_denied,
        "ninAllowed": s.nin_allowed,
    }))
}

/// `POST /sandbox/v1/merchants/{msn}/settings`: changes only the fields given.
async fn settings(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    let r: Result<Response, EcomProblem> = async {
        let raw = crate::api::ecom::request::bytes(b)?;
        let change: SettingsChange = json(&raw, true)?;
        if st.db.merchant_by_msn(&msn).await?.is_none() {
            return Err(EcomError::merchant("37", format!("No sales unit {msn}")).into());
        }
        let mut s = st.db.ecom_settings(&msn).await?;
        if let Some(v) = change.direct_capture {
            s.direct_capture = v;
        }
        if let Some(v) = change.skip_landing_page_allowed {
            s.skip_landing_page_denied = !v;
        }
        if let Some(v) = change.nin_allowed {
            s.nin_allowed = v;
        }
        st.db.set_ecom_settings(&msn, s).await?;
        Ok(settings_body(s).into_response())
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

/// The payer presses "Reject" on an eCom payment.
async fn reject(
    State(st): State<AppState>,
    Path((msn, order_id)): Path<(String, String)>,
) -> Response {
    match reject_ecom(&st, &msn, &order_id).await {
        Ok(p) => Json(json!({"orderId": p.order_id, "state": p.state.as_str()})).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The payer revokes the consent of an express payment; answers with what
/// the merchant's consent-removal endpoint said.
async fn consent_removal(
    State(st): State<AppState>,
    Path((msn, order_id)): Path<(String, String)>,
) -> Response {
    match remove_consent(&st, &msn, &order_id).await {
        Ok(out) => Json(out).into_response(),
        Err(e) => e.into_response(),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sandbox/v1/merchants/{msn}/settings", post(settings))
        .route(
            "/sandbox/v1/merchants/{msn}/ecom/{order_id}/reject",
            post(reject),
        )
        .route(
            "/sandbox/v1/merchants/{msn}/ecom/{order_id}/remove-consent",
            post(consent_removal),
        )
}
