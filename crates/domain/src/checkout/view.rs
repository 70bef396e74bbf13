//! The session as `GET /checkout/v3/session/{reference}` shows it and the
//! callback posts it (`SessionResponse`), field for field, from the session
//! and its ePayment payment. The server writes it out as the wire type.

use super::{logistics::PickupPoint, PaymentState, Session, SessionState};
use crate::{epayment, money::Money, payer, Millis};

/// `paymentMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    Wallet,
    Card,
}

impl PaymentMethod {
    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Wallet => "Wallet",
            PaymentMethod::Card => "Card",
        }
    }
}

/// `SessionResponse`, with the spec's optional parts as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// `sessionId`.
    pub session_id: String,
    /// The sales unit.
    pub merchant_serial_number: Option<String>,
    /// The merchant's reference.
    pub reference: String,
    /// The state, following the payment.
    pub session_state: SessionState,
    /// From `PaymentInitiated` on.
    pub payment_method: Option<PaymentMethod>,
    /// From `PaymentInitiated` on.
    pub payment_details: Option<PaymentDetails>,
    /// With `requireUserInfo`, once the shopper approved.
    pub user_info: Option<UserInfo>,
    /// From `PaymentInitiated` on, when contact, address or shipping were asked.
    pub shipping_details: Option<ShippingDetails>,
    /// From `PaymentInitiated` on, when contact details were asked.
    pub billing_details: Option<BillingDetails>,
    /// From `PaymentInitiated` on, when the session has a custom consent.
    pub custom_consent_provided: Option<bool>,
}

/// `paymentDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDetails {
    /// Goods plus shipping.
    pub amount: Money,
    /// CREATED, AUTHORIZED or TERMINATED.
    pub state: PaymentState,
    /// Once the payment left CREATED.
    pub aggregate: Option<Aggregate>,
}

/// `paymentDetails.aggregate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aggregate {
    /// Reserved by the approval.
    pub authorized: Money,
    /// Released without capture.
    pub cancelled: Money,
    /// Captured so far.
    pub captured: Money,
    /// Refunded so far.
    pub refunded: Money,
}

/// `userInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The shopper's OpenID subject.
    pub sub: String,
    /// The shopper's e-mail.
    pub email: Option<String>,
}

/// `shippingDetails`: contact and address as given, and the chosen shipping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShippingDetails {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// The chosen option's id.
    pub shipping_method_id: Option<String>,
    /// The chosen option's price.
    pub amount: Option<Money>,
    pub pickup_point: Option<PickupPoint>,
}

/// `billingDetails`: the contact details, with the address when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingDetails {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: String,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

fn aggregate(p: &epayment::Payment) -> Aggregate {
    let m = |v| Money::new(v, p.amount.currency);
    Aggregate {
        authorized: m(p.authorized),
        cancelled: m(p.cancelled),
        captured: m(p.captured),
        refunded: m(p.refunded),
    }
}

impl Session {
    /// The session at `now` as the merchant sees it, with its ePayment
    /// payment (`None` before the shopper proceeds). The state follows the
    /// payment even before [`Session::follow_payment`] was stored.
    pub fn view(&self, payment: Option<&epayment::Payment>, now: Millis) -> SessionView {
        let state = match (self.state_at(now), payment) {
            (SessionState::PaymentInitiated, Some(p)) => self
                .follow_payment(p.state, now)
                .map_or(SessionState::PaymentInitiated, |t| t.session.state),
            (s, _) => s,
        };
        let mut view = SessionView {
            session_id: self.session_id.clone(),
            merchant_serial_number: Some(self.msn.clone()),
            reference: self.reference.clone(),
            session_state: state,
            payment_method: None,
            payment_details: None,
            user_info: None,
            shipping_details: None,
            billing_details: None,
            custom_consent_provided: None,
        };
        let paying = matches!(
            state,
            SessionState::PaymentInitiated
                | SessionState::PaymentSuccessful
                | SessionState::PaymentTerminated
        );
        if !paying {
            return view;
        }
        view.payment_method = Some(match payment.map(|p| p.method) {
            Some(epayment::MethodType::Card) => PaymentMethod::Card,
            _ => PaymentMethod::Wallet,
        });
        view.payment_details = match payment {
            Some(p) => {
                let state = PaymentState::from_epayment(p.state);
                Some(PaymentDetails {
                    amount: p.amount,
                    state,
                    aggregate: (state != PaymentState::Created).then(|| aggregate(p)),
                })
            }
            None => self.payment_amount.map(|amount| PaymentDetails {
                amount,
                state: match state {
                    SessionState::PaymentSuccessful => PaymentState::Authorized,
                    SessionState::PaymentTerminated => PaymentState::Terminated,
                    _ => PaymentState::Created,
                },
                aggregate: None,
            }),
        };
        let Some(shopper) = &self.shopper else {
            return view;
        };
        let contact = shopper.contact.as_ref();
        if self.config.require_user_info && state == SessionState::PaymentSuccessful {
            let sub = payment.and_then(|p| {
                p.sub
                    .clone()
                    .or_else(|| p.payer_phone.as_deref().map(payer::subject))
            });
            view.user_info = sub.map(|sub| UserInfo {
                sub,
                email: contact.map(|c| c.email.clone()),
            });
        }
        let address = shopper.address.as_ref();
        let shipping = shopper.shipping.as_ref();
        if contact.is_some() || address.is_some() || shipping.is_some() {
            view.shipping_details = Some(ShippingDetails {
                first_name: contact.map(|c| c.first_name.clone()),
                last_name: contact.map(|c| c.last_name.clone()),
                email: contact.map(|c| c.email.clone()),
                phone_number: contact.map(|c| c.phone_number.clone()),
                street_address: address.map(|a| a.street_address.clone()),
                postal_code: address.map(|a| a.postal_code.clone()),
                city: address.map(|a| a.city.clone()),
                country: address.map(|a| a.country.clone()),
                shipping_method_id: shipping.map(|s| s.option.id.clone()),
                amount: shipping.map(|s| s.price),
                pickup_point: shipping.and_then(|s| s.pickup_point.clone()),
            });
        }
        view.billing_details = contact.map(|c| BillingDetails {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone_number: c.phone_number.clone(),
            street_address: address.map(|a| a.street_address.clone()),
            postal_code: address.map(|a| a.postal_code.clone()),
            city: address.map(|a| a.city.clone()),
            country: address.map(|a| a.country.clone()),
        });
        view.custom_consent_provided = shopper.custom_consent;
        view
    }
}
