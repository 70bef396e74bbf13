//! The Checkout API checklist, whose payment operations are the ePayment
//! API's (<https://developer.vippsmobilepay.com/docs/APIs/checkout-api/checkout-api-checklist/>).

use serde_json::Value;

use super::{
    common::{self, EVIDENCE_SHOWN},
    some_of, Delivery, EpaymentRecord, Evidence, Item, Judgement, Traffic,
};
use crate::epayment::{EventName, State};

const APIS: &[&str] = &["/checkout/", "/epayment/", "/accesstoken/"];

pub static ITEMS: &[Item] = &[
    Item {
        id: "checkout-initiate",
        title: "Initiate POST:/checkout/v3/session",
        judge: |t| {
            common::endpoint(t, "POST", "/checkout/v3/session", "create a Checkout session")
        },
    },
    Item {
        id: "checkout-details",
        title: "Details GET:/checkout/v3/session/{reference}",
        judge: |t| {
            common::endpoint(
                t,
                "GET",
                "/checkout/v3/session/*",
                "read a session with its reference",
            )
        },
    },
    Item {
        id: "checkout-callback",
        title: "Callback POST:[callbackPrefix]/checkout/{version}/order/{orderId}",
        judge: |t| {
            common::callbacks_answered(t, &["checkout_callback"], session_outcome, "Checkout callback")
        },
    },
    Item {
        id: "epayment-get",
        title: "Get payment details GET:/epayment/v1/{reference}",
        judge: |t| {
            common::endpoint(
                t,
                "GET",
                "/epayment/v1/payments/*",
                "read a payment with GET /epayment/v1/payments/{reference}",
            )
        },
    },
    Item {
        id: "epayment-cancel",
        title: "Cancel payment POST:/epayment/v1/{reference}cancel",
        judge: |t| {
            common::endpoint(
                t,
                "POST",
                "/epayment/v1/payments/*/cancel",
                "cancel an authorized payment",
            )
        },
    },
    Item {
        id: "epayment-capture",
        title: "Full and partial capture payment POST:/epayment/v1/{reference}/capture",
        judge: |t| full_and_partial(t, EventName::Captured),
    },
    Item {
        id: "epayment-refund",
        title: "Full and partial refund payment POST:/epayment/v1/{reference}refund",
        judge: |t| full_and_partial(t, EventName::Refunded),
    },
    Item {
        id: "handle-callbacks",
        title: "Handle callbacks: correctly handle callbacks from Vipps MobilePay, both for successful and unsuccessful payments",
        judge: |t| {
            common::callbacks_answered(
                t,
                &["checkout_callback", "webhook"],
                any_outcome,
                "callback or webhook",
            )
        },
    },
    Item {
        id: "handle-errors",
        title: "Handle errors: make sure to log and handle all errors",
        judge: |t| common::handles_errors(t, APIS),
    },
    Item {
        id: "http-headers",
        title: "Include HTTP headers: send the HTTP headers in all API requests",
        judge: |t| common::system_headers(t, APIS),
    },
    Item {
        id: "payment-history",
        title: "Add information to the payment history (Order Management API receipts and/or images)",
        judge: payment_history,
    },
    Item {
        id: "useful-reference",
        title: "Send a useful reference",
        judge: |t| {
            let refs: Vec<&str> = t
                .epayments
                .iter()
                .map(|p| p.payment.reference.as_str())
                .collect();
            Judgement::manual(if refs.is_empty() {
                "Whether a reference is useful is for you to judge; none sent yet.".to_owned()
            } else {
                format!(
                    "Whether a reference is useful (unique, recognisable, e.g. shop-order-1234) is for you to judge; sent: {}.",
                    some_of(refs)
                )
            })
        },
    },
    Item {
        id: "poll-details",
        title: "Poll for payment details: do not rely on returnUrl or callback alone",
        judge: |t| {
            common::polls(
                t,
                &[("/epayment/v1/payments/*", 3), ("/checkout/v3/session/*", 3)],
                &decided(t),
                "GET /epayment/v1/payments/{reference} or GET /checkout/v3/session/{reference}",
            )
        },
    },
    Item {
        id: "handle-redirects",
        title: "Handle redirects: the returnUrl is opened in the default browser on the phone",
        judge: |_| Judgement::manual("How your returnUrl page behaves in another browser is for you to check."),
    },
    Item {
        id: "design-guidelines",
        title: "Follow design guidelines",
        judge: |_| Judgement::manual("Branding cannot be judged from API traffic."),
    },
    Item {
        id: "customer-support",
        title: "Educate customer support",
        judge: |_| Judgement::manual("What your customer service can see is for you to check."),
    },
    Item {
        id: "test-ids",
        title: "Test IDs (reference) with orders ending in AUTHORIZED, CAPTURED, REFUNDED and CANCELLED",
        judge: end_states,
    },
];

/// A session callback: PaymentSuccessful is a success, PaymentTerminated not.
fn session_outcome(d: &Delivery) -> Option<bool> {
    let body: Value = serde_json::from_str(&d.body).ok()?;
    match body["sessionState"].as_str()? {
        "PaymentSuccessful" => Some(true),
        "PaymentTerminated" | "SessionExpired" => Some(false),
        _ => None,
    }
}

/// A webhook's payment event: authorization and later money movement are
/// successes; abort, expiry, cancel and termination are not.
fn webhook_outcome(d: &Delivery) -> Option<bool> {
    let body: Value = serde_json::from_str(&d.body).ok()?;
    match body["name"].as_str()? {
        "AUTHORIZED" | "CAPTURED" | "REFUNDED" => Some(true),
        "ABORTED" | "EXPIRED" | "CANCELLED" | "TERMINATED" => Some(false),
        _ => None,
    }
}

fn any_outcome(d: &Delivery) -> Option<bool> {
    if d.kind == "webhook" {
        webhook_outcome(d)
    } else {
        session_outcome(d)
    }
}

/// The payments a payer acted on (approved or rejected), with when they
/// were created: those the merchant must have read itself.
fn decided(t: &Traffic) -> Vec<(String, crate::Millis)> {
    t.epayments
        .iter()
        .filter(|p| {
            p.events
                .iter()
                .any(|e| e.success && matches!(e.name, EventName::Authorized | EventName::Aborted))
        })
        .map(|p| (p.payment.reference.clone(), p.payment.created_at))
        .collect()
}

fn successful(p: &EpaymentRecord, name: EventName) -> impl Iterator<Item = i64> + '_ {
    p.events
        .iter()
        .filter(move |e| e.success && e.name == name)
        .map(|e| e.amount.value)
}

/// A full operation moves the whole of what it applies to at once (all
/// authorized for a capture, all captured for a refund); a partial one less.
fn full_and_partial(t: &Traffic, name: EventName) -> Judgement {
    let (verb, of) = match name {
        EventName::Captured => ("capture", "authorized"),
        _ => ("refund", "captured"),
    };
    let whole = |p: &EpaymentRecord| match name {
        EventName::Captured => p.payment.authorized,
        _ => p.payment.captured,
    };
    let full = t
        .epayments
        .iter()
        .find(|p| successful(p, name).any(|a| a == whole(p)));
    let partial = t
        .epayments
        .iter()
        .find(|p| successful(p, name).any(|a| a < whole(p)));
    let ev = |p: &EpaymentRecord| Evidence::order(&p.payment.reference, p.payment.created_at);
    match (full, partial) {
        (Some(f), Some(p)) => Judgement::passed(
            format!(
                "Full {verb} on {} and partial {verb} on {}.",
                f.payment.reference, p.payment.reference
            ),
            vec![ev(f), ev(p)],
        ),
        (None, Some(_)) => Judgement::not_yet(format!(
            "No full {verb} yet: {verb} the whole {of} amount of a payment in one call."
        )),
        (Some(_), None) => Judgement::not_yet(format!(
            "No partial {verb} yet: {verb} less than the {of} amount of a payment."
        )),
        (None, None) => Judgement::not_yet(format!(
            "No {verb} yet: make one full and one partial {verb}."
        )),
    }
}

/// The state a payment ended in, in the checklist's words.
fn ending(p: &EpaymentRecord) -> Option<&'static str> {
    let pay = &p.payment;
    if pay.refunded > 0 {
        Some("REFUNDED")
    } else if pay.captured > 0 {
        Some("CAPTURED")
    } else if pay.authorized > 0 && (pay.cancelled > 0 || pay.state == State::Terminated) {
        // Cancelled after authorization: a payment stopped before it was
        // authorized is not a complete order.
        Some("CANCELLED")
    } else if pay.state == State::Authorized {
        Some("AUTHORIZED")
    } else {
        None
    }
}

fn end_states(t: &Traffic) -> Judgement {
    let wanted = ["AUTHORIZED", "CAPTURED", "REFUNDED", "CANCELLED"];
    let found: Vec<(&str, Option<&EpaymentRecord>)> = wanted
        .iter()
        .map(|w| (*w, t.epayments.iter().find(|p| ending(p) == Some(*w))))
        .collect();
    let missing: Vec<&str> = found
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(w, _)| *w)
        .collect();
    let evidence: Vec<Evidence> = found
        .iter()
        .filter_map(|(_, p)| *p)
        .take(EVIDENCE_SHOWN)
        .map(|p| Evidence::order(&p.payment.reference, p.payment.created_at))
        .collect();
    if missing.is_empty() {
        let names = found
            .iter()
            .filter_map(|(w, p)| p.map(|p| format!("{w}: {}", p.payment.reference)))
            .collect::<Vec<_>>()
            .join(", ");
        Judgement::passed(format!("Orders ending in each state: {names}."), evidence)
    } else {
        Judgement::not_yet(format!(
            "No order ends in {} yet: leave one payment authorized, capture one, refund one and cancel one.",
            missing.join(", ")
        ))
    }
}

/// Recommended (mandatory only with Content monitoring): a receipt,
/// category or image added through the Order Management API.
fn payment_history(t: &Traffic) -> Judgement {
    let added: Vec<Evidence> = t
        .calls
        .iter()
        .filter(|c| c.ok() && c.path.starts_with("/order-management/") && c.method != "GET")
        .take(EVIDENCE_SHOWN)
        .map(Evidence::request)
        .collect();
    if added.is_empty() {
        Judgement::manual(
            "Recommended, not required (mandatory with Content monitoring): no receipt, category or image has been added with the Order Management API yet.",
        )
    } else {
        Judgement::passed(
            "Order information was added with the Order Management API.",
            added,
        )
    }
}
