//! The operator's console (`/console`): what the sandbox holds, as pages
//! people can read — merchants and PSPs, the sandbox clock with Advance, the
//! API request log and the outgoing deliveries with Retry. Plain
//! server-rendered HTML and forms (POST, then 303 back), no script.

use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Path, Query, State,
    },
    http::StatusCode,
    response::Response,
    Form,
};
use serde::Deserialize;
use vipps_domain::{order_management::PaymentType, payer::DEFAULT_PHONE, Msn};
use vipps_store::{
    deliveries::{is_delivery_id, retry_now, Attempt, Delivery},
    requests::{RequestFilter, RequestRecord},
};

use super::{
    merchant_name,
    pages::timestamp,
    payer::{Approval, Paid},
    render, see_other, ErrorPage,
};
use crate::{apis::PAYER_FAMILIES, kernel::upkeep::advance_clock, AppState};

/// Rows a listing shows.
const LIST_LIMIT: i64 = 200;

type Page = Result<Response, ErrorPage>;

fn back(url: &str) -> Page {
    see_other(url).ok_or_else(|| ErrorPage::bad_request("Unusable address"))
}

struct MerchantRow {
    msn: String,
    name: String,
    client_id: String,
    created: String,
}

struct PspRow {
    psp_id: String,
    name: String,
    msns: String,
    /// How long its status reports wait before they apply, in seconds.
    delay_seconds: i64,
}

#[derive(Template)]
#[template(path = "console.html")]
struct Overview {
    now: String,
    offset: String,
    merchants: Vec<MerchantRow>,
    psps: Vec<PspRow>,
}

/// How far the sandbox clock is ahead of the wall clock, in words.
fn offset_words(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        0 => "none".into(),
        s if s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s % 3_600 == 0 => format!("{} hours", s / 3_600),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

/// `GET /console`.
pub(super) async fn overview(State(st): State<AppState>) -> Page {
    let merchants = st
        .db
        .list_merchants()
        .await?
        .into_iter()
        .map(|m| MerchantRow {
            created: timestamp(m.created_at),
            msn: m.msn,
            name: m.name,
            client_id: m.client_id,
        })
        .collect();
    let mut psps = Vec::new();
    for p in st.db.list_psps().await? {
        let delay_ms = match p.msns.first() {
            Some(msn) => st.db.psp_serves(&p.psp_id, msn).await?.unwrap_or(0),
            None => 0,
        };
        psps.push(PspRow {
            delay_seconds: delay_ms / 1000,
            psp_id: p.psp_id,
            name: p.name,
            msns: p.msns.join(", "),
        });
    }
    Ok(render(
        StatusCode::OK,
        &Overview {
            now: timestamp(st.clock.now()),
            offset: offset_words(st.clock.offset()),
            merchants,
            psps,
        },
    ))
}

#[derive(Deserialize)]
pub(super) struct AdvanceForm {
    minutes: Option<String>,
}

/// `POST /console/clock`: moves the sandbox clock forward; what fell due
/// happens before the page comes back.
pub(super) async fn advance(
    State(st): State<AppState>,
    f: Result<Form<AdvanceForm>, FormRejection>,
) -> Page {
    let minutes = f
        .ok()
        .and_then(|f| f.0.minutes)
        .and_then(|m| m.trim().parse::<i64>().ok())
        .filter(|m| (1..=10 * 365 * 24 * 60).contains(m))
        .ok_or_else(|| ErrorPage::bad_request("Minutes must be a whole number from 1 up"))?;
    advance_clock(&st, minutes * 60_000).await?;
    back("/console")
}

#[derive(Deserialize, Default)]
pub(super) struct Filter {
    msn: Option<String>,
    path: Option<String>,
    status: Option<String>,
    kind: Option<String>,
}

impl Filter {
    fn msn(&self) -> Result<Option<&str>, ErrorPage> {
        match self.msn.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) if Msn::parse(m).is_none() => {
                Err(ErrorPage::bad_request("The MSN must be 5 or 6 digits"))
            }
            other => Ok(other),
        }
    }

    fn text(v: &Option<String>) -> String {
        v.as_deref().unwrap_or("").trim().to_owned()
    }
}

struct RequestRow {
    at: String,
    msn: String,
    method: String,
    path: String,
    status: i64,
    status_class: &'static str,
    latency: String,
    system: String,
    trace_id: String,
    /// `name: value` lines, credentials already replaced.
    headers: Vec<String>,
    request_body: String,
    response_body: String,
}

#[derive(Template)]
#[template(path = "console_requests.html")]
struct Requests {
    msn: String,
    path: String,
    status: String,
    rows: Vec<RequestRow>,
}

fn status_class(status: i64) -> &'static str {
    match status {
        200..=299 => "ok",
        400..=499 => "client",
        _ => "server",
    }
}

fn request_row(r: RequestRecord) -> RequestRow {
    RequestRow {
        at: timestamp(r.at),
        msn: r.msn.unwrap_or_default(),
        method: r.method,
        status_class: status_class(r.status),
        status: r.status,
        latency: format!("{:.1} ms", r.latency_us as f64 / 1000.0),
        system: [r.system_name, r.system_version]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        path: r.path,
        trace_id: r.trace_id.unwrap_or_default(),
        headers: match r.request_headers {
            Some(serde_json::Value::Object(h)) => h
                .into_iter()
                .map(|(name, value)| format!("{name}: {}", value.as_str().unwrap_or_default()))
                .collect(),
            _ => Vec::new(),
        },
        request_body: pretty(r.request_body),
        response_body: pretty(r.response_body),
    }
}

/// A logged body indented for reading when it is JSON, as logged otherwise.
fn pretty(body: Option<String>) -> String {
    let body = body.unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(body)
}

/// `GET /console/requests?msn=&path=&status=`.
pub(super) async fn requests(
    State(st): State<AppState>,
    q: Result<Query<Filter>, QueryRejection>,
) -> Page {
    let q = q
        .map(|q| q.0)
        .map_err(|_| ErrorPage::bad_request("The filter could not be read"))?;
    let path = Filter::text(&q.path);
    let status = Filter::text(&q.status);
    let filter = RequestFilter {
        msn: q.msn()?,
        path: Some(path.as_str()).filter(|p| !p.is_empty()),
        status: Some(status.as_str()).filter(|s| !s.is_empty()),
        mention: None,
    };
    let rows = st
        .db
        .requests(filter, LIST_LIMIT)
        .await?
        .into_iter()
        .map(request_row)
        .collect();
    Ok(render(
        StatusCode::OK,
        &Requests {
            msn: Filter::text(&q.msn),
            path,
            status,
            rows,
        },
    ))
}

struct AttemptRow {
    at: String,
    outcome: String,
    latency: String,
    response: String,
}

struct DeliveryRow {
    id: String,
    created: String,
    msn: String,
    kind: String,
    url: String,
    event: String,
    status: String,
    next: Option<String>,
    attempts: Vec<AttemptRow>,
}

#[derive(Template)]
#[template(path = "console_deliveries.html")]
struct Deliveries {
    msn: String,
    kind: String,
    status: String,
    rows: Vec<DeliveryRow>,
}

fn delivery_row((d, attempts): (Delivery, Vec<Attempt>)) -> DeliveryRow {
    DeliveryRow {
        next: (d.status == "pending").then(|| timestamp(d.next_attempt_at)),
        created: timestamp(d.created_at),
        attempts: attempts
            .into_iter()
            .map(|a| AttemptRow {
                at: timestamp(a.at),
                outcome: match (a.status_code, a.error_kind) {
                    (0, kind) => kind.unwrap_or_else(|| "no answer".into()),
                    (code, _) => format!("HTTP {code}"),
                },
                latency: format!("{} ms", a.latency_ms),
                response: a
                    .response
                    .map(|r| r.chars().take(160).collect())
                    .unwrap_or_default(),
            })
            .collect(),
        id: d.id,
        msn: d.msn,
        kind: d.kind,
        url: d.url,
        event: d.event_type,
        status: d.status,
    }
}

/// `GET /console/deliveries?msn=&kind=&status=`.
pub(super) async fn deliveries(
    State(st): State<AppState>,
    q: Result<Query<Filter>, QueryRejection>,
) -> Page {
    let q = q
        .map(|q| q.0)
        .map_err(|_| ErrorPage::bad_request("The filter could not be read"))?;
    let kind = Filter::text(&q.kind);
    let status = Filter::text(&q.status);
    let rows = st
        .db
        .deliveries_with_attempts(q.msn()?, LIST_LIMIT)
        .await?
        .into_iter()
        .filter(|(d, _)| kind.is_empty() || d.kind == kind)
        .filter(|(d, _)| status.is_empty() || d.status == status)
        .map(delivery_row)
        .collect();
    Ok(render(
        StatusCode::OK,
        &Deliveries {
            msn: Filter::text(&q.msn),
            kind,
            status,
            rows,
        },
    ))
}

/// `POST /console/deliveries/{id}/retry`: due again now.
pub(super) async fn retry(State(st): State<AppState>, Path(id): Path<String>) -> Page {
    if is_delivery_id(&id) {
        // A row that is gone changes nothing; the list shows what is there.
        let _ = st.commit(retry_now(&id, st.clock.now())).await;
        st.deliverer.wake();
    }
    back("/console/deliveries")
}

struct PaymentRow {
    api: &'static str,
    msn: String,
    reference: String,
    state: &'static str,
    state_class: String,
    amount: String,
    created: String,
    link: String,
}

#[derive(Template)]
#[template(path = "console_payments.html")]
struct Payments {
    api: String,
    msn: String,
    q: String,
    state: String,
    rows: Vec<PaymentRow>,
    sessions: Vec<SessionRow>,
}

/// A Checkout session, paid or not (a session has an ePayment payment
/// only once the shopper proceeds to pay).
struct SessionRow {
    created: String,
    reference: String,
    msn: String,
    amount: String,
    state: &'static str,
    link: String,
}

#[derive(Deserialize, Default)]
pub(super) struct PaymentFilter {
    api: Option<String>,
    msn: Option<String>,
    q: Option<String>,
    state: Option<String>,
}

/// `GET /console/payments?api=&msn=&q=`: the newest payments of every API.
pub(super) async fn payments(
    State(st): State<AppState>,
    q: Result<Query<PaymentFilter>, QueryRejection>,
) -> Page {
    let q = q
        .map(|q| q.0)
        .map_err(|_| ErrorPage::bad_request("The filter could not be read"))?;
    let msn = Filter {
        msn: q.msn.clone(),
        ..Filter::default()
    };
    let msn = msn.msn()?;
    let api = Filter::text(&q.api);
    let needle = Filter::text(&q.q);
    let state = Filter::text(&q.state);
    let mut all = Vec::new();
    for family in PAYER_FAMILIES {
        all.extend(family.recent(&st, msn, LIST_LIMIT).await?);
    }
    all.sort_by_key(|p| std::cmp::Reverse(p.created_at()));
    let rows = all
        .into_iter()
        .filter(|p| api.is_empty() || p.api().eq_ignore_ascii_case(&api))
        .filter(|p| needle.is_empty() || p.reference().contains(&needle))
        .filter(|p| state.is_empty() || p.state_label().eq_ignore_ascii_case(&state))
        .take(LIST_LIMIT as usize)
        .map(|p| PaymentRow {
            api: p.api(),
            msn: p.msn().to_owned(),
            reference: p.reference().to_owned(),
            state: p.state_label(),
            state_class: p.state_label().to_ascii_lowercase(),
            amount: p.amount(),
            created: timestamp(p.created_at()),
            link: format!("/console/payments/{}", p.token()),
        })
        .collect();
    let sessions = if api.is_empty() || api.eq_ignore_ascii_case("Checkout") {
        st.db
            .recent_checkout_sessions(msn, LIST_LIMIT)
            .await?
            .into_iter()
            .map(|s| s.payment)
            .filter(|s| needle.is_empty() || s.reference.contains(&needle))
            .filter(|s| state.is_empty() || s.state.as_str().eq_ignore_ascii_case(&state))
            .map(|s| SessionRow {
                created: timestamp(s.created_at),
                link: format!("/console/requests?msn={}&path={}", s.msn, s.reference),
                amount: s.payment_amount.unwrap_or(s.amount).to_string(),
                state: s.state.as_str(),
                reference: s.reference,
                msn: s.msn,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(
        StatusCode::OK,
        &Payments {
            api,
            msn: Filter::text(&q.msn),
            q: needle,
            state,
            rows,
            sessions,
        },
    ))
}

struct HistoryView {
    at: String,
    what: String,
    amount: String,
    success: bool,
}

struct OrderDataView {
    category: Option<String>,
    receipt_lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "console_payment.html")]
struct PaymentPage {
    token: String,
    api: &'static str,
    reference: String,
    msn: String,
    merchant: String,
    state: &'static str,
    state_class: String,
    message: String,
    amount: String,
    description: Option<String>,
    created: String,
    open: bool,
    history: Vec<HistoryView>,
    deliveries: Vec<DeliveryRow>,
    requests: Vec<RequestRow>,
    order: Option<OrderDataView>,
}

/// The payment behind `token`, of whichever API, as of now.
async fn find(st: &AppState, token: &str) -> Result<Paid, ErrorPage> {
    let missing = || {
        ErrorPage::new(
            StatusCode::NOT_FOUND,
            "No such payment".into(),
            String::new(),
        )
    };
    if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(missing());
    }
    for family in PAYER_FAMILIES {
        if let Some(p) = family.by_token(st, token).await? {
            return Ok(p.settle(st).await?.unwrap_or(p));
        }
    }
    Err(missing())
}

/// `GET /console/payments/{token}`: one payment with its log, the API
/// requests and deliveries about it, and its order data.
pub(super) async fn payment(State(st): State<AppState>, Path(token): Path<String>) -> Page {
    let p = find(&st, &token).await?;
    let reference = p.reference().to_owned();
    let end = p.outcome();
    let history = p
        .history(&st)
        .await?
        .into_iter()
        .map(|h| HistoryView {
            at: timestamp(h.at),
            what: h.what,
            amount: h.amount,
            success: h.success,
        })
        .collect();
    let deliveries = st
        .db
        .deliveries_with_attempts(Some(p.msn()), LIST_LIMIT)
        .await?
        .into_iter()
        .filter(|(d, _)| d.order_key.contains(&reference) || d.event_type.contains(&reference))
        .map(delivery_row)
        .collect();
    // The calls naming the payment in their path, and those creating it
    // (whose body carries the reference).
    let filter = RequestFilter {
        msn: Some(p.msn()),
        mention: Some(&reference),
        ..RequestFilter::default()
    };
    let requests = st
        .db
        .requests(filter, LIST_LIMIT)
        .await?
        .into_iter()
        .map(request_row)
        .collect();
    let order = match p.order_id() {
        Some(id) => {
            let info = st.db.om_order(p.msn(), PaymentType::Ecom, id).await?;
            let category = info
                .category
                .map(|c| format!("{} → {}", c.category.label(), c.order_details_url));
            let receipt_lines = info
                .receipt
                .map(|r| {
                    r.order_lines
                        .iter()
                        .map(|l| format!("{} ({})", l.name, l.total_amount))
                        .collect()
                })
                .unwrap_or_default();
            Some(OrderDataView {
                category,
                receipt_lines,
            })
        }
        None => None,
    };
    Ok(render(
        StatusCode::OK,
        &PaymentPage {
            token,
            api: p.api(),
            merchant: merchant_name(&st, p.msn()).await?,
            msn: p.msn().to_owned(),
            state: end.state,
            state_class: end.state.to_ascii_lowercase(),
            message: end.message,
            amount: p.amount(),
            description: p.description(),
            created: timestamp(p.created_at()),
            open: p.is_open(),
            reference,
            history,
            deliveries,
            requests,
            order,
        },
    ))
}

/// `POST /console/payments/{token}/approve`: the default test payer (or the
/// prefilled phone) approves, as on the payer pages.
pub(super) async fn approve(State(st): State<AppState>, Path(token): Path<String>) -> Page {
    let p = find(&st, &token).await?;
    let phone = match p.prefilled_phone() {
        n if n.len() == 8 => format!("47{n}"),
        n if !n.is_empty() => n,
        _ => DEFAULT_PHONE.to_owned(),
    };
    if let Approval::Failed(e) = p.approve(&st, &phone, None).await {
        return Err(e);
    }
    back(&format!("/console/payments/{token}"))
}

/// `POST /console/payments/{token}/expire`: ends an open payment as its
/// payer window running out would (end state, events, callbacks).
pub(super) async fn expire(State(st): State<AppState>, Path(token): Path<String>) -> Page {
    let p = find(&st, &token).await?;
    if !p.is_open() {
        return Err(ErrorPage::bad_request("This payment has already ended"));
    }
    p.expire_now(&st).await?;
    back(&format!("/console/payments/{token}"))
}

/// `POST /console/payments/{token}/reject`: the payer rejects.
pub(super) async fn reject(State(st): State<AppState>, Path(token): Path<String>) -> Page {
    let p = find(&st, &token).await?;
    p.reject(&st).await?;
    back(&format!("/console/payments/{token}"))
}

/// How often the live view of a payment looks for a change.
const LIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// How long one live view lasts; the browser reconnects after.
const LIVE_FOR: u32 = 600;

/// What the payment page shows that can change: its state and message.
async fn shown_state(st: &AppState, token: &str) -> Option<String> {
    let p = find(st, token).await.ok()?;
    let end = p.outcome();
    Some(format!("{}|{}", end.state, end.message))
}

/// `GET /console/payments/{token}/live`: server-sent events for the
/// payment's page: `changed` once its state is no longer the one it had
/// when the page connected (the page then reloads itself).
pub(super) async fn live(
    State(st): State<AppState>,
    Path(token): Path<String>,
) -> Result<
    axum::response::sse::Sse<
        impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
    ErrorPage,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let first = shown_state(&st, &token).await.ok_or_else(|| {
        ErrorPage::new(
            StatusCode::NOT_FOUND,
            "No such payment".into(),
            String::new(),
        )
    })?;
    let stream = futures::stream::unfold(0u32, move |tick| {
        let st = st.clone();
        let token = token.clone();
        let first = first.clone();
        async move {
            if tick >= LIVE_FOR {
                return None;
            }
            tokio::time::sleep(LIVE_EVERY).await;
            let now = shown_state(&st, &token).await;
            if now.as_deref() != Some(first.as_str()) {
                // Said once; the page reloads and opens a new stream.
                return Some((
                    Ok(Event::default().event("changed").data("reload")),
                    LIVE_FOR,
                ));
            }
            Some((Ok(Event::default().comment("unchanged")), tick + 1))
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
