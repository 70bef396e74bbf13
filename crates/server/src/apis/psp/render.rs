//! Domain → the PSP API's bodies, and the makePayment request Vipps sends.

use vipps_domain::{
    psp::{NetworkToken, Payment, PaymentState},
    time_fmt::rfc3339,
};
use vipps_wire::psp as wire;

pub fn details(p: &Payment) -> wire::PaymentDetailsRepresentation {
    wire::PaymentDetailsRepresentation {
        psp_transaction_id: p.psp_transaction_id.clone(),
        merchant_order_id: p.merchant_order_id.clone(),
        transaction_summary: p.summary().map(|s| wire::TransactionSummary {
            captured_amount: s.captured,
            remaining_amount_to_capture: s.remaining_to_capture,
            refunded_amount: s.refunded,
            remaining_amount_to_refund: s.remaining_to_refund,
        }),
        // Newest first, as eCom's log.
        transaction_log_history: p
            .log
            .iter()
            .rev()
            .map(|e| wire::PaymentTransactionDetails {
                amount: e.amount,
                payment_text: e.payment_text.clone(),
                time_stamp: rfc3339(e.timestamp),
                operation: e.operation.as_str().into(),
                operation_success: e.success,
            })
            .collect(),
    }
}

fn network_token(t: &NetworkToken) -> wire::NetworkToken {
    wire::NetworkToken {
        number: t.number.clone(),
        cryptogram: t.cryptogram.clone(),
        expiry_month: t.expiry_month.clone(),
        expiry_year: t.expiry_year.clone(),
        token_type: t.token_type.clone(),
        eci: t.eci.clone(),
    }
}

/// The 3-D Secure operations the PSP's page ends with: each sends the
/// payer back to the sandbox's payer pages.
fn operations(public_url: &str, p: &Payment) -> Vec<wire::Operation3DSecure> {
    ["3dssuccess", "3dscancel", "3dsfailure"]
        .into_iter()
        .map(|op| wire::Operation3DSecure {
            operation: op.into(),
            url: format!("{public_url}/app/3ds?token={}&operation={op}", p.token),
        })
        .collect()
}

/// The body of a makePayment call. An accepted payment carries the card's
/// network token; a cancelled or timed-out one carries none.
pub fn make_payment(public_url: &str, p: &Payment, state: PaymentState) -> String {
    let card = p.card.as_ref().filter(|_| state == PaymentState::Accepted);
    let body = wire::MakePaymentRequest {
        psp_transaction_id: p.psp_transaction_id.clone(),
        merchant_serial_number: p.msn.clone(),
        payment_state: state.as_str().into(),
        bin_number: card.map(|c| c.bin().to_owned()),
        operations: if card.is_some() {
            operations(public_url, p)
        } else {
            Vec::new()
        },
        payment_instrument: "TOKEN".into(),
        network_token: card.map(network_token),
    };
    serde_json::to_string(&body).expect("serialises")
}
