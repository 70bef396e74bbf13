//! Writing Checkout answers: the domain's session view as `SessionResponse`.

use vipps_domain::{
    checkout::{self as domain, SessionState, SessionView},
    Money,
};
use vipps_wire::checkout as wire;

fn amount(m: Money) -> wire::Amount {
    wire::Amount {
        currency: m.currency.as_str().to_owned(),
        value: m.value,
    }
}

fn session_state(s: SessionState) -> wire::ExternalSessionState {
    use wire::ExternalSessionState as W;
    match s {
        SessionState::SessionCreated => W::SessionCreated,
        SessionState::PaymentInitiated => W::PaymentInitiated,
        SessionState::PaymentSuccessful => W::PaymentSuccessful,
        SessionState::PaymentTerminated => W::PaymentTerminated,
        SessionState::SessionExpired => W::SessionExpired,
    }
}

fn payment_state(s: domain::PaymentState) -> wire::PaymentState {
    match s {
        domain::PaymentState::Created => wire::PaymentState::Created,
        domain::PaymentState::Authorized => wire::PaymentState::Authorized,
        domain::PaymentState::Terminated => wire::PaymentState::Terminated,
    }
}

fn pickup_point(p: domain::PickupPoint) -> wire::PickupPoint {
    wire::PickupPoint {
        id: p.id,
        name: p.name,
        address: p.address,
        postal_code: p.postal_code,
        city: p.city,
        country: p.country,
        opening_hours: Some(p.opening_hours).filter(|h| !h.is_empty()),
    }
}

pub fn session_response(v: SessionView) -> wire::SessionResponse {
    wire::SessionResponse {
        session_id: v.session_id,
        merchant_serial_number: v.merchant_serial_number,
        reference: v.reference,
        session_state: session_state(v.session_state),
        payment_method: v.payment_method.map(|m| match m {
            domain::PaymentMethod::Wallet => wire::PaymentMethod::Wallet,
            domain::PaymentMethod::Card => wire::PaymentMethod::Card,
        }),
        payment_details: v.payment_details.map(|d| wire::ResponsePaymentDetails {
            amount: amount(d.amount),
            state: payment_state(d.state),
            aggregate: d.aggregate.map(|a| wire::TransactionAggregate {
                cancelled_amount: Some(amount(a.cancelled)),
                captured_amount: Some(amount(a.captured)),
                refunded_amount: Some(amount(a.refunded)),
                authorized_amount: Some(amount(a.authorized)),
            }),
        }),
        user_info: v.user_info.map(|u| wire::UserInfo {
            sub: u.sub,
            email: u.email,
        }),
        shipping_details: v.shipping_details.map(|s| wire::ShippingDetails {
            first_name: s.first_name,
            last_name: s.last_name,
            email: s.email,
            phone_number: s.phone_number,
            street_address: s.street_address,
            postal_code: s.postal_code,
            city: s.city,
            country: s.country,
            shipping_method_id: s.shipping_method_id,
            amount: s.amount.map(amount),
            pickup_point: s.pickup_point.map(pickup_point),
        }),
        billing_details: v.billing_details.map(|b| wire::BillingDetails {
            first_name: b.first_name,
            last_name: b.last_name,
            email: b.email,
            phone_number: b.phone_number,
            street_address: b.street_address,
            postal_code: b.postal_code,
            city: b.city,
            country: b.country,
        }),
        custom_consent_provided: v.custom_consent_provided,
    }
}

/// The JSON of a session as polled and as posted to the callback.
pub fn session_json(v: SessionView) -> String {
    serde_json::to_string(&session_response(v)).expect("a session always serialises")
}
