//! The HTML pages: home, landing, the payer's app screen and inbox.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Query, State,
    },
    http::StatusCode,
    response::Response,
    Form,
};
use time::{macros::format_description, OffsetDateTime};
use urlencoding::encode;
use vipps_domain::{
    payer::{self, Outcome, TEST_PAYERS},
    Millis,
};

use super::{
    by_token, current, invalid_phone, link, merchant_name,
    payer::{Approval, Express, PayerPayment},
    render, see_other, ErrorPage, Params,
};
use crate::{apis::PAYER_FAMILIES, AppState};

/// How many of a phone's payments its inbox lists.
const INBOX_LIMIT: i64 = 50;

struct PayerRow {
    phone: &'static str,
    name: &'static str,
    outcome: String,
}

fn payer_rows() -> Vec<PayerRow> {
    TEST_PAYERS
        .iter()
        .map(|p| PayerRow {
            phone: p.phone,
            name: p.name,
            outcome: match p.outcome {
                Outcome::Approves => "approves".into(),
                Outcome::Declines(why) => format!("declined: {why}"),
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    payers: Vec<PayerRow>,
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    token: String,
    merchant: String,
    amount: String,
    description: Option<String>,
    phone: String,
    error: Option<String>,
    payers: Vec<PayerRow>,
}

impl Landing {
    fn new(p: &dyn PayerPayment, merchant: String, phone: String, error: Option<String>) -> Self {
        Landing {
            token: p.token().to_owned(),
            merchant,
            amount: p.amount(),
            description: p.description(),
            phone,
            error,
            payers: payer_rows(),
        }
    }
}

#[derive(Template)]
#[template(path = "app.html")]
struct App {
    token: String,
    phone: String,
    payer_name: &'static str,
    merchant: String,
    amount: String,
    description: Option<String>,
    decline: Option<String>,
    /// Why the last approval failed for another reason (e.g. shipping details).
    error: Option<String>,
    express: Option<Express>,
    /// The card it will be charged to, when the payment decides it.
    card: Option<String>,
    inbox: String,
}

impl App {
    fn new(p: &dyn PayerPayment, merchant: String, phone: String, decline: Option<String>) -> Self {
        App {
            token: p.token().to_owned(),
            payer_name: payer::payer(&phone).name,
            inbox: inbox_url(&phone),
            phone,
            merchant,
            amount: p.amount(),
            description: p.description(),
            decline,
            card: p.card(),
            error: None,
            express: p.express(None),
        }
    }

    /// After a failed approval: the payer's shipping pick stays selected.
    fn retry(mut self, p: &dyn PayerPayment, chosen: Option<&str>, error: Option<String>) -> Self {
        self.express = p.express(chosen);
        self.error = error;
        self
    }
}

/// A payment that is past CREATED: its outcome, and the way back.
#[derive(Template)]
#[template(path = "status.html")]
struct Status {
    heading: &'static str,
    merchant: String,
    amount: String,
    description: Option<String>,
    state: &'static str,
    state_class: String,
    message: String,
    good: bool,
    return_url: Option<String>,
    /// The token, when the payer may revoke an express consent here.
    consent_token: Option<String>,
    /// The outcome of a consent removal: whether it went through, and how.
    notice: Option<(bool, String)>,
}

impl Status {
    fn new(p: &dyn PayerPayment, merchant: String) -> Self {
        let end = p.outcome();
        Status {
            heading: end.heading,
            merchant,
            amount: p.amount(),
            description: p.description(),
            state: end.state,
            state_class: end.state.to_ascii_lowercase(),
            message: end.message,
            good: end.good,
            return_url: link(p.return_url()),
            consent_token: p.has_consent().then(|| p.token().to_owned()),
            notice: None,
        }
    }
}

struct InboxRow {
    merchant: String,
    amount: String,
    description: Option<String>,
    created: String,
    state: &'static str,
    state_class: String,
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct Inbox {
    phone: String,
    payer_name: &'static str,
    rows: Vec<InboxRow>,
    refresh: String,
}

fn inbox_url(phone: &str) -> String {
    format!("/app?phone={}", encode(phone))
}

fn app_url(token: &str, phone: &str) -> String {
    format!("/app/pay?token={}&phone={}", encode(token), encode(phone))
}

pub(super) fn timestamp(ms: Millis) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// A 303 to one of our own pages (always a valid header: it is URL-encoded).
fn redirect(url: &str) -> Result<Response, ErrorPage> {
    see_other(url).ok_or_else(|| anyhow::anyhow!("unencodable page URL {url}").into())
}

/// After the payer's decision: back to the merchant's `returnUrl` unchanged,
/// or, when there is none (PUSH_MESSAGE), a page saying how it ended.
async fn finish(st: &AppState, p: &dyn PayerPayment) -> Result<Response, ErrorPage> {
    if let Some(r) = p.return_url().and_then(see_other) {
        return Ok(r);
    }
    status_page(st, p, StatusCode::OK).await
}

/// The page of a payment that is no longer open.
async fn status_page(
    st: &AppState,
    p: &dyn PayerPayment,
    code: StatusCode,
) -> Result<Response, ErrorPage> {
    let merchant = merchant_name(st, p.msn()).await?;
    Ok(render(code, &Status::new(p, merchant)))
}

pub(super) async fn home() -> Response {
    render(
        StatusCode::OK,
        &Home {
            payers: payer_rows(),
        },
    )
}

type Page = Result<Response, ErrorPage>;

pub(super) async fn landing(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Page {
    let q = Params::query(q)?;
    let mut p = current(&st, q.token()?).await?;
    // Back on the landing page after submitting a phone number: the
    // payment is cancelled, as the real one is.
    if let Some(changed) = p.back_to_landing(&st).await? {
        p = changed;
    }
    if !p.is_open() {
        return status_page(&st, &*p, StatusCode::OK).await;
    }
    let merchant = merchant_name(&st, p.msn()).await?;
    // Pre-filled but editable: someone else may pay.
    let phone = p.prefilled_phone();
    Ok(render(
        StatusCode::OK,
        &Landing::new(&*p, merchant, phone, None),
    ))
}

pub(super) async fn submit_phone(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Page {
    let f = Params::form(f)?;
    let p = current(&st, f.token()?).await?;
    if !p.is_open() {
        return status_page(&st, &*p, StatusCode::OK).await;
    }
    let typed = f.phone.clone().unwrap_or_default().trim().to_owned();
    let error = match f.phone() {
        Ok(phone) => match p.phone_refusal(&phone) {
            None => {
                p.phone_submitted(&st).await?;
                return redirect(&app_url(p.token(), &phone));
            }
            Some(why) => cannot_pay(&typed, why),
        },
        Err(_) if typed.is_empty() => "Enter your phone number.".to_owned(),
        Err(_) => invalid_phone(&typed),
    };
    let merchant = merchant_name(&st, p.msn()).await?;
    Ok(render(
        StatusCode::BAD_REQUEST,
        &Landing::new(&*p, merchant, typed, Some(error)),
    ))
}

fn cannot_pay(phone: &str, why: &str) -> String {
    format!("\"{phone}\" cannot pay this payment: {why}")
}

/// The payer's phone from a query or form, checked against the payment.
fn payer_phone(params: &Params, p: &dyn PayerPayment) -> Result<String, ErrorPage> {
    let phone = params.phone()?;
    match p.phone_refusal(&phone) {
        None => Ok(phone),
        Some(why) => Err(ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "Invalid phone number".into(),
            cannot_pay(&phone, why),
        )),
    }
}

pub(super) async fn app(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Page {
    let q = Params::query(q)?;
    let token = q.token()?;
    // A missing or malformed phone is a 400 before any lookup.
    q.phone()?;
    let mut p = current(&st, token).await?;
    if !p.is_open() {
        return status_page(&st, &*p, StatusCode::OK).await;
    }
    let phone = payer_phone(&q, &*p)?;
    let (opened, error) = p.opened(&st).await;
    if let Some(opened) = opened {
        p = opened;
    }
    let merchant = merchant_name(&st, p.msn()).await?;
    // A decline this payer already met stays visible after a reload.
    let decline = p.decline_for(&phone);
    let page = App::new(&*p, merchant, phone, decline).retry(&*p, None, error);
    Ok(render(StatusCode::OK, &page))
}

/// After an approval: back to the merchant when approved; otherwise the
/// app page again, saying why, while the payment is open.
pub(super) async fn approve(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Page {
    let f = Params::form(f)?;
    // A missing or malformed phone is a 400 before any lookup.
    f.phone()?;
    let p = by_token(&st, f.token()?).await?;
    let phone = payer_phone(&f, &*p)?;
    let chosen = f.shipping_method_id.filter(|s| !s.trim().is_empty());
    let (p, code, decline, error) = match p.approve(&st, &phone, chosen.clone()).await {
        Approval::Approved(p) => return finish(&st, &*p).await,
        Approval::Ended(p) => return status_page(&st, &*p, StatusCode::OK).await,
        Approval::Redirect(url) => return redirect(&url),
        Approval::Declined(p, why) => (p, StatusCode::OK, Some(why), None),
        Approval::Refused(code, why) => {
            let p = current(&st, p.token()).await?;
            if !p.is_open() {
                return status_page(&st, &*p, code).await;
            }
            (p, code, None, Some(why))
        }
        Approval::Failed(e) => return Err(e.back_to(&*p)),
    };
    let merchant = merchant_name(&st, p.msn()).await?;
    let page = App::new(&*p, merchant, phone, decline).retry(&*p, chosen.as_deref(), error);
    Ok(render(code, &page))
}

/// Back from a card issuer's 3-D Secure page through one of the operation
/// URLs of a PSP payment (`3dssuccess`, `3dscancel`, `3dsfailure`; success
/// needs `responsecode=OK`).
pub(super) async fn three_ds(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Page {
    let q = Params::query(q)?;
    let p = by_token(&st, q.token()?).await?;
    let success = q.operation.as_deref() == Some("3dssuccess")
        && q.responsecode
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case("OK"));
    match p.three_ds_returned(&st, success).await {
        Approval::Approved(p) => finish(&st, &*p).await,
        Approval::Redirect(url) => redirect(&url),
        Approval::Ended(p) | Approval::Declined(p, _) => {
            status_page(&st, &*p, StatusCode::OK).await
        }
        Approval::Refused(code, _) => {
            let p = current(&st, p.token()).await?;
            status_page(&st, &*p, code).await
        }
        Approval::Failed(e) => Err(e.back_to(&*p)),
    }
}

pub(super) async fn reject(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Page {
    let f = Params::form(f)?;
    let p = by_token(&st, f.token()?).await?;
    match p.reject(&st).await {
        Ok(after) => finish(&st, &*after).await,
        Err(e) => Err(e.back_to(&*p)),
    }
}

/// "Remove consent": the merchant is told to delete the express payer's
/// profile (`DELETE …/v2/consents/{userId}`), and the page says how it went.
pub(super) async fn remove_consent(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Page {
    let f = Params::form(f)?;
    let p = current(&st, f.token()?).await?;
    let out = p
        .remove_consent(&st)
        .await
        .map_err(|err| err.back_to(&*p))?;
    let merchant = merchant_name(&st, p.msn()).await?;
    let notice = match (out.status, out.error) {
        (200..=299, _) => (
            true,
            format!("Consent removed: {merchant} was asked to delete your data."),
        ),
        (0, why) => (
            false,
            format!(
                "{merchant} could not be reached: {}",
                why.unwrap_or_default()
            ),
        ),
        (status, _) => (
            false,
            format!("{merchant} answered HTTP {status} to the consent removal."),
        ),
    };
    let mut page = Status::new(&*p, merchant);
    page.notice = Some(notice);
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn inbox(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Page {
    let q = Params::query(q)?;
    let phone = q.phone()?;
    // Every API's payments for this phone, each settled as of now.
    let mut payments = Vec::new();
    for family in PAYER_FAMILIES {
        payments.extend(family.for_phone(&st, &phone, INBOX_LIMIT).await?);
    }
    payments.sort_by_key(|p| std::cmp::Reverse(p.created_at()));
    payments.truncate(INBOX_LIMIT as usize);
    let mut names: HashMap<String, String> = HashMap::new();
    let mut rows = Vec::new();
    for p in payments {
        let merchant = match names.get(p.msn()) {
            Some(n) => n.clone(),
            None => {
                let n = merchant_name(&st, p.msn()).await?;
                names.insert(p.msn().to_owned(), n.clone());
                n
            }
        };
        rows.push(InboxRow {
            merchant,
            amount: p.amount(),
            description: p.description(),
            created: timestamp(p.created_at()),
            state: p.state_label(),
            state_class: p.state_label().to_ascii_lowercase(),
            link: p.is_open().then(|| app_url(p.token(), &phone)),
        });
    }
    Ok(render(
        StatusCode::OK,
        &Inbox {
            payer_name: payer::payer(&phone).name,
            refresh: inbox_url(&phone),
            phone,
            rows,
        },
    ))
}
