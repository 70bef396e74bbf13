//! One merchant in the console (`/console/merchants/{msn}`): its keys (no
//! secrets), its settings as forms — unit settings, delivery faults, API
//! fault rules and rate limits, its own clock — its webhook registrations,
//! and forgetting its data. Each form posts to the same functions the
//! sandbox API uses, then comes back with 303.

use askama::Template;
use axum::{
    extract::{rejection::FormRejection, Path, State},
    http::StatusCode,
    response::Response,
    Form,
};
use serde::Deserialize;
use serde_json::Value;
use vipps_delivery::worker::validate_faults;
use vipps_domain::{
    api_faults::{parse_rate_limit, parse_rule},
    Msn,
};
use vipps_store::deliveries::Faults;

use super::{pages::timestamp, render, see_other, ErrorPage};
use crate::{kernel::upkeep::advance_merchant_clock, AppState};

type Page = Result<Response, ErrorPage>;

struct RuleRow {
    id: String,
    matches: String,
    action: String,
    left: String,
    matched: i64,
    fired: i64,
}

struct WebhookRow {
    id: String,
    url: String,
    events: String,
}

#[derive(Template)]
#[template(path = "console_merchant.html")]
struct MerchantPage {
    msn: String,
    name: String,
    client_id: String,
    created: String,
    now: String,
    own_offset_minutes: i64,
    direct_capture: bool,
    skip_landing_page_allowed: bool,
    nin_allowed: bool,
    strict_urls: bool,
    faults: Faults,
    rules: Vec<RuleRow>,
    rate_limits: String,
    webhooks: Vec<WebhookRow>,
}

fn missing(msn: &str) -> ErrorPage {
    ErrorPage::new(
        StatusCode::NOT_FOUND,
        "No such merchant".into(),
        format!("No merchant has MSN {msn}."),
    )
}

async fn known(st: &AppState, msn: &str) -> Result<(), ErrorPage> {
    match Msn::parse(msn) {
        Some(_) if st.db.merchant_by_msn(msn).await?.is_some() => Ok(()),
        _ => Err(missing(msn)),
    }
}

fn back(msn: &str) -> Page {
    see_other(&format!("/console/merchants/{msn}"))
        .ok_or_else(|| ErrorPage::bad_request("Unusable address"))
}

/// `GET /console/merchants/{msn}`.
pub(super) async fn page(State(st): State<AppState>, Path(msn): Path<String>) -> Page {
    let m = match Msn::parse(&msn) {
        Some(_) => st.db.merchant_by_msn(&msn).await?,
        None => None,
    }
    .ok_or_else(|| missing(&msn))?;
    let settings = st.db.ecom_settings(&msn).await?;
    let faults = st.db.api_faults(&msn).await?;
    let rules = faults
        .rules
        .into_iter()
        .map(|r| RuleRow {
            matches: [
                Some(r.rule.matcher.api.clone()),
                r.rule.matcher.operation.clone(),
                r.rule.matcher.method.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
            action: r.rule.action.label(),
            left: r
                .rule
                .times
                .map_or("no limit".to_owned(), |t| t.to_string()),
            id: r.rule.id,
            matched: r.matched,
            fired: r.fired,
        })
        .collect();
    let webhooks = st
        .db
        .webhooks(&msn)
        .await?
        .into_iter()
        .map(|w| WebhookRow {
            id: w.id,
            url: w.url,
            events: w.events.join(", "),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &MerchantPage {
            created: timestamp(m.created_at),
            now: timestamp(st.clock.now_for(&msn)),
            own_offset_minutes: st.clock.offset_for(&msn) / 60_000,
            direct_capture: settings.direct_capture,
            skip_landing_page_allowed: !settings.skip_landing_page_denied,
            nin_allowed: settings.nin_allowed,
            strict_urls: st.db.strict_urls(&msn).await?,
            faults: st.db.faults(&msn).await?,
            rules,
            rate_limits: serde_json::to_string_pretty(&faults.rate_limits).unwrap_or_default(),
            webhooks,
            name: m.name,
            client_id: m.client_id,
            msn,
        },
    ))
}

/// The checkboxes of the unit settings form: present when ticked.
#[derive(Deserialize)]
pub(super) struct SettingsForm {
    direct_capture: Option<String>,
    skip_landing_page_allowed: Option<String>,
    nin_allowed: Option<String>,
    strict_urls: Option<String>,
}

/// `POST /console/merchants/{msn}/settings`.
pub(super) async fn settings(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    form: Result<Form<SettingsForm>, FormRejection>,
) -> Page {
    known(&st, &msn).await?;
    let Form(f) = form.map_err(|_| ErrorPage::bad_request("The settings could not be read"))?;
    let mut s = st.db.ecom_settings(&msn).await?;
    s.direct_capture = f.direct_capture.is_some();
    s.skip_landing_page_denied = f.skip_landing_page_allowed.is_none();
    s.nin_allowed = f.nin_allowed.is_some();
    st.db.set_ecom_settings(&msn, s).await?;
    st.db.set_strict_urls(&msn, f.strict_urls.is_some()).await?;
    back(&msn)
}

#[derive(Deserialize)]
pub(super) struct FaultsForm {
    drop: String,
    delay: String,
    delay_ms: String,
    duplicate: String,
}

/// `POST /console/merchants/{msn}/delivery-faults`.
pub(super) async fn delivery_faults(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    form: Result<Form<FaultsForm>, FormRejection>,
) -> Page {
    known(&st, &msn).await?;
    let Form(f) =
        form.map_err(|_| ErrorPage::bad_request("The fault settings could not be read"))?;
    let number = |v: &str| v.trim().parse::<f64>().ok().filter(|n| n.is_finite());
    let bad = || {
        ErrorPage::bad_request(
            "Probabilities are numbers from 0 to 1, the delay whole milliseconds",
        )
    };
    let faults = Faults {
        drop: number(&f.drop).ok_or_else(bad)?,
        delay: number(&f.delay).ok_or_else(bad)?,
        delay_ms: f.delay_ms.trim().parse().map_err(|_| bad())?,
        duplicate: number(&f.duplicate).ok_or_else(bad)?,
    };
    validate_faults(&faults).map_err(ErrorPage::bad_request)?;
    st.db.set_faults(&msn, &faults).await?;
    back(&msn)
}

#[derive(Deserialize)]
pub(super) struct JsonForm {
    json: String,
}

fn json_of(form: Result<Form<JsonForm>, FormRejection>) -> Result<Value, ErrorPage> {
    let Form(f) = form.map_err(|_| ErrorPage::bad_request("The form could not be read"))?;
    serde_json::from_str(&f.json).map_err(|e| ErrorPage::bad_request(&format!("Not JSON: {e}")))
}

/// `POST /console/merchants/{msn}/api-faults`: adds a rule written as the
/// sandbox API takes it.
pub(super) async fn add_rule(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    form: Result<Form<JsonForm>, FormRejection>,
) -> Page {
    known(&st, &msn).await?;
    let sent = json_of(form)?;
    let rule = parse_rule(&sent, vipps_store::random_hex(8), st.clock.now_for(&msn))
        .map_err(|e| ErrorPage::bad_request(&format!("{}: {}", e.field, e.why)))?;
    st.db
        .add_api_fault(&msn, &rule, st.clock.now())
        .await
        .map_err(anyhow::Error::from)?;
    back(&msn)
}

/// `POST /console/merchants/{msn}/api-faults/{id}/delete`.
pub(super) async fn delete_rule(
    State(st): State<AppState>,
    Path((msn, id)): Path<(String, String)>,
) -> Page {
    known(&st, &msn).await?;
    if !st.db.delete_api_fault(&msn, &id).await? {
        return Err(ErrorPage::new(
            StatusCode::NOT_FOUND,
            "No such rule".into(),
            format!("No fault rule {id} for MSN {msn}."),
        ));
    }
    back(&msn)
}

/// `POST /console/merchants/{msn}/rate-limits`: replaces the limits with
/// the JSON list given (`[]` lifts them).
pub(super) async fn rate_limits(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    form: Result<Form<JsonForm>, FormRejection>,
) -> Page {
    known(&st, &msn).await?;
    let sent = json_of(form)?;
    let list = sent
        .as_array()
        .ok_or_else(|| ErrorPage::bad_request("Rate limits are a JSON list"))?;
    let limits = list
        .iter()
        .map(|l| parse_rate_limit(l, vipps_store::random_hex(8)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ErrorPage::bad_request(&format!("{}: {}", e.field, e.why)))?;
    st.db
        .set_rate_limits(&msn, &limits, st.clock.now())
        .await
        .map_err(anyhow::Error::from)?;
    back(&msn)
}

#[derive(Deserialize)]
pub(super) struct MinutesForm {
    minutes: String,
}

/// `POST /console/merchants/{msn}/clock`: moves only this merchant's clock.
pub(super) async fn advance(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    form: Result<Form<MinutesForm>, FormRejection>,
) -> Page {
    known(&st, &msn).await?;
    let minutes = form
        .ok()
        .and_then(|f| f.0.minutes.trim().parse::<i64>().ok())
        .filter(|m| (1..=10 * 365 * 24 * 60).contains(m))
        .ok_or_else(|| ErrorPage::bad_request("Minutes must be a whole number from 1 up"))?;
    advance_merchant_clock(&st, &msn, minutes * 60_000).await?;
    back(&msn)
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    confirm: Option<String>,
}

/// `POST /console/merchants/{msn}/forget`: forgets the merchant's payments,
/// logs and deliveries once the box is ticked.
pub(super) async fn forget(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Page {
    known(&st, &msn).await?;
    let confirmed = form.ok().and_then(|f| f.0.confirm).is_some();
    if !confirmed {
        return Err(ErrorPage::bad_request(
            "Tick the box to confirm: the merchant's payments, logs and deliveries are deleted",
        ));
    }
    st.db.forget_merchant_data(&msn).await?;
    back(&msn)
}

#[derive(Deserialize)]
pub(super) struct DelayForm {
    seconds: String,
}

/// `POST /console/psps/{psp_id}/settings`: how long a PSP's status reports
/// wait before they apply (as `POST /sandbox/v1/psps/{pspId}/settings`).
pub(super) async fn psp_settings(
    State(st): State<AppState>,
    Path(psp_id): Path<String>,
    form: Result<Form<DelayForm>, FormRejection>,
) -> Page {
    let seconds = form
        .ok()
        .and_then(|f| f.0.seconds.trim().parse::<i64>().ok())
        .filter(|s| (0..=7 * 24 * 3600).contains(s))
        .ok_or_else(|| ErrorPage::bad_request("The delay is 0 to 604800 seconds (one week)"))?;
    if !vipps_store::psps::is_psp_id(&psp_id)
        || !st.db.set_psp_status_delay(&psp_id, seconds * 1000).await?
    {
        return Err(ErrorPage::new(
            StatusCode::NOT_FOUND,
            "No such PSP".into(),
            format!("No PSP has id {psp_id}."),
        ));
    }
    see_other("/console").ok_or_else(|| ErrorPage::bad_request("Unusable address"))
}
