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
    payment::{Express, PayerPayment},
    render, respond, see_other, ErrorPage, Params,
};
use crate::{
    problem::ApiProblem,
    service::{self, Approved},
    service_ecom::{self, Approved as EcomApproved},
    AppState,
};

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
    fn new(p: &PayerPayment, merchant: String, phone: String, error: Option<String>) -> Self {
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
    inbox: String,
}

impl App {
    fn new(p: &PayerPayment, merchant: String, phone: String, decline: Option<String>) -> Self {
        App {
            token: p.token().to_owned(),
            payer_name: payer::payer(&phone).name,
            inbox: inbox_url(&phone),
            phone,
            merchant,
            amount: p.amount(),
            description: p.description(),
            decline,
            error: None,
            express: p.express(None),
        }
    }

    /// After a failed approval: the payer's shipping pick stays selected.
    fn retry(mut self, p: &PayerPayment, chosen: Option<&str>, error: Option<String>) -> Self {
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
    message: &'static str,
    good: bool,
    return_url: Option<String>,
    /// The token, when the payer may revoke an express consent here.
    consent_token: Option<String>,
    /// The outcome of a consent removal: whether it went through, and how.
    notice: Option<(bool, String)>,
}

impl Status {
    fn new(p: &PayerPayment, merchant: String) -> Self {
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

fn timestamp(ms: Millis) -> String {
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
fn redirect(url: &str) -> Response {
    see_other(url).unwrap_or_else(|| respond(Err(ApiProblem::internal().into())))
}

/// After the payer's decision: back to the merchant's `returnUrl` unchanged,
/// or, when there is none (PUSH_MESSAGE), a page saying how it ended.
async fn finish(st: &AppState, p: &PayerPayment) -> Result<Response, ErrorPage> {
    if let Some(r) = p.return_url().and_then(see_other) {
        return Ok(r);
    }
    status_page(st, p, StatusCode::OK).await
}

/// The page of a payment that is no longer open.
async fn status_page(
    st: &AppState,
    p: &PayerPayment,
    code: StatusCode,
) -> Result<Response, ErrorPage> {
    let merchant = merchant_name(st, p.msn()).await?;
    Ok(render(code, &Status::new(p, merchant)))
}

/// eCom knows only Norwegian numbers: anything else is explained.
fn ecom_only_norwegian(typed: &str) -> String {
    format!(
        "\"{typed}\" cannot pay this payment: it needs a Norwegian mobile number, \
         8 digits (e.g. 12345678)."
    )
}

pub(super) async fn home() -> Response {
    render(
        StatusCode::OK,
        &Home {
            payers: payer_rows(),
        },
    )
}

pub(super) async fn landing(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    respond(
        async {
            let q = Params::query(q)?;
            let mut p = current(&st, q.token()?).await?;
            // Back on the landing page after submitting a phone number: the
            // payment is cancelled, as the real one is (BEHAVIOR.md §4.6).
            if let PayerPayment::Epayment(e) = &p {
                if e.phone_submitted && p.is_open() {
                    if let Some(e) = service::back_to_landing(&st, &e.msn, &e.reference).await? {
                        p = PayerPayment::Epayment(e);
                    }
                }
            }
            if !p.is_open() {
                return status_page(&st, &p, StatusCode::OK).await;
            }
            let merchant = merchant_name(&st, p.msn()).await?;
            // Pre-filled but editable: someone else may pay (BEHAVIOR.md §4.6).
            let phone = p.prefilled_phone();
            Ok(render(
                StatusCode::OK,
                &Landing::new(&p, merchant, phone, None),
            ))
        }
        .await,
    )
}

pub(super) async fn submit_phone(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Response {
    respond(
        async {
            let f = Params::form(f)?;
            let p = current(&st, f.token()?).await?;
            if !p.is_open() {
                return status_page(&st, &p, StatusCode::OK).await;
            }
            let typed = f.phone.clone().unwrap_or_default().trim().to_owned();
            let error = match f.phone() {
                Ok(phone) if p.accepts_phone(&phone) => {
                    if let PayerPayment::Epayment(e) = &p {
                        service::submit_phone(&st, &e.msn, &e.reference).await?;
                    }
                    return Ok(redirect(&app_url(p.token(), &phone)));
                }
                Ok(_) => ecom_only_norwegian(&typed),
                Err(_) if typed.is_empty() => "Enter your phone number.".to_owned(),
                Err(_) => invalid_phone(&typed),
            };
            let merchant = merchant_name(&st, p.msn()).await?;
            Ok(render(
                StatusCode::BAD_REQUEST,
                &Landing::new(&p, merchant, typed, Some(error)),
            ))
        }
        .await,
    )
}

/// The payer's phone from a query or form, checked against the payment.
fn payer_phone(params: &Params, p: &PayerPayment) -> Result<String, ErrorPage> {
    let phone = params.phone()?;
    if !p.accepts_phone(&phone) {
        return Err(ErrorPage {
            status: StatusCode::BAD_REQUEST,
            title: "Invalid phone number".into(),
            detail: ecom_only_norwegian(&phone),
            return_url: None,
        });
    }
    Ok(phone)
}

pub(super) async fn app(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    respond(
        async {
            let q = Params::query(q)?;
            let token = q.token()?;
            // A missing or malformed phone is a 400 before any lookup.
            q.phone()?;
            let p = current(&st, token).await?;
            if !p.is_open() {
                return status_page(&st, &p, StatusCode::OK).await;
            }
            let phone = payer_phone(&q, &p)?;
            // Opening an express payment asks the merchant for its shipping
            // options, as the app does once it knows the address.
            let (p, error) = match p {
                PayerPayment::Ecom(e) if e.express => {
                    match service_ecom::offer_shipping(&st, &e.msn, &e.order_id).await {
                        Ok(e) => (PayerPayment::Ecom(e), None),
                        Err(problem) => (PayerPayment::Ecom(e), Some(problem.0.message)),
                    }
                }
                other => (other, None),
            };
            let merchant = merchant_name(&st, p.msn()).await?;
            // A decline this payer already met stays visible after a reload.
            let decline = p.decline_for(&phone);
            let page = App::new(&p, merchant, phone, decline).retry(&p, None, error);
            Ok(render(StatusCode::OK, &page))
        }
        .await,
    )
}

pub(super) async fn approve(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Response {
    respond(
        async {
            let f = Params::form(f)?;
            // A missing or malformed phone is a 400 before any lookup.
            f.phone()?;
            let p = by_token(&st, f.token()?).await?;
            let phone = payer_phone(&f, &p)?;
            match p {
                PayerPayment::Epayment(e) => approve_epayment(&st, e, phone).await,
                PayerPayment::Ecom(e) => approve_ecom(&st, e, phone, f.shipping_method_id).await,
            }
        }
        .await,
    )
}

async fn approve_epayment(
    st: &AppState,
    e: vipps_domain::epayment::Payment,
    phone: String,
) -> Result<Response, ErrorPage> {
    match service::approve(st, &e.msn, &e.reference, |_| Ok(phone.clone())).await {
        Ok(Approved::Yes(e)) => finish(st, &PayerPayment::Epayment(e)).await,
        // The payment stays open: show why, and let the payer reject.
        Ok(Approved::Declined(e, why)) => {
            let p = PayerPayment::Epayment(e);
            let merchant = merchant_name(st, p.msn()).await?;
            Ok(render(
                StatusCode::OK,
                &App::new(&p, merchant, phone, Some(why.to_owned())),
            ))
        }
        Err(err) => Err(ErrorPage::from(err).back_to(&PayerPayment::Epayment(e))),
    }
}

/// eCom approval: a decline or a failing shipping-details call leaves the
/// payment open, so the app page shows why with its buttons; a payment no
/// longer open shows how it ended.
async fn approve_ecom(
    st: &AppState,
    e: vipps_domain::ecom::Payment,
    phone: String,
    shipping: Option<String>,
) -> Result<Response, ErrorPage> {
    let shipping = shipping.filter(|s| !s.trim().is_empty());
    let chosen = shipping.clone();
    let out = service_ecom::approve_ecom(st, &e.msn, &e.order_id, &phone, shipping).await;
    let (p, code, decline, error) = match out {
        Ok(EcomApproved::Yes(e)) => return finish(st, &PayerPayment::Ecom(e)).await,
        Ok(EcomApproved::Declined(e, why)) => (
            PayerPayment::Ecom(e),
            StatusCode::OK,
            Some(why.message),
            None,
        ),
        Err(problem) => {
            let code =
                StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if code.is_server_error() {
                return Err(ErrorPage::from(problem).back_to(&PayerPayment::Ecom(e)));
            }
            let p = current(st, &e.token).await?;
            if !p.is_open() {
                return status_page(st, &p, code).await;
            }
            (p, code, None, Some(problem.0.message))
        }
    };
    let merchant = merchant_name(st, p.msn()).await?;
    let page = App::new(&p, merchant, phone, decline).retry(&p, chosen.as_deref(), error);
    Ok(render(code, &page))
}

pub(super) async fn reject(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Response {
    respond(
        async {
            let f = Params::form(f)?;
            let p = by_token(&st, f.token()?).await?;
            let out = match &p {
                PayerPayment::Epayment(e) => service::reject(&st, &e.msn, &e.reference)
                    .await
                    .map(PayerPayment::Epayment)
                    .map_err(ErrorPage::from),
                PayerPayment::Ecom(e) => service_ecom::reject_ecom(&st, &e.msn, &e.order_id)
                    .await
                    .map(PayerPayment::Ecom)
                    .map_err(ErrorPage::from),
            };
            match out {
                Ok(p) => finish(&st, &p).await,
                Err(e) => Err(e.back_to(&p)),
            }
        }
        .await,
    )
}

/// "Remove consent": the merchant is told to delete the express payer's
/// profile (`DELETE …/v2/consents/{userId}`), and the page says how it went.
pub(super) async fn remove_consent(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Response {
    respond(
        async {
            let f = Params::form(f)?;
            let p = current(&st, f.token()?).await?;
            let PayerPayment::Ecom(e) = &p else {
                return Err(ErrorPage::bad_request(
                    "This payment has no consent to remove",
                ));
            };
            let out = service_ecom::remove_consent(&st, &e.msn, &e.order_id)
                .await
                .map_err(|err| ErrorPage::from(err).back_to(&p))?;
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
            let mut page = Status::new(&p, merchant);
            page.notice = Some(notice);
            Ok(render(StatusCode::OK, &page))
        }
        .await,
    )
}

pub(super) async fn inbox(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    respond(
        async {
            let q = Params::query(q)?;
            let phone = q.phone()?;
            let now = st.clock.now();
            // Both families' payments for this phone, each settled as of
            // now (only one whose window has passed needs the write).
            let mut payments = Vec::new();
            for s in st.db.payments_for_phone(&phone, INBOX_LIMIT).await? {
                let p = match s.payment.expire_if_due(now) {
                    Some(_) => service::settled(&st, &s.payment.msn, &s.payment.reference, now)
                        .await?
                        .map_or(s.payment, |s| s.payment),
                    None => s.payment,
                };
                payments.push(PayerPayment::Epayment(p));
            }
            for s in st.db.ecom_payments_for_phone(&phone, INBOX_LIMIT).await? {
                let p = match s.payment.expire_if_due(now) {
                    Some(_) => service_ecom::settled(&st, &s.payment.msn, &s.payment.order_id, now)
                        .await?
                        .map_or(s.payment, |s| s.payment),
                    None => s.payment,
                };
                payments.push(PayerPayment::Ecom(p));
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
        .await,
    )
}
