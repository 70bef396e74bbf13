//! Checkout API v3 sessions (https://developer.vippsmobilepay.com/docs/APIs/checkout-api/,
//! docs/compatibility.md): a [`NewSession`] request validated into a
//! [`Session`], its logistics ([`logistics`]), what the shopper submits on
//! the hosted page ([`ShopperChoice`]), the session states and the
//! [`SessionView`] that `GET /checkout/v3/session/{reference}` and the
//! callback show.
//!
//! The session's payment is an ePayment payment with the session's
//! reference, created when the shopper proceeds to pay
//! ([`Session::new_payment`]); from then on the session follows that
//! payment's state ([`Session::follow_payment`]). Time comes in as `now`
//! from the sandbox clock.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::{
    epayment,
    money::{Currency, Money},
    receipt::Receipt,
    Millis, HOUR,
};

pub mod logistics;
mod request;
mod shopper;
mod view;

pub use logistics::{Logistics, PickupPoint, ShippingOption};
pub use request::{
    NewConfiguration, NewCountries, NewCustomConsent, NewLogistics, NewMerchantInfo, NewPrefill,
    NewSession, NewTransaction,
};
pub use shopper::{is_iso_country, Address, ChosenShipping, Contact, Shopper, ShopperChoice};
pub use view::{
    Aggregate, BillingDetails, PaymentDetails, PaymentMethod, SessionView, ShippingDetails,
    UserInfo,
};

/// How long a session waits for the shopper to start paying.
pub const SESSION_LIFETIME: Millis = HOUR;

/// The smallest payment a session may end in: goods plus shipping of at
/// least one krone/euro (100 minor units) in every currency.
pub const MINIMUM_TOTAL: i64 = 100;

/// An amount as sent (`{value, currency}`), before its currency is known good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAmount {
    /// Minor units.
    pub value: i64,
    /// The currency code as sent.
    pub currency: String,
}

/// A new session id: 22 letters and digits, like the real ones.
pub fn new_session_id() -> String {
    random_string(
        22,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    )
}

/// A new secret token that opens the session on the hosted page: 43
/// URL-safe characters (opaque, not a JWT).
pub fn new_session_token() -> String {
    random_string(
        43,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    )
}

fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

/// `sessionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SessionState {
    SessionCreated,
    PaymentInitiated,
    PaymentSuccessful,
    PaymentTerminated,
    SessionExpired,
}

impl SessionState {
    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::SessionCreated => "SessionCreated",
            SessionState::PaymentInitiated => "PaymentInitiated",
            SessionState::PaymentSuccessful => "PaymentSuccessful",
            SessionState::PaymentTerminated => "PaymentTerminated",
            SessionState::SessionExpired => "SessionExpired",
        }
    }

    /// No further change can happen.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            SessionState::PaymentSuccessful
                | SessionState::PaymentTerminated
                | SessionState::SessionExpired
        )
    }
}

/// `paymentDetails.state`: the ePayment state as Checkout reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentState {
    Created,
    Authorized,
    Terminated,
}

impl PaymentState {
    /// ABORTED, EXPIRED and TERMINATED all read as TERMINATED.
    pub fn from_epayment(s: epayment::State) -> PaymentState {
        match s {
            epayment::State::Created => PaymentState::Created,
            epayment::State::Authorized => PaymentState::Authorized,
            epayment::State::Aborted | epayment::State::Expired | epayment::State::Terminated => {
                PaymentState::Terminated
            }
        }
    }

    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Created => "CREATED",
            PaymentState::Authorized => "AUTHORIZED",
            PaymentState::Terminated => "TERMINATED",
        }
    }
}

/// `configuration.elements`: which fields the hosted page asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Elements {
    /// Contact details and address (the default).
    Full,
    /// Contact details, no address.
    PaymentAndContactInfo,
    /// Nothing but the payment.
    PaymentOnly,
}

impl Elements {
    /// The element set from its spec name.
    pub fn parse(s: &str) -> Option<Elements> {
        Some(match s {
            "Full" => Elements::Full,
            "PaymentAndContactInfo" => Elements::PaymentAndContactInfo,
            "PaymentOnly" => Elements::PaymentOnly,
            _ => return None,
        })
    }

    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            Elements::Full => "Full",
            Elements::PaymentAndContactInfo => "PaymentAndContactInfo",
            Elements::PaymentOnly => "PaymentOnly",
        }
    }

    /// The shopper gives name, e-mail and phone number.
    pub fn asks_contact(self) -> bool {
        self != Elements::PaymentOnly
    }

    /// The shopper gives an address.
    pub fn asks_address(self) -> bool {
        self == Elements::Full
    }
}

/// `configuration.userFlow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserFlow {
    /// Back to `returnUrl` in the browser (the default).
    WebRedirect,
    /// Back to an app; `returnUrl` may use the app's own scheme.
    NativeRedirect,
}

impl UserFlow {
    /// The flow from its spec name.
    pub fn parse(s: &str) -> Option<UserFlow> {
        Some(match s {
            "WEB_REDIRECT" => UserFlow::WebRedirect,
            "NATIVE_REDIRECT" => UserFlow::NativeRedirect,
            _ => return None,
        })
    }

    /// The spec name (also ePayment's).
    pub fn as_str(self) -> &'static str {
        match self {
            UserFlow::WebRedirect => "WEB_REDIRECT",
            UserFlow::NativeRedirect => "NATIVE_REDIRECT",
        }
    }
}

/// `configuration.customerInteraction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerInteraction {
    CustomerPresent,
    /// The default.
    CustomerNotPresent,
}

impl CustomerInteraction {
    /// The value from its spec name.
    pub fn parse(s: &str) -> Option<CustomerInteraction> {
        Some(match s {
            "CUSTOMER_PRESENT" => CustomerInteraction::CustomerPresent,
            "CUSTOMER_NOT_PRESENT" => CustomerInteraction::CustomerNotPresent,
            _ => return None,
        })
    }

    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerInteraction::CustomerPresent => "CUSTOMER_PRESENT",
            CustomerInteraction::CustomerNotPresent => "CUSTOMER_NOT_PRESENT",
        }
    }
}

/// Validated `merchantInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantInfo {
    /// Where the finished session is posted (a sendable URL).
    pub callback_url: String,
    /// Where the shopper goes afterwards.
    pub return_url: String,
    /// Sent verbatim as `Authorization` with the callback.
    pub callback_authorization_token: String,
    /// Linked from the hosted page.
    pub terms_and_conditions_url: Option<String>,
}

/// Validated `configuration`, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Whether the shopper is at the merchant's (default: not present).
    pub customer_interaction: CustomerInteraction,
    /// Which fields the hosted page asks for (default Full).
    pub elements: Elements,
    /// Upper-case ISO 3166-1 alpha-2 codes the shopper may choose; `None`: any.
    pub countries: Option<Vec<String>>,
    /// How the shopper returns (default WEB_REDIRECT).
    pub user_flow: UserFlow,
    /// The shopper must share e-mail and `sub`.
    pub require_user_info: bool,
    /// An extra consent checkbox, if any.
    pub custom_consent: Option<CustomConsent>,
    /// Show the order lines on the hosted page.
    pub show_order_summary: bool,
    /// Accepted and kept; the sandbox offers none of them.
    pub external_payment_methods: Vec<ExternalPaymentMethod>,
}

/// A consent checkbox the merchant asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomConsent {
    /// Checkbox text, at most one markdown link.
    pub text: String,
    /// Must be checked to pay.
    pub required: bool,
}

/// An external payment method, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalPaymentMethod {
    /// Which method, e.g. `Klarna`.
    pub payment_method: Option<String>,
    /// Where the shopper finishes that payment.
    pub redirect_url: Option<String>,
}

/// What the merchant knows of the shopper (fields as `prefillCustomer`);
/// values that would not pass on the hosted page are left out, so the
/// shopper is asked for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// An MSISDN, e.g. `4791234567`.
    pub phone_number: Option<String>,
    pub street_address: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    /// Upper-case ISO 3166-1 alpha-2, among the supported countries.
    pub country: Option<String>,
}

/// A Checkout session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The sales unit that created it.
    pub msn: String,
    /// `sessionId`.
    pub session_id: String,
    /// Secret that opens the hosted page.
    pub token: String,
    /// The merchant's reference, also the ePayment payment's.
    pub reference: String,
    /// Callback, return URL and the callback's token.
    pub merchant: MerchantInfo,
    /// Price of the goods (`transaction.amount`), before shipping.
    pub amount: Money,
    /// `paymentDescription`.
    pub description: String,
    /// The order summary, kept as the order's receipt; a shipping line is
    /// added when the shopper chooses non-free shipping.
    pub order_summary: Option<Receipt>,
    /// Fixed options, dynamic-options callback, carrier accounts.
    pub logistics: Logistics,
    /// The configuration with defaults filled in.
    pub config: Config,
    /// What the merchant prefilled (usable values only).
    pub prefill: Prefill,
    /// The stored state; [`Session::state_at`] also sees an expiry that is due.
    pub state: SessionState,
    /// When it was created, by the sandbox clock.
    pub created_at: Millis,
    /// End of the session unless the shopper proceeds to pay before.
    pub expires_at: Millis,
    /// What the shopper chose, from `PaymentInitiated` on.
    pub shopper: Option<Shopper>,
    /// Goods plus chosen shipping: the ePayment amount, from `PaymentInitiated` on.
    pub payment_amount: Option<Money>,
    /// When the shopper proceeded to pay.
    pub initiated_at: Option<Millis>,
    /// When the session reached its final state.
    pub ended_at: Option<Millis>,
}

/// A change of a session: the session after it, and whether the merchant's
/// callback is owed (the payment ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The session after the change.
    pub session: Session,
    /// The merchant's callback must be sent (the payment ended).
    pub callback_due: bool,
}

/// Why a shopper's step on the hosted page was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The hour ran out before the shopper proceeded.
    Expired,
    /// The session is past that step.
    NotOpen(SessionState),
    /// What the shopper submitted, field by field.
    Invalid(Vec<crate::receipt::FieldError>),
}

/// Goods plus shipping, if the sum may be paid: at least [`MINIMUM_TOTAL`]
/// and at most the ePayment maximum (so free shipping needs goods of at
/// least 1.00, and goods of 0 need shipping of at least 1.00).
pub fn payment_total(goods: Money, shipping: Option<Money>) -> Result<Money, String> {
    let shipping = shipping.map_or(0, |s| s.value);
    let total = goods.value.saturating_add(shipping);
    if total < MINIMUM_TOTAL {
        return Err(format!(
            "The total of goods and shipping must be at least {}",
            Money::new(MINIMUM_TOTAL, goods.currency)
        ));
    }
    if total > crate::money::EPAYMENT_MAXIMUM {
        return Err(format!(
            "The total of goods and shipping must be at most {}",
            Money::new(crate::money::EPAYMENT_MAXIMUM, goods.currency)
        ));
    }
    Ok(Money::new(total, goods.currency))
}

impl Session {
    /// The currency of the session.
    pub fn currency(&self) -> Currency {
        self.amount.currency
    }

    /// The state at `now`: a session nobody started paying is
    /// `SessionExpired` once its hour is over.
    pub fn state_at(&self, now: Millis) -> SessionState {
        match self.state {
            SessionState::SessionCreated if now >= self.expires_at => SessionState::SessionExpired,
            s => s,
        }
    }

    /// The transition to `SessionExpired` when its hour is over (no callback).
    pub fn expire_if_due(&self, now: Millis) -> Option<Transition> {
        (self.state == SessionState::SessionCreated && now >= self.expires_at).then(|| {
            let mut next = self.clone();
            next.state = SessionState::SessionExpired;
            next.ended_at = Some(self.expires_at);
            Transition {
                session: next,
                callback_due: false,
            }
        })
    }

    fn open(&self, now: Millis) -> Result<(), SessionError> {
        match self.state_at(now) {
            SessionState::SessionCreated => Ok(()),
            SessionState::SessionExpired => Err(SessionError::Expired),
            s => Err(SessionError::NotOpen(s)),
        }
    }

    /// The shopper proceeds to pay with what [`Session::check_choice`]
    /// accepted: `PaymentInitiated`, the payment amount fixed, and a
    /// shipping line added to the order summary for non-free shipping.
    pub fn proceed(&self, shopper: Shopper, now: Millis) -> Result<Transition, SessionError> {
        self.open(now)?;
        let price = shopper.shipping.as_ref().map(|s| s.price);
        let total = payment_total(self.amount, price).map_err(|why| {
            SessionError::Invalid(vec![crate::receipt::FieldError::new(
                "shippingOptionId",
                why,
            )])
        })?;
        let mut next = self.clone();
        if let (Some(receipt), Some(chosen)) = (next.order_summary.take(), &shopper.shipping) {
            next.order_summary = Some(match chosen.price.value {
                0 => receipt,
                _ => receipt.with_line(chosen.receipt_line()),
            });
        }
        next.state = SessionState::PaymentInitiated;
        next.shopper = Some(shopper);
        next.payment_amount = Some(total);
        next.initiated_at = Some(now);
        Ok(Transition {
            session: next,
            callback_due: false,
        })
    }

    /// The session once its ePayment payment is in `payment`; `None` when
    /// that changes nothing. Approval ends it `PaymentSuccessful`; abort,
    /// expiry or cancel end it `PaymentTerminated`; both owe the callback.
    pub fn follow_payment(&self, payment: epayment::State, now: Millis) -> Option<Transition> {
        if self.state != SessionState::PaymentInitiated {
            return None;
        }
        let state = match PaymentState::from_epayment(payment) {
            PaymentState::Created => return None,
            PaymentState::Authorized => SessionState::PaymentSuccessful,
            PaymentState::Terminated => SessionState::PaymentTerminated,
        };
        let mut next = self.clone();
        next.state = state;
        next.ended_at = Some(now);
        Some(Transition {
            session: next,
            callback_due: true,
        })
    }

    /// The ePayment create request of the session's payment, once the
    /// shopper proceeded: same reference, goods plus shipping, a WALLET
    /// payment back to `returnUrl`, for the shopper's phone if given, asking
    /// for the `sub` (scope `email`) when `requireUserInfo` is set. The order
    /// summary stays with the session, so no `receipt` is sent along.
    pub fn new_payment(&self) -> Option<epayment::NewPayment> {
        let amount = self.payment_amount?;
        let phone = self
            .shopper
            .as_ref()
            .and_then(|s| s.contact.as_ref())
            .map(|c| c.phone_number.clone());
        Some(epayment::NewPayment {
            reference: self.reference.clone(),
            amount_value: amount.value,
            currency: amount.currency.as_str().to_owned(),
            method: "WALLET".to_owned(),
            user_flow: self.config.user_flow.as_str().to_owned(),
            return_url: Some(self.merchant.return_url.clone()),
            description: Some(self.description.clone()),
            customer_given: phone.is_some(),
            customer_phone: phone,
            scope: self.config.require_user_info.then(|| "email".to_owned()),
            ..epayment::NewPayment::default()
        })
    }

    /// Path of the session's polling URL, `/checkout/v3/session/{reference}`.
    pub fn polling_path(&self) -> String {
        format!("/checkout/v3/session/{}", self.reference)
    }
}

impl crate::Lifecycle for Session {
    type Transition = Transition;

    fn expire_if_due(&self, now: Millis) -> Option<Transition> {
        Session::expire_if_due(self, now)
    }

    fn after(t: Transition) -> Self {
        t.session
    }

    fn close_window(&mut self, now: Millis) {
        self.expires_at = self.expires_at.min(now);
    }
}

#[cfg(test)]
mod tests;
