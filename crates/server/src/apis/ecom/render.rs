//! Bodies of the eCom API built from the domain payment (spec shapes:
//! `TransactionDetails`, `TransactionResponse`, `RefundTransactionResponse`,
//! `PaymentStatus`), and of the callbacks it sends.

use vipps_domain::ecom::{self, LogEntry, Notice, Payment};
use vipps_wire::ecom as wire;

/// What a capture's or refund's `transactionInfo` says.
pub fn info(e: &LogEntry, status: &str) -> wire::TransactionInfo {
    wire::TransactionInfo {
        amount: e.amount,
        status: status.into(),
        time_stamp: ecom::timestamp(e.timestamp),
        transaction_id: e.transaction_id.clone(),
        transaction_text: Some(e.transaction_text.clone()),
    }
}

pub fn summary(p: &Payment, with_bin: bool) -> wire::TransactionSummary {
    wire::TransactionSummary {
        captured_amount: p.captured,
        remaining_amount_to_capture: p.remaining_to_capture(),
        refunded_amount: p.refunded,
        remaining_amount_to_refund: p.remaining_to_refund(),
        bank_identification_number: p
            .card_bin
            .as_deref()
            .filter(|_| with_bin)
            .and_then(|b| b.parse().ok()),
    }
}

fn instrument(p: &Payment) -> Option<String> {
    p.card_bin.as_ref().map(|bin| {
        if bin.starts_with('4') {
            "Visa".into()
        } else {
            "Mastercard".into()
        }
    })
}

fn last(p: &Payment) -> &LogEntry {
    p.log
        .last()
        .expect("a payment always has its INITIATE entry")
}

/// Capture: `transactionInfo.status` "Captured", `amount` = this capture.
pub fn captured(p: &Payment) -> String {
    let body = wire::TransactionResponse {
        order_id: p.order_id.clone(),
        payment_instrument: instrument(p),
        transaction_info: info(last(p), "Captured"),
        transaction_summary: summary(p, false),
    };
    serde_json::to_string(&body).expect("serialises")
}

/// Cancel: status "Cancelled", `amount` = the original amount.
pub fn cancelled(p: &Payment) -> String {
    let mut ti = info(last(p), "Cancelled");
    ti.amount = p.total();
    let body = wire::TransactionResponse {
        order_id: p.order_id.clone(),
        payment_instrument: instrument(p),
        transaction_info: ti,
        transaction_summary: summary(p, false),
    };
    serde_json::to_string(&body).expect("serialises")
}

/// Refund: the key is `transaction`, status "Refund".
pub fn refunded(p: &Payment) -> String {
    let body = wire::RefundResponse {
        order_id: p.order_id.clone(),
        transaction: info(last(p), "Refund"),
        transaction_summary: summary(p, false),
    };
    serde_json::to_string(&body).expect("serialises")
}

pub fn details(p: &Payment) -> wire::DetailsResponse {
    wire::DetailsResponse {
        order_id: p.order_id.clone(),
        shipping_details: p.shipping.as_ref().map(|s| wire::DetailsShipping {
            address: wire::DetailsAddress {
                address_line1: s.address.address_line1.clone(),
                address_line2: s.address.address_line2.clone(),
                city: s.address.city.clone(),
                country: s.address.country.clone(),
                post_code: s.address.post_code.clone(),
            },
            shipping_cost: s.cost_ore as f64 / 100.0,
            shipping_method: s.method.clone(),
            shipping_method_id: s.method_id.clone(),
        }),
        transaction_log_history: p
            .log
            .iter()
            .rev()
            .map(|e| wire::LogEntry {
                amount: e.amount,
                operation: e.operation.as_str().into(),
                operation_success: e.success,
                request_id: e.request_id.clone(),
                time_stamp: ecom::timestamp(e.timestamp),
                transaction_id: e.transaction_id.clone(),
                transaction_text: e.transaction_text.clone(),
            })
            .collect(),
        transaction_summary: p.has_summary().then(|| summary(p, true)),
        user_details: p.user.as_ref().map(wire_user),
        sub: p.sub.clone(),
    }
}

pub fn status(p: &Payment) -> wire::StatusResponse {
    let e = last(p);
    wire::StatusResponse {
        order_id: p.order_id.clone(),
        transaction_info: wire::TransactionInfo {
            amount: p.total(),
            status: p.status_value().into(),
            time_stamp: ecom::timestamp(e.timestamp),
            transaction_id: e.transaction_id.clone(),
            transaction_text: None,
        },
    }
}

fn callback_address(a: &ecom::Address) -> wire::CallbackAddress {
    wire::CallbackAddress {
        address_line1: a.address_line1.clone(),
        address_line2: a.address_line2.clone(),
        city: a.city.clone(),
        country: "Norway".into(),
        zip_code: a.post_code.clone(),
    }
}

pub fn wire_user(u: &ecom::UserDetails) -> wire::UserDetails {
    wire::UserDetails {
        user_id: u.user_id.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        email: u.email.clone(),
        mobile_number: u.mobile_number.clone(),
        bank_id_verified: "Y".into(),
    }
}

/// The callback body of `notice` (the merchant-endpoints spec).
pub fn callback_body(p: &Payment, n: &Notice) -> String {
    let body = wire::Callback {
        merchant_serial_number: p.msn.clone(),
        order_id: p.order_id.clone(),
        shipping_details: p.shipping.as_ref().map(|s| wire::CallbackShipping {
            address: callback_address(&s.address),
            shipping_cost: s.cost_ore as f64 / 100.0,
            shipping_method: s.method.clone(),
            shipping_method_id: s.method_id.clone(),
        }),
        transaction_info: wire::CallbackTransactionInfo {
            amount: n.amount,
            status: n.status.as_str().into(),
            time_stamp: ecom::timestamp(n.timestamp),
            transaction_id: n.transaction_id.clone(),
        },
        user_details: p.user.as_ref().map(wire_user),
        error_info: n.error.as_ref().map(|e| wire::CallbackError {
            error_group: e.group().as_str().into(),
            error_code: e.code.as_str().into(),
            error_message: e.message.clone(),
        }),
    };
    serde_json::to_string(&body).expect("a callback always serialises")
}
