//! The sandbox console's handlers: the clock, the request log, deliveries
//! and their faults, a unit's eCom settings, and the payer's eCom actions
//! for tests that drive the payer from code. Errors are ePayment problems,
//! but for the eCom endpoints, which answer in eCom's format.

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;
use vipps_delivery::worker::validate_faults;
use vipps_domain::{
    checklist::Checklist,
    ecom::{EcomError, UnitSettings},
    psp::PspError,
    time_fmt::rfc3339,
    Msn, Reference,
};
use vipps_store::{
    deliveries::{is_delivery_id, retry_now, Faults},
    psps::is_psp_id,
    requests::RequestFilter,
    WriteError,
};

use crate::{
    apis::{
        ecom::{
            problem::EcomProblem,
            service::{reject_ecom, remove_consent},
        },
        epayment::problem::ApiProblem,
        psp::problem::PspProblem,
    },
    kernel::{
        body::Body,
        problem::db_error,
        upkeep::{advance_clock, advance_merchant_clock},
    },
    AppState,
};

fn clock_body(st: &AppState) -> Json<serde_json::Value> {
    let now = st.clock.now();
    Json(json!({"now": rfc3339(now), "nowMs": now, "offsetMs": st.clock.offset()}))
}

pub async fn get_clock(State(st): State<AppState>) -> Result<Response, ApiProblem> {
    st.clock.refresh().await?;
    Ok(clock_body(&st).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    seconds: i64,
}

pub async fn advance(
    State(st): State<AppState>,
    body: Body<ApiProblem>,
) -> Result<Response, ApiProblem> {
    let req: Advance = body.json()?;
    if !(0..=10 * 365 * 86_400).contains(&req.seconds) {
        return Err(ApiProblem::bad_field(
            "Invalid request",
            "seconds",
            "seconds must be between 0 and 10 years",
        ));
    }
    advance_clock(&st, req.seconds * 1000).await?;
    Ok(clock_body(&st).into_response())
}

/// `?msn=…&limit=…` of the listings.
#[derive(Deserialize)]
pub struct ListQuery {
    msn: Option<String>,
    limit: Option<i64>,
    /// Requests only: a part of the path, and the start of the status.
    path: Option<String>,
    status: Option<String>,
}

impl ListQuery {
    /// The merchant to list for, if one is named: a valid MSN.
    fn msn(&self) -> Result<Option<&str>, ApiProblem> {
        match self.msn.as_deref() {
            Some(m) if Msn::parse(m).is_none() => Err(ApiProblem::bad_field(
                "Invalid request",
                "msn",
                "msn must be 5 or 6 digits",
            )),
            other => Ok(other),
        }
    }
}

pub async fn requests(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiProblem> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let filter = RequestFilter {
        msn: q.msn()?,
        path: q.path.as_deref().filter(|p| !p.is_empty()),
        status: q.status.as_deref().filter(|s| !s.is_empty()),
        mention: None,
    };
    let list = st.db.requests(filter, limit).await?;
    Ok(Json(json!({"requests": list})).into_response())
}

/// Deliveries newest first, each with its attempts.
pub async fn deliveries(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiProblem> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let mut out = Vec::new();
    for (d, attempts) in st.db.deliveries_with_attempts(q.msn()?, limit).await? {
        let mut v = serde_json::to_value(&d).map_err(anyhow::Error::from)?;
        v["attempts"] = serde_json::to_value(attempts).map_err(anyhow::Error::from)?;
        out.push(v);
    }
    Ok(Json(json!({"deliveries": out})).into_response())
}

pub async fn retry(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiProblem> {
    let not_found = || ApiProblem::new(404, "Not found", format!("No delivery with id '{id}'"));
    if !is_delivery_id(&id) {
        return Err(not_found());
    }
    match st.commit(retry_now(&id, st.clock.now())).await {
        Ok(()) => Ok(Json(json!({"id": id, "status": "pending"})).into_response()),
        Err(WriteError::Conflict) => Err(not_found()),
        Err(e) => Err(db_error(e)),
    }
}

pub(super) async fn known_merchant(st: &AppState, msn: &str) -> Result<(), ApiProblem> {
    let found = match Msn::parse(msn) {
        Some(_) => st.db.merchant_by_msn(msn).await?,
        None => None,
    };
    match found {
        Some(_) => Ok(()),
        None => Err(ApiProblem::new(
            404,
            "Not found",
            format!("No merchant with MSN '{msn}'"),
        )),
    }
}

pub async fn get_faults(
    State(st): State<AppState>,
    Path(msn): Path<String>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    Ok(Json(st.db.faults(&msn).await?).into_response())
}

pub async fn set_faults(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    body: Body<ApiProblem>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    let faults: Faults = body.json()?;
    validate_faults(&faults).map_err(|why| ApiProblem::new(400, "Invalid request", why))?;
    st.db.set_faults(&msn, &faults).await?;
    Ok(Json(faults).into_response())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsChange {
    direct_capture: Option<bool>,
    skip_landing_page_allowed: Option<bool>,
    nin_allowed: Option<bool>,
    strict_urls: Option<bool>,
}

fn settings_body(s: UnitSettings, strict_urls: bool) -> Json<serde_json::Value> {
    Json(json!({
        "directCapture": s.direct_capture,
        "skipLandingPageAllowed": !s.skip_landing_page_denied,
        "ninAllowed": s.nin_allowed,
        "strictUrls": strict_urls,
    }))
}

/// `POST /sandbox/v1/merchants/{msn}/settings`: a unit's eCom settings;
/// changes only the fields given.
pub async fn ecom_settings(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    body: Body<EcomProblem>,
) -> Result<Response, EcomProblem> {
    let change: SettingsChange = body.json_or_default()?;
    if Msn::parse(&msn).is_none() || st.db.merchant_by_msn(&msn).await?.is_none() {
        return Err(EcomError::unknown_unit(&msn).into());
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
    if let Some(v) = change.strict_urls {
        st.db.set_strict_urls(&msn, v).await?;
    }
    let strict = st.db.strict_urls(&msn).await?;
    Ok(settings_body(s, strict).into_response())
}

/// The payer presses "Reject" on an eCom payment: what the payer pages
/// do, for tests that drive the payer from code.
pub async fn ecom_reject(
    State(st): State<AppState>,
    Path((msn, order_id)): Path<(String, String)>,
) -> Result<Response, EcomProblem> {
    known_order(&msn, &order_id)?;
    let p = reject_ecom(&st, &msn, &order_id).await?;
    Ok(Json(json!({"orderId": p.order_id, "state": p.state.as_str()})).into_response())
}

/// The payer revokes the consent of an express payment; answers with what
/// the merchant's consent-removal endpoint said.
pub async fn ecom_remove_consent(
    State(st): State<AppState>,
    Path((msn, order_id)): Path<(String, String)>,
) -> Result<Response, EcomProblem> {
    known_order(&msn, &order_id)?;
    Ok(Json(remove_consent(&st, &msn, &order_id).await?).into_response())
}

/// An MSN and orderId that could name a payment; anything else is Merchant
/// 35 without a query.
fn known_order(msn: &str, order_id: &str) -> Result<(), EcomProblem> {
    match (Msn::parse(msn), Reference::parse_order_id(order_id)) {
        (Some(_), Some(_)) => Ok(()),
        _ => Err(EcomError::unknown_order(order_id).into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PspSettings {
    status_delay_seconds: Option<i64>,
}

/// `POST /sandbox/v1/psps/{pspId}/settings`: how long a PSP's
/// `updatestatus` reports wait before they take effect, like the real
/// API's nightly batch (0: at once; docs/compatibility.md#psp-v3-updatestatus).
pub async fn psp_settings(
    State(st): State<AppState>,
    Path(psp_id): Path<String>,
    body: Body<PspProblem>,
) -> Result<Response, PspProblem> {
    let change: PspSettings = body.json()?;
    let seconds = change
        .status_delay_seconds
        .filter(|s| (0..=7 * 24 * 3600).contains(s))
        .ok_or_else(|| {
            PspError::invalid_request("statusDelaySeconds must be 0 to 604800 (one week)")
        })?;
    if !is_psp_id(&psp_id) || !st.db.set_psp_status_delay(&psp_id, seconds * 1000).await? {
        return Err(PspError::invalid_request(format!("No PSP has id {psp_id}")).into());
    }
    Ok(Json(json!({"pspId": psp_id, "statusDelaySeconds": seconds})).into_response())
}

/// `GET /sandbox/v1/psps/{pspId}/flags`: what a PSP reported that cannot
/// be right — status reports about transactions it never initiated, and
/// impossible reports about its payments.
pub async fn psp_flags(
    State(st): State<AppState>,
    Path(psp_id): Path<String>,
) -> Result<Response, PspProblem> {
    if !is_psp_id(&psp_id) || st.db.psp(&psp_id).await?.is_none() {
        return Err(PspError::invalid_request(format!("No PSP has id {psp_id}")).into());
    }
    let unknown = st.db.psp_unknown_reports(&psp_id, 500).await?;
    let flagged: Vec<_> = st
        .db
        .psp_payments_of(&psp_id, 500)
        .await?
        .into_iter()
        .filter(|s| !s.payment.flags.is_empty())
        .map(|s| {
            let p = s.payment;
            json!({
                "pspTransactionId": p.psp_transaction_id,
                "msn": p.msn,
                "flags": p.flags.iter().map(|f| json!({"at": rfc3339(f.at), "message": f.message})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"unknownTransactions": unknown, "flaggedPayments": flagged})).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMerchant {
    name: Option<String>,
    msn: Option<String>,
}

/// `POST /sandbox/v1/merchants`: a merchant with fresh keys, answered as
/// `merchant add --json` prints it, so a test suite can make one per test.
pub async fn create_merchant(
    State(st): State<AppState>,
    body: Body<ApiProblem>,
) -> Result<Response, ApiProblem> {
    let req: NewMerchant = body.json_or_default()?;
    let name = req.name.unwrap_or_else(|| "Test merchant".into());
    if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiProblem::bad_field(
            "Invalid request",
            "name",
            "name must be 1-100 characters without control characters",
        ));
    }
    let now = st.clock.now();
    let creds = match req.msn {
        Some(msn) => {
            if Msn::parse(&msn).is_none() {
                return Err(ApiProblem::bad_field(
                    "Invalid request",
                    "msn",
                    "msn must be 5-6 digits",
                ));
            }
            st.db
                .insert_merchant(&name, &msn, now)
                .await?
                .ok_or_else(|| {
                    ApiProblem::new(
                        409,
                        "Conflict",
                        format!("A merchant with MSN {msn} already exists"),
                    )
                })?
        }
        None => st.db.create_merchant(&name, None, now).await?,
    };
    Ok((axum::http::StatusCode::CREATED, Json(creds)).into_response())
}

/// `DELETE /sandbox/v1/merchants/{msn}/data`: forgets the merchant's
/// payments, order data, request log and deliveries; its keys, webhooks
/// and settings stay.
pub async fn forget_merchant_data(
    State(st): State<AppState>,
    Path(msn): Path<String>,
) -> Result<Response, ApiProblem> {
    if Msn::parse(&msn).is_none() || st.db.merchant_by_msn(&msn).await?.is_none() {
        return Err(ApiProblem::new(
            404,
            "Not Found",
            format!("No merchant has MSN {msn}"),
        ));
    }
    st.db.forget_merchant_data(&msn).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct ChecklistQuery {
    checklist: Option<String>,
}

/// `GET /sandbox/v1/merchants/{msn}/checklist[?checklist=ecom|checkout|psp|order-management]`:
/// the checklist verifier's report, one object for one checklist, an array
/// of all four without the parameter.
pub async fn merchant_checklist(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    Query(q): Query<ChecklistQuery>,
) -> Result<Response, ApiProblem> {
    if Msn::parse(&msn).is_none() || st.db.merchant_by_msn(&msn).await?.is_none() {
        return Err(ApiProblem::new(
            404,
            "Not Found",
            format!("No merchant has MSN {msn}"),
        ));
    }
    let only = match q.checklist.as_deref() {
        None => None,
        Some(name) => Some(Checklist::parse(name).ok_or_else(|| {
            ApiProblem::bad_field(
                "Invalid request",
                "checklist",
                "checklist must be one of ecom, checkout, psp, order-management",
            )
        })?),
    };
    let reports = st.db.checklist_reports(&msn, only).await?;
    Ok(match only {
        Some(_) => Json(json!(reports[0])).into_response(),
        None => Json(json!(reports)).into_response(),
    })
}

fn merchant_clock_body(st: &AppState, msn: &str) -> Json<serde_json::Value> {
    let now = st.clock.now_for(msn);
    Json(
        json!({"msn": msn, "now": rfc3339(now), "nowMs": now, "offsetMs": st.clock.offset(),
        "merchantOffsetMs": st.clock.offset_for(msn)}),
    )
}

/// `GET /sandbox/v1/merchants/{msn}/clock`: the merchant's time, with the
/// global offset and its own.
pub async fn get_merchant_clock(
    State(st): State<AppState>,
    Path(msn): Path<String>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    st.clock.refresh().await?;
    Ok(merchant_clock_body(&st, &msn).into_response())
}

/// `POST /sandbox/v1/merchants/{msn}/clock/advance {"seconds": N}`: moves
/// only this merchant's clock; what fell due for it happens before the answer.
pub async fn advance_merchant(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    body: Body<ApiProblem>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    let req: Advance = body.json()?;
    if !(0..=10 * 365 * 86_400).contains(&req.seconds) {
        return Err(ApiProblem::bad_field(
            "Invalid request",
            "seconds",
            "seconds must be between 0 and 10 years",
        ));
    }
    advance_merchant_clock(&st, &msn, req.seconds * 1000).await?;
    Ok(merchant_clock_body(&st, &msn).into_response())
}
