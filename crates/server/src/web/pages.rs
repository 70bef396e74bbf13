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
    epayment::{Payment, State as PaymentState},
    payer::{self, Outcome, TEST_PAYERS},
    Millis,
};

use super::{
    by_token, current, invalid_phone, link, merchant_name, render, respond, see_other, ErrorPage,
    Params,
};
use crate::{
    problem::ApiProblem,
    service::{self, Approved},
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
    fn new(p: &Payment, merchant: String, phone: String, error: Option<String>) -> Self {
        Landing {
            token: p.token.clone(),
            merchant,
            amount: p.amount.to_string(),
            description: p.description.clone(),
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
    inbox: String,
}

impl App {
    fn new(p: &Payment, merchant: String, phone: String, decline: Option<String>) -> Self {
        App {
            token: p.token.clone(),
            payer_name: payer::payer(&phone).name,
            inbox: inbox_url(&phone),
            phone,
            merchant,
            amount: p.amount.to_string(),
            description: p.description.clone(),
            decline,
        }
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
}

impl Status {
    fn new(p: &Payment, merchant: String) -> Self {
        let (heading, message, good) = match p.state {
            PaymentState::Created => ("Waiting for the payer", "The payment is open.", true),
            PaymentState::Authorized => (
                "Payment approved",
                "The payment is approved. The merchant will complete the order.",
                true,
            ),
            PaymentState::Aborted => (
                "Payment rejected",
                "The payment was rejected. Nothing was charged.",
                false,
            ),
            PaymentState::Expired => (
                "Payment expired",
                "The payment has expired: it was not approved in time. Nothing was charged.",
                false,
            ),
            PaymentState::Terminated => (
                "Payment cancelled",
                "The merchant cancelled this payment. Nothing was charged.",
                false,
            ),
        };
        Status {
            heading,
            merchant,
            amount: p.amount.to_string(),
            description: p.description.clone(),
            state: p.state.as_str(),
            state_class: p.state.as_str().to_ascii_lowercase(),
            message,
            good,
            return_url: link(p.return_url.as_deref()),
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
async fn finish(st: &AppState, p: &Payment) -> Result<Response, ErrorPage> {
    if let Some(r) = p.return_url.as_deref().and_then(see_other) {
        return Ok(r);
    }
    let merchant = merchant_name(st, &p.msn).await?;
    Ok(render(StatusCode::OK, &Status::new(p, merchant)))
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
            let p = current(&st, q.token()?).await?;
            let merchant = merchant_name(&st, &p.msn).await?;
            if p.state != PaymentState::Created {
                return Ok(render(StatusCode::OK, &Status::new(&p, merchant)));
            }
            // Pre-filled but editable: someone else may pay (BEHAVIOR.md §4.6).
            let phone = p.customer_phone.clone().unwrap_or_default();
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
            let merchant = merchant_name(&st, &p.msn).await?;
            if p.state != PaymentState::Created {
                return Ok(render(StatusCode::OK, &Status::new(&p, merchant)));
            }
            match f.phone() {
                Ok(phone) => Ok(redirect(&app_url(&p.token, &phone))),
                Err(_) => {
                    let typed = f.phone.unwrap_or_default().trim().to_owned();
                    let error = if typed.is_empty() {
                        "Enter your phone number.".to_owned()
                    } else {
                        invalid_phone(&typed)
                    };
                    Ok(render(
                        StatusCode::BAD_REQUEST,
                        &Landing::new(&p, merchant, typed, Some(error)),
                    ))
                }
            }
        }
        .await,
    )
}

pub(super) async fn app(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    respond(
        async {
            let q = Params::query(q)?;
            let token = q.token()?;
            let phone = q.phone()?;
            let p = current(&st, token).await?;
            let merchant = merchant_name(&st, &p.msn).await?;
            if p.state != PaymentState::Created {
                return Ok(render(StatusCode::OK, &Status::new(&p, merchant)));
            }
            // A decline this payer already met stays visible after a reload.
            let decline = p
                .decline_reason
                .clone()
                .filter(|_| p.payer_phone.as_deref() == Some(phone.as_str()));
            Ok(render(
                StatusCode::OK,
                &App::new(&p, merchant, phone, decline),
            ))
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
            let phone = f.phone()?;
            let p = by_token(&st, f.token()?).await?;
            match service::approve(&st, &p.msn, &p.reference, &phone).await {
                Ok(Approved::Yes(p)) => finish(&st, &p).await,
                // The payment stays open: show why, and let the payer reject.
                Ok(Approved::Declined(p, why)) => {
                    let merchant = merchant_name(&st, &p.msn).await?;
                    Ok(render(
                        StatusCode::OK,
                        &App::new(&p, merchant, phone, Some(why.to_owned())),
                    ))
                }
                Err(e) => Err(ErrorPage::from(e).back_to(&p)),
            }
        }
        .await,
    )
}

pub(super) async fn reject(
    State(st): State<AppState>,
    f: Result<Form<Params>, FormRejection>,
) -> Response {
    respond(
        async {
            let f = Params::form(f)?;
            let p = by_token(&st, f.token()?).await?;
            match service::reject(&st, &p.msn, &p.reference).await {
                Ok(p) => finish(&st, &p).await,
                Err(e) => Err(ErrorPage::from(e).back_to(&p)),
            }
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
            let mut names: HashMap<String, String> = HashMap::new();
            let mut rows = Vec::new();
            for s in st.db.payments_for_phone(&phone, INBOX_LIMIT).await? {
                let mut p = s.payment;
                // Only a payment whose window has passed needs the write.
                if p.expire_if_due(now).is_some() {
                    if let Some(s) = service::settled(&st, &p.msn, &p.reference, now).await? {
                        p = s.payment;
                    }
                }
                let merchant = match names.get(&p.msn) {
                    Some(n) => n.clone(),
                    None => {
                        let n = merchant_name(&st, &p.msn).await?;
                        names.insert(p.msn.clone(), n.clone());
                        n
                    }
                };
                rows.push(InboxRow {
                    merchant,
                    amount: p.amount.to_string(),
                    description: p.description.clone(),
                    created: timestamp(p.created_at),
                    state: p.state.as_str(),
                    state_class: p.state.as_str().to_ascii_lowercase(),
                    link: (p.state == PaymentState::Created).then(|| app_url(&p.token, &phone)),
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
