//! The checklist verifier's page (`/console/checklist`): a merchant's
//! report for the four official checklists, and its Markdown to send.

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use vipps_domain::{
    checklist::{render as report_text, Checklist, EvidenceKind, Report, Verdict},
    Msn,
};

use super::{render, ErrorPage};
use crate::AppState;

#[derive(Deserialize, Default)]
pub(super) struct Params {
    msn: Option<String>,
    checklist: Option<String>,
}

impl Params {
    /// The merchant chosen (or the first one) and the checklist, if one.
    async fn read(
        self,
        st: &AppState,
    ) -> Result<(Vec<(String, String)>, Option<String>, Option<Checklist>), ErrorPage> {
        let merchants: Vec<(String, String)> = st
            .db
            .list_merchants()
            .await?
            .into_iter()
            .map(|m| (m.msn, m.name))
            .collect();
        let msn = match self.msn.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) if Msn::parse(m).is_none() => {
                return Err(ErrorPage::bad_request("The MSN must be 5 or 6 digits"))
            }
            Some(m) if !merchants.iter().any(|(msn, _)| msn == m) => {
                return Err(ErrorPage::new(
                    StatusCode::NOT_FOUND,
                    "No such merchant".into(),
                    format!("No merchant has MSN {m}."),
                ))
            }
            Some(m) => Some(m.to_owned()),
            None => merchants.first().map(|(msn, _)| msn.clone()),
        };
        let checklist = match self.checklist.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(
                Checklist::parse(c).ok_or_else(|| ErrorPage::bad_request("No such checklist"))?,
            ),
        };
        Ok((merchants, msn, checklist))
    }
}

struct EvidenceView {
    kind: &'static str,
    id: String,
    at: String,
}

struct ItemView {
    title: &'static str,
    verdict: &'static str,
    verdict_label: &'static str,
    reason: String,
    evidence: Vec<EvidenceView>,
}

struct ReportView {
    name: &'static str,
    title: &'static str,
    passed: usize,
    open: usize,
    items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "console_checklist.html")]
struct ChecklistPage {
    merchants: Vec<(String, String)>,
    msn: String,
    checklist: String,
    reports: Vec<ReportView>,
}

fn view(r: Report) -> ReportView {
    let count = |f: fn(Verdict) -> bool| r.items.iter().filter(|i| f(i.verdict)).count();
    ReportView {
        name: r.checklist.as_str(),
        title: r.checklist.title(),
        passed: count(|v| v == Verdict::Passed),
        open: count(|v| matches!(v, Verdict::Failed | Verdict::NotYet)),
        items: r
            .items
            .into_iter()
            .map(|i| ItemView {
                title: i.title,
                verdict: i.verdict.as_str(),
                verdict_label: match i.verdict {
                    Verdict::Passed => "Passed",
                    Verdict::NotYet => "Not yet",
                    Verdict::Failed => "Failed",
                    Verdict::Manual => "Manual",
                },
                reason: i.reason,
                evidence: i
                    .evidence
                    .into_iter()
                    .map(|e| EvidenceView {
                        kind: match e.kind {
                            EvidenceKind::Order => "order",
                            EvidenceKind::Request => "request",
                            EvidenceKind::Delivery => "delivery",
                        },
                        id: e.id,
                        at: e.at,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `GET /console/checklist?msn=&checklist=`.
pub(super) async fn page(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ErrorPage> {
    let q = q
        .map(|q| q.0)
        .map_err(|_| ErrorPage::bad_request("The choice could not be read"))?;
    let (merchants, msn, checklist) = q.read(&st).await?;
    let reports = match &msn {
        Some(msn) => st.db.checklist_reports(msn, checklist).await?,
        None => Vec::new(),
    };
    Ok(render(
        StatusCode::OK,
        &ChecklistPage {
            merchants,
            msn: msn.unwrap_or_default(),
            checklist: checklist.map(|c| c.as_str().to_owned()).unwrap_or_default(),
            reports: reports.into_iter().map(view).collect(),
        },
    ))
}

/// `GET /console/checklist.md?msn=&checklist=`: the Markdown to send.
pub(super) async fn markdown(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ErrorPage> {
    let q = q
        .map(|q| q.0)
        .map_err(|_| ErrorPage::bad_request("The choice could not be read"))?;
    let (_, msn, checklist) = q.read(&st).await?;
    let msn = msn.ok_or_else(|| ErrorPage::bad_request("No merchant yet"))?;
    let reports = st.db.checklist_reports(&msn, checklist).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        report_text::markdown(&reports),
    )
        .into_response())
}
