//! The PSP API checklist
//! (<https://developer.vippsmobilepay.com/docs/APIs/psp-api/vipps-psp-api-checklist/>),
//! judged for the PSP payments of one merchant.

use super::{
    common::{self, EVIDENCE_SHOWN},
    Evidence, Item, Judgement, Traffic,
};
use crate::psp::{Payment, Phase, UpdateOp};

const APIS: &[&str] = &["/psp/", "/accesstoken/"];

/// The makePayment error codes a PSP answers with (errorId), 1036 (soft
/// decline) being judged by its own item.
pub const ERROR_CODES: &[&str] = &[
    "71", "72", "81", "82", "83", "84", "85", "86", "87", "88", "89", "91", "93", "94",
];

pub static ITEMS: &[Item] = &[
    Item {
        id: "init",
        title: "Initiate a PSP payment POST:/psp/v3/psppayments/init",
        judge: |t| {
            common::endpoint(
                t,
                "POST",
                "/psp/v3/psppayments/init",
                "initiate a PSP payment",
            )
        },
    },
    Item {
        id: "updatestatus",
        title: "Update the status of the PSP transaction POST:/psp/v3/psppayments/updatestatus",
        judge: |t| {
            common::endpoint(
                t,
                "POST",
                "/psp/v3/psppayments/updatestatus",
                "report a capture, refund or cancel",
            )
        },
    },
    Item {
        id: "details",
        title:
            "Get the details of the PSP payment GET:/psp/v3/psppayments/{pspTransactionId}/details",
        judge: |t| {
            common::endpoint(
                t,
                "GET",
                "/psp/v3/psppayments/*/details",
                "read a payment's details",
            )
        },
    },
    Item {
        id: "emvco-tokens",
        title: "On the merchant side, be able to process EMVCo tokens POST:makePaymentUrl",
        judge: emvco_tokens,
    },
    Item {
        id: "error-codes",
        title: "Respond with correct error information POST:makePaymentUrl",
        judge: error_codes,
    },
    Item {
        id: "soft-decline",
        title: "Support soft decline step-ups (3-D Secure)",
        judge: soft_decline,
    },
    Item {
        id: "do-not-rely-on-makepayment",
        title: "Do not rely on makePaymentUrl alone: read the payment's details",
        judge: |t| {
            common::polls(
                t,
                &[("/psp/v3/psppayments/*/details", 3)],
                &decided(t),
                "GET /psp/v3/psppayments/{pspTransactionId}/details",
            )
        },
    },
    Item {
        id: "reserve-capture-refund",
        title: "Provide reserve, capture, and refund information to Vipps MobilePay",
        judge: reserve_capture_refund,
    },
    Item {
        id: "cancel-reported",
        title:
            "A complete order including Cancel, updated with POST:/psp/v3/psppayments/updatestatus",
        judge: cancel_reported,
    },
    Item {
        id: "http-headers",
        title: "Send the Vipps-System-* HTTP headers in all API requests",
        judge: |t| common::system_headers(t, APIS),
    },
    Item {
        id: "handle-errors",
        title: "Handle errors from the PSP API",
        judge: |t| common::handles_errors(t, APIS),
    },
    Item {
        id: "design-guidelines",
        title: "Follow design guidelines",
        judge: |_| Judgement::manual("Branding cannot be judged from API traffic."),
    },
];

fn ev(p: &Payment) -> Evidence {
    Evidence::order(&p.psp_transaction_id, p.created_at)
}

/// The payments whose makePayment the PSP answered (the payer acted).
fn decided(t: &Traffic) -> Vec<(String, crate::Millis)> {
    t.psp
        .iter()
        .filter(|p| !p.answers.is_empty())
        .map(|p| (p.psp_transaction_id.clone(), p.created_at))
        .collect()
}

fn emvco_tokens(t: &Traffic) -> Judgement {
    let ok: Vec<&Payment> = t
        .psp
        .iter()
        .filter(|p| p.answers.iter().any(|a| a.status == "OK"))
        .collect();
    if ok.is_empty() {
        return Judgement::not_yet(
            "No makePayment call has been answered OK yet: approve a PSP payment as the payer and reserve it.",
        );
    }
    Judgement::passed(
        format!(
            "{} payment(s) reserved by an OK answer to makePayment.",
            ok.len()
        ),
        ok.iter().take(EVIDENCE_SHOWN).map(|p| ev(p)).collect(),
    )
}

/// Where the PSP answered FAIL with `code`: a makePayment call the payer
/// waited for (kept on the payment), or one sent through the outbox after
/// the payer rejected or timed out (kept on its delivery).
fn answered_with(t: &Traffic, code: &str) -> Option<Evidence> {
    let waited = t.psp.iter().find(|p| {
        p.answers
            .iter()
            .any(|a| a.status == "FAIL" && a.error_id.as_deref() == Some(code))
    });
    if let Some(p) = waited {
        return Some(ev(p));
    }
    t.deliveries
        .iter()
        .filter(|d| d.kind == "psp_make_payment")
        .find(|d| {
            d.attempts.iter().any(|a| {
                let Some(body) = a.response.as_deref() else {
                    return false;
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
                    return false;
                };
                let id = &v["errorMessage"]["errorId"];
                v["paymentInfo"]["status"] == "FAIL"
                    && (id.as_str() == Some(code)
                        || id.as_i64().map(|n| n.to_string()).as_deref() == Some(code))
            })
        })
        .map(Evidence::delivery)
}

fn error_codes(t: &Traffic) -> Judgement {
    let found: Vec<(&str, Option<Evidence>)> = ERROR_CODES
        .iter()
        .map(|c| (*c, answered_with(t, c)))
        .collect();
    let missing: Vec<&str> = found
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(c, _)| *c)
        .collect();
    if missing.is_empty() {
        return Judgement::passed(
            format!(
                "A FAIL answer for each of the {} error codes.",
                ERROR_CODES.len()
            ),
            found.into_iter().filter_map(|(_, e)| e).collect(),
        );
    }
    Judgement::not_yet(format!(
        "No FAIL answer with errorId {} yet: answer one makePayment call with each (say why when a code does not apply to your system).",
        missing.join(", ")
    ))
}

fn soft_decline(t: &Traffic) -> Judgement {
    let stepped_up = t.psp.iter().find(|p| {
        p.answers.iter().any(|a| a.status == "SOFT_DECLINE") && p.phase == Phase::Reserved
    });
    match stepped_up {
        Some(p) => Judgement::passed(
            format!(
                "{} was soft declined, passed 3-D Secure and was reserved.",
                p.psp_transaction_id
            ),
            vec![ev(p)],
        ),
        None => Judgement::not_yet(
            "No soft decline has been stepped up yet: answer makePayment with SOFT_DECLINE and a url3dSecure, complete 3-D Secure, and answer the repeated call OK.",
        ),
    }
}

fn reported(p: &Payment, op: UpdateOp) -> bool {
    p.log.iter().any(|e| e.success && e.operation == op)
}

fn reserve_capture_refund(t: &Traffic) -> Judgement {
    let done = t.psp.iter().find(|p| {
        reported(p, UpdateOp::Reserved)
            && reported(p, UpdateOp::Captured)
            && reported(p, UpdateOp::Refunded)
    });
    match done {
        Some(p) => Judgement::passed(
            format!(
                "{} (merchantOrderId {}) was reserved, and its capture and refund reported with updatestatus.",
                p.psp_transaction_id, p.merchant_order_id
            ),
            vec![ev(p)],
        ),
        None => Judgement::not_yet(
            "No order has gone reserve → capture → refund yet: report a capture and then a refund of a reserved payment with updatestatus.",
        ),
    }
}

fn cancel_reported(t: &Traffic) -> Judgement {
    match t.psp.iter().find(|p| reported(p, UpdateOp::Cancelled)) {
        Some(p) => Judgement::passed(
            format!(
                "{} (merchantOrderId {}) was cancelled with updatestatus.",
                p.psp_transaction_id, p.merchant_order_id
            ),
            vec![ev(p)],
        ),
        None => Judgement::not_yet(
            "No cancel has been reported yet: report CANCELLED for a reserved payment with updatestatus.",
        ),
    }
}
