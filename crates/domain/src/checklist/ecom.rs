//! The eCom API checklist, express checkout included
//! (<https://developer.vippsmobilepay.com/docs/APIs/ecom-api/vipps-ecom-api-checklist/>).

use serde_json::Value;

use super::{
    common::{self, EVIDENCE_SHOWN},
    Call, Delivery, Evidence, Item, Judgement, Traffic,
};
use crate::ecom::{Operation, Payment};

const APIS: &[&str] = &["/ecomm/", "/accesstoken/"];

pub static ITEMS: &[Item] = &[
    Item {
        id: "initiate",
        title: "Initiate payment POST:/ecomm/v2/payments",
        judge: |t| common::endpoint(t, "POST", "/ecomm/v2/payments", "initiate a payment"),
    },
    Item {
        id: "capture",
        title: "Capture payment POST:/ecomm/v2/payments/{orderId}/capture",
        judge: |t| full_and_partial(t, Operation::Capture),
    },
    Item {
        id: "cancel",
        title: "Cancel payment PUT:/ecomm/v2/payments/{orderId}/cancel",
        judge: |t| {
            common::endpoint(
                t,
                "PUT",
                "/ecomm/v2/payments/*/cancel",
                "cancel a reserved payment",
            )
        },
    },
    Item {
        id: "refund",
        title: "Refund payment POST:/ecomm/v2/payments/{orderId}/refund",
        judge: |t| full_and_partial(t, Operation::Refund),
    },
    Item {
        id: "details",
        title: "Get payment details GET:/ecomm/v2/payments/{orderId}/details",
        judge: |t| {
            common::endpoint(
                t,
                "GET",
                "/ecomm/v2/payments/*/details",
                "read a payment's details",
            )
        },
    },
    Item {
        id: "callback",
        title: "The merchant correctly handles callbacks, both for successful and unsuccessful payments: POST:[callbackPrefix]/v2/payments/{orderId}",
        judge: |t| common::callbacks_answered(t, &["ecom_callback"], callback_outcome, "callback"),
    },
    Item {
        id: "shipping-details",
        title: "For express checkout only: Shipping details POST:[shippingDetailsPrefix]/v2/payments/{orderId}/shippingDetails",
        judge: |t| merchant_endpoint(t, "ecom_shipping_details", "shipping details call", "open an express payment (static shipping options skip this call)"),
    },
    Item {
        id: "remove-consent",
        title: "For express checkout only: Remove consent DELETE:[consetRemovalPrefix]/v2/consents/{userId}",
        judge: |t| merchant_endpoint(t, "ecom_consent_removal", "consent removal call", "remove a payer's consent (console, or POST /sandbox/v1/merchants/{msn}/ecom/{orderId}/remove-consent)"),
    },
    Item {
        id: "partial-request-id",
        title: "Partial capture and refund sent with X-Request-Id",
        judge: partial_request_ids,
    },
    Item {
        id: "not-rely-on-callback",
        title: "The Merchant must not rely on fallback or callback alone",
        judge: |t| {
            common::polls(
                t,
                &[("/ecomm/v2/payments/*/details", 3)],
                &decided(t),
                "GET /ecomm/v2/payments/{orderId}/details",
            )
        },
    },
    Item {
        id: "handle-errors",
        title: "Handle errors: log and handle all errors",
        judge: |t| common::handles_errors(t, APIS),
    },
    Item {
        id: "http-headers",
        title: "Include HTTP headers: send the Vipps-System-* headers in all API requests",
        judge: |t| common::system_headers(t, APIS),
    },
    Item {
        id: "design-guidelines",
        title: "The Vipps branding must be according to the Vipps design guidelines",
        judge: |_| Judgement::manual("Branding cannot be judged from API traffic."),
    },
    Item {
        id: "test-ids",
        title: "Test IDs (orderId) showing all checklist items: an order ending in REFUND and one ending in VOID",
        judge: end_states,
    },
];

/// A callback's `transactionInfo.status`: a reservation or sale is a
/// success, a cancel, timeout or failed reservation is not.
fn callback_outcome(d: &Delivery) -> Option<bool> {
    let body: Value = serde_json::from_str(&d.body).ok()?;
    match body["transactionInfo"]["status"].as_str()? {
        "RESERVED" | "RESERVE" | "SALE" => Some(true),
        "CANCELLED" | "REJECTED" | "RESERVE_FAILED" | "SALE_FAILED" => Some(false),
        _ => None,
    }
}

/// The orders a payer acted on: approved (reserve or sale) or rejected,
/// as logged without the merchant's X-Request-Id.
fn decided(t: &Traffic) -> Vec<(String, crate::Millis)> {
    t.ecom
        .iter()
        .filter(|p| {
            p.log.iter().any(|e| {
                e.request_id.is_empty()
                    && matches!(
                        e.operation,
                        Operation::Reserve | Operation::Sale | Operation::Cancel
                    )
            })
        })
        .map(|p| (p.order_id.clone(), p.created_at))
        .collect()
}

/// A call the sandbox made to the merchant's own endpoint, answered 2xx.
fn merchant_endpoint(t: &Traffic, kind: &str, what: &str, how: &str) -> Judgement {
    let calls: Vec<&Delivery> = t.deliveries.iter().filter(|d| d.kind == kind).collect();
    let bad: Vec<&&Delivery> = calls
        .iter()
        .filter(|d| !d.attempts.is_empty() && !d.answered_ok())
        .collect();
    if let Some(first) = bad.first() {
        let a = first.attempts.last().expect("has attempts");
        let answer = match (a.status, &a.error_kind) {
            (0, Some(k)) => format!("failed ({k})"),
            (s, _) => format!("answered {s}"),
        };
        return Judgement::failed(
            format!(
                "The {what} to {} {answer} at {} ({} of {}).",
                common::strip_userinfo(&first.url),
                crate::time_fmt::rfc3339(a.at),
                bad.len(),
                calls.len()
            ),
            bad.iter()
                .take(EVIDENCE_SHOWN)
                .map(|d| Evidence::delivery(d))
                .collect(),
        );
    }
    match calls.iter().find(|d| d.answered_ok()) {
        Some(_) => Judgement::passed(
            format!("{} {what}(s) answered 2xx.", calls.len()),
            calls
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|d| Evidence::delivery(d))
                .collect(),
        ),
        None => Judgement::not_yet(format!("No {what} has been answered yet: {how}.")),
    }
}

/// A capture or refund of less than all that was left.
fn is_partial(p: &Payment, op: Operation, amount: i64) -> bool {
    match op {
        Operation::Capture => amount < p.reserved,
        _ => amount < p.captured,
    }
}

fn full_and_partial(t: &Traffic, op: Operation) -> Judgement {
    let verb = op.as_str().to_ascii_lowercase();
    let done = |partial: bool| {
        t.ecom.iter().find(|p| {
            p.log
                .iter()
                .any(|e| e.success && e.operation == op && is_partial(p, op, e.amount) == partial)
        })
    };
    let ev = |p: &Payment| Evidence::order(&p.order_id, p.created_at);
    match (done(false), done(true)) {
        (Some(f), Some(p)) => Judgement::passed(
            format!(
                "Full {verb} on {} and partial {verb} on {}.",
                f.order_id, p.order_id
            ),
            vec![ev(f), ev(p)],
        ),
        (None, Some(_)) => Judgement::not_yet(format!(
            "No full {verb} yet: {verb} all of a payment in one call."
        )),
        (Some(_), None) => Judgement::not_yet(format!(
            "No partial {verb} yet: {verb} part of a payment (with an X-Request-Id)."
        )),
        (None, None) => Judgement::not_yet(format!(
            "No {verb} yet: make one full and one partial {verb}."
        )),
    }
}

/// Partial operations need an X-Request-Id (the idempotency key of eCom):
/// a partial capture or refund logged without one is a failure.
fn partial_request_ids(t: &Traffic) -> Judgement {
    let partial_calls: Vec<&Call> = t
        .calls
        .iter()
        .filter(|c| {
            c.method == "POST"
                && (c.is("POST", "/ecomm/v2/payments/*/capture")
                    || c.is("POST", "/ecomm/v2/payments/*/refund"))
        })
        .filter(|c| is_partial_call(t, c))
        .collect();
    let without: Vec<&&Call> = partial_calls
        .iter()
        .filter(|c| c.request_id.as_deref().unwrap_or("").is_empty())
        .collect();
    if let Some(first) = without.first() {
        let op = first.segment(4).unwrap_or("capture");
        return Judgement::failed(
            format!(
                "Partial {op} sent without X-Request-Id at {} ({} of {} partial calls).",
                crate::time_fmt::rfc3339(first.at),
                without.len(),
                partial_calls.len()
            ),
            without
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|c| Evidence::request(c))
                .collect(),
        );
    }
    if partial_calls.is_empty() {
        return Judgement::not_yet("No partial capture or refund yet.");
    }
    Judgement::passed(
        format!(
            "All {} partial captures and refunds carried an X-Request-Id.",
            partial_calls.len()
        ),
        partial_calls
            .iter()
            .take(EVIDENCE_SHOWN)
            .map(|c| Evidence::request(c))
            .collect(),
    )
}

/// Whether a capture/refund call was for part of its payment: its
/// X-Request-Id names the log entry it made; one without an id is judged
/// by the id-less log entry of that operation it made. The sandbox refuses
/// a partial capture or refund without an id with 400 before logging it on
/// the payment, so such a call that left no entry was one.
fn is_partial_call(t: &Traffic, c: &Call) -> bool {
    let (Some(order_id), Some(op)) = (c.segment(3), c.segment(4)) else {
        return false;
    };
    let op = if op == "capture" {
        Operation::Capture
    } else {
        Operation::Refund
    };
    let Some(p) = t.ecom.iter().find(|p| p.order_id == order_id) else {
        return false;
    };
    let mut entries = p.log.iter().filter(|e| e.operation == op);
    match c.request_id.as_deref().filter(|r| !r.is_empty()) {
        Some(rid) => entries
            .rfind(|e| e.request_id == rid)
            .is_some_and(|e| is_partial(p, op, e.amount)),
        None => {
            // Entries with an id were made by other calls; the one this
            // call made was logged before the next call on the same path.
            let next = t
                .calls
                .iter()
                .filter(|n| n.at > c.at && n.method == c.method && n.path == c.path)
                .map(|n| n.at)
                .min();
            let made = entries
                .filter(|e| e.request_id.is_empty() && e.timestamp >= c.at)
                .filter(|e| next.is_none_or(|n| e.timestamp < n))
                .min_by_key(|e| e.timestamp);
            match made {
                Some(e) => is_partial(p, op, e.amount),
                None => c.status == 400,
            }
        }
    }
}

/// The state an order ended in, as its last operation names it.
fn last_operation(p: &Payment) -> Option<Operation> {
    p.log.iter().rev().find(|e| e.success).map(|e| e.operation)
}

fn end_states(t: &Traffic) -> Judgement {
    let find = |op: Operation| t.ecom.iter().find(|p| last_operation(p) == Some(op));
    match (find(Operation::Refund), find(Operation::Void)) {
        (Some(r), Some(v)) => Judgement::passed(
            format!("{} ends in REFUND and {} in VOID.", r.order_id, v.order_id),
            vec![
                Evidence::order(&r.order_id, r.created_at),
                Evidence::order(&v.order_id, v.created_at),
            ],
        ),
        (None, _) => Judgement::not_yet("No order ends in REFUND yet: capture one and refund it."),
        (_, None) => Judgement::not_yet("No order ends in VOID yet: cancel a reserved payment."),
    }
}
