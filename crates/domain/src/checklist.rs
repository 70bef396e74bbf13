//! The checklist verifier: each item of the official integration
//! checklists judged from what the sandbox recorded of one merchant's
//! traffic (its API calls, the callbacks and webhooks sent to it, and the
//! payments they left).
//!
//! A checklist is data: a list of [`Item`]s, each carrying the checklist's
//! own wording and one small function over [`Traffic`]. Adding an item is
//! adding one entry. The official checklists:
//! <https://developer.vippsmobilepay.com/docs/APIs/ecom-api/vipps-ecom-api-checklist/>,
//! <https://developer.vippsmobilepay.com/docs/APIs/checkout-api/checkout-api-checklist/>,
//! <https://developer.vippsmobilepay.com/docs/APIs/psp-api/vipps-psp-api-checklist/>,
//! <https://developer.vippsmobilepay.com/docs/APIs/order-management-api/vipps-order-management-api-checklist/>.

pub mod checkout;
pub mod common;
pub mod ecom;
pub mod order_management;
pub mod psp;
pub mod render;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::{ecom as ecom_model, epayment, psp as psp_model, Millis};

/// One of the four checklists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Checklist {
    #[serde(rename = "ecom")]
    Ecom,
    #[serde(rename = "checkout")]
    Checkout,
    #[serde(rename = "psp")]
    Psp,
    #[serde(rename = "order-management")]
    OrderManagement,
}

impl Checklist {
    pub const ALL: [Checklist; 4] = [
        Checklist::Ecom,
        Checklist::Checkout,
        Checklist::Psp,
        Checklist::OrderManagement,
    ];

    /// The name used on the command line, in JSON and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Checklist::Ecom => "ecom",
            Checklist::Checkout => "checkout",
            Checklist::Psp => "psp",
            Checklist::OrderManagement => "order-management",
        }
    }

    pub fn parse(s: &str) -> Option<Checklist> {
        Checklist::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The checklist's heading, as the official page names it.
    pub fn title(self) -> &'static str {
        match self {
            Checklist::Ecom => "eCom API checklist (incl. express checkout)",
            Checklist::Checkout => "Checkout API checklist (with the ePayment API)",
            Checklist::Psp => "PSP API checklist",
            Checklist::OrderManagement => "Order Management API checklist",
        }
    }

    /// What the official process asks to be sent with the checklist.
    pub fn test_ids_wording(self) -> &'static str {
        match self {
            Checklist::Ecom => "test IDs (`orderId`) in the test environment",
            Checklist::Checkout => "test IDs (`reference`) in the test environment",
            Checklist::Psp => "test IDs (`pspTransactionId`, `merchantOrderId`)",
            Checklist::OrderManagement => "the `reference` used in your API requests",
        }
    }

    pub fn items(self) -> &'static [Item] {
        match self {
            Checklist::Ecom => ecom::ITEMS,
            Checklist::Checkout => checkout::ITEMS,
            Checklist::Psp => psp::ITEMS,
            Checklist::OrderManagement => order_management::ITEMS,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    NotYet,
    Failed,
    Manual,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::NotYet => "not_yet",
            Verdict::Failed => "failed",
            Verdict::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// An order id, reference or pspTransactionId.
    Order,
    /// An id of the request log.
    Request,
    /// An id of a delivery (callback, webhook, merchant call).
    Delivery,
}

/// Something recorded that a verdict rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub id: String,
    /// When it happened, RFC 3339 on the sandbox clock.
    pub at: String,
}

impl Evidence {
    pub fn order(id: &str, at: Millis) -> Evidence {
        Evidence {
            kind: EvidenceKind::Order,
            id: id.to_owned(),
            at: crate::time_fmt::rfc3339(at),
        }
    }

    pub fn request(c: &Call) -> Evidence {
        Evidence {
            kind: EvidenceKind::Request,
            id: c.id.to_string(),
            at: crate::time_fmt::rfc3339(c.at),
        }
    }

    pub fn delivery(d: &Delivery) -> Evidence {
        Evidence {
            kind: EvidenceKind::Delivery,
            id: d.id.clone(),
            at: crate::time_fmt::rfc3339(d.created_at),
        }
    }
}

/// A verdict with its reason (one sentence: what was seen, or what is
/// missing and how to produce it) and what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub verdict: Verdict,
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

impl Judgement {
    pub fn passed(reason: impl Into<String>, evidence: Vec<Evidence>) -> Judgement {
        Judgement {
            verdict: Verdict::Passed,
            reason: reason.into(),
            evidence,
        }
    }

    pub fn not_yet(reason: impl Into<String>) -> Judgement {
        Judgement {
            verdict: Verdict::NotYet,
            reason: reason.into(),
            evidence: Vec::new(),
        }
    }

    pub fn failed(reason: impl Into<String>, evidence: Vec<Evidence>) -> Judgement {
        Judgement {
            verdict: Verdict::Failed,
            reason: reason.into(),
            evidence,
        }
    }

    pub fn manual(reason: impl Into<String>) -> Judgement {
        Judgement {
            verdict: Verdict::Manual,
            reason: reason.into(),
            evidence: Vec::new(),
        }
    }
}

/// One checklist item: its id, the checklist's wording, and its rule.
pub struct Item {
    pub id: &'static str,
    pub title: &'static str,
    pub judge: fn(&Traffic) -> Judgement,
}

/// One item's verdict, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemResult {
    pub id: &'static str,
    pub title: &'static str,
    pub verdict: Verdict,
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

/// A checklist judged for one merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub checklist: Checklist,
    pub msn: String,
    pub items: Vec<ItemResult>,
}

impl Report {
    /// Nothing failed and nothing is missing (manual items aside).
    pub fn is_complete(&self) -> bool {
        self.items
            .iter()
            .all(|i| matches!(i.verdict, Verdict::Passed | Verdict::Manual))
    }
}

/// Judges every item of `checklist` over `traffic`.
pub fn judge(checklist: Checklist, msn: &str, traffic: &Traffic) -> Report {
    Report {
        checklist,
        msn: msn.to_owned(),
        items: checklist
            .items()
            .iter()
            .map(|item| {
                let j = (item.judge)(traffic);
                ItemResult {
                    id: item.id,
                    title: item.title,
                    verdict: j.verdict,
                    reason: j.reason,
                    evidence: j.evidence,
                }
            })
            .collect(),
    }
}

/// One logged API call of the merchant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Call {
    pub id: i64,
    pub at: Millis,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub system_name: bool,
    pub system_version: bool,
    pub plugin_name: bool,
    pub plugin_version: bool,
    pub idempotency_key: Option<String>,
    /// eCom's `X-Request-Id`.
    pub request_id: Option<String>,
    pub body_digest: Option<String>,
    /// The sandbox fault rule that answered the call (not the API itself).
    pub fault: Option<String>,
}

impl Call {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether the call is `method` on a path of `pattern`, where a `*`
    /// segment matches any one segment.
    pub fn is(&self, method: &str, pattern: &str) -> bool {
        self.method == method && path_matches(&self.path, pattern)
    }

    /// The path's `n`-th segment (0 is the first after the leading `/`).
    pub fn segment(&self, n: usize) -> Option<&str> {
        self.path.trim_start_matches('/').split('/').nth(n)
    }
}

/// Whether `path` has the segments of `pattern` (`*` = any one segment).
pub fn path_matches(path: &str, pattern: &str) -> bool {
    let mut path = path.trim_start_matches('/').split('/');
    let mut pattern = pattern.trim_start_matches('/').split('/');
    loop {
        match (path.next(), pattern.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if q == "*" && !p.is_empty() || p == q => {}
            _ => return false,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: Millis,
    /// 0 when no answer came (`error_kind` says why).
    pub status: i64,
    pub error_kind: Option<String>,
    /// The start of the answer's body.
    pub response: Option<String>,
}

/// A callback, webhook or merchant call the sandbox sent to the merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    /// `webhook`, `ecom_callback`, `checkout_callback`, `ecom_shipping_details`, …
    pub kind: String,
    pub url: String,
    pub event_type: String,
    /// The payment it is about (reference, orderId or `<psp>/<id>`), when known.
    pub target_id: Option<String>,
    /// The JSON sent.
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub created_at: Millis,
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    /// Answered 2xx (by its last attempt).
    pub fn answered_ok(&self) -> bool {
        self.attempts
            .last()
            .is_some_and(|a| (200..300).contains(&a.status))
    }

    /// The first attempt that was not answered 2xx, if any.
    pub fn first_bad_attempt(&self) -> Option<&Attempt> {
        self.attempts
            .iter()
            .find(|a| !(200..300).contains(&a.status))
    }
}

/// An ePayment payment (also the payment of a Checkout session) with its
/// event log, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpaymentRecord {
    pub payment: epayment::Payment,
    pub events: Vec<epayment::PaymentEvent>,
}

/// Everything recorded of one merchant, oldest first in each list.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    pub calls: Vec<Call>,
    pub deliveries: Vec<Delivery>,
    /// ePayment payments, the payments of Checkout sessions included.
    pub epayments: Vec<EpaymentRecord>,
    pub ecom: Vec<ecom_model::Payment>,
    pub psp: Vec<psp_model::Payment>,
}

/// "a, b and 3 more": a short list for a reason.
pub fn some_of<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let all: Vec<&str> = items.into_iter().collect();
    let shown = all.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    match all.len() {
        0..=3 => shown,
        n => format!("{shown} and {} more", n - 3),
    }
}
