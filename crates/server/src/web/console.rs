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
use vipps_domain::Msn;
use vipps_store::deliveries::retry_now;

use super::{pages::timestamp, render, see_other, ErrorPage};
use crate::{kernel::upkeep::upkeep, AppState};

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
    let psps = st
        .db
        .list_psps()
        .await?
        .into_iter()
        .map(|p| PspRow {
            psp_id: p.psp_id,
            name: p.name,
            msns: p.msns.join(", "),
        })
        .collect();
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
    st.clock.advance(minutes * 60_000).await?;
    upkeep(&st).await?;
    st.deliverer.wake();
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
    let rows = st
        .db
        .requests(q.msn()?, LIST_LIMIT)
        .await?
        .into_iter()
        .filter(|r| path.is_empty() || r.path.contains(&path))
        .filter(|r| status.is_empty() || r.status.to_string().starts_with(&status))
        .map(|r| RequestRow {
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
        })
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
        .map(|(d, attempts)| DeliveryRow {
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
        })
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
    let id_like = id.len() <= 100 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if id_like {
        // A row that is gone changes nothing; the list shows what is there.
        let _ = st.commit(retry_now(&id, st.clock.now())).await;
        st.deliverer.wake();
    }
    back("/console/deliveries")
}
