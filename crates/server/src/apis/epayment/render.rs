//! Answers of the ePayment API built from the domain payment (spec shapes:
//! `GetPaymentResponse`, `ModificationResponse`, `PaymentEvent`), and the
//! URL each user flow hands the payer.

use vipps_domain::{
    epayment::{MethodType, Payment, PaymentEvent, QrFormat, State, UserFlow},
    time_fmt::rfc3339,
    Money,
};
use vipps_wire::epayment as wire;

pub fn amount(m: Money) -> wire::Amount {
    wire::Amount {
        currency: m.currency.as_str().into(),
        value: m.value,
    }
}

fn aggregate(p: &Payment) -> wire::Aggregate {
    let c = p.amount.currency;
    wire::Aggregate {
        authorized_amount: amount(Money::new(p.authorized, c)),
        cancelled_amount: amount(Money::new(p.cancelled, c)),
        captured_amount: amount(Money::new(p.captured, c)),
        refunded_amount: amount(Money::new(p.refunded, c)),
    }
}

fn method_name(p: &Payment) -> &'static str {
    match p.method {
        MethodType::Wallet => "WALLET",
        MethodType::Card => "CARD",
    }
}

pub fn get_response(p: &Payment) -> wire::GetPaymentResponse {
    wire::GetPaymentResponse {
        aggregate: aggregate(p),
        amount: amount(p.amount),
        state: p.state.as_str().into(),
        payment_method: wire::PaymentMethodResponse {
            kind: method_name(p).into(),
            card_bin: p.card_bin.clone(),
        },
        profile: wire::ProfileResponse { sub: p.sub.clone() },
        psp_reference: p.psp_reference.clone(),
        redirect_url: (p.state == State::Created)
            .then(|| p.redirect_url.clone())
            .flatten(),
        reference: p.reference.clone(),
        metadata: p.metadata.clone(),
    }
}

pub fn modification_response(p: &Payment) -> String {
    let body = wire::ModificationResponse {
        amount: amount(p.amount),
        state: p.state.as_str().into(),
        aggregate: aggregate(p),
        psp_reference: p.psp_reference.clone(),
        reference: p.reference.clone(),
    };
    serde_json::to_string(&body).expect("serialises")
}

pub fn event_response(p: &Payment, e: &PaymentEvent) -> wire::PaymentEvent {
    wire::PaymentEvent {
        reference: p.reference.clone(),
        psp_reference: p.psp_reference.clone(),
        name: e.name.as_str().into(),
        amount: amount(e.amount),
        timestamp: rfc3339(e.timestamp),
        idempotency_key: e.idempotency_key.clone(),
        success: e.success,
    }
}

/// The URL the payer opens, per user flow; `None` for PUSH_MESSAGE.
pub fn redirect_url(public: &str, p: &Payment) -> Option<String> {
    let landing = format!("{public}/landing?token={}", p.token);
    match (p.user_flow, p.qr_format) {
        (UserFlow::PushMessage, _) => None,
        (UserFlow::Qr, Some(QrFormat::Svg)) => {
            Some(format!("{public}/qr/{}.svg?token={}", p.token, p.token))
        }
        (UserFlow::Qr, Some(QrFormat::Png)) => {
            let size = p.qr_size.map(|s| format!("&size={s}")).unwrap_or_default();
            Some(format!(
                "{public}/qr/{}.png?token={}{size}",
                p.token, p.token
            ))
        }
        _ => Some(landing),
    }
}
