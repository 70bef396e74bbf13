//! ePayment v1: the payment, its state machine, its amount rules and its
//! event log (BEHAVIOR.md §4). Every operation is a pure function from the
//! current payment and the sandbox time to the next payment and the events it
//! appends, or to an error from the catalogue in [`PaymentError`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    ids::is_msisdn,
    money::{Currency, Money, EPAYMENT_MAXIMUM},
    payer, Millis, DAY, MINUTE,
};

/// How long the payer has to act on a normal payment: 5 minutes on the
/// landing page plus 5 in the app (BEHAVIOR.md §1.4).
pub const PAYER_WINDOW: Millis = 10 * MINUTE;
pub const CAPTURE_PERIOD: Millis = 180 * DAY;
pub const REFUND_PERIOD: Millis = 365 * DAY;
/// Long-living payments (`expiresAt`) must end in (10 min, 60 days).
pub const LONG_LIVING_MAX: Millis = 60 * DAY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Created,
    Authorized,
    Aborted,
    Expired,
    Terminated,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "CREATED",
            State::Authorized => "AUTHORIZED",
            State::Aborted => "ABORTED",
            State::Expired => "EXPIRED",
            State::Terminated => "TERMINATED",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventName {
    Created,
    Aborted,
    Expired,
    Cancelled,
    Captured,
    Refunded,
    Authorized,
    Terminated,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Created => "CREATED",
            EventName::Aborted => "ABORTED",
            EventName::Expired => "EXPIRED",
            EventName::Cancelled => "CANCELLED",
            EventName::Captured => "CAPTURED",
            EventName::Refunded => "REFUNDED",
            EventName::Authorized => "AUTHORIZED",
            EventName::Terminated => "TERMINATED",
        }
    }

    pub fn parse(s: &str) -> Option<EventName> {
        Some(match s {
            "CREATED" => EventName::Created,
            "ABORTED" => EventName::Aborted,
            "EXPIRED" => EventName::Expired,
            "CANCELLED" => EventName::Cancelled,
            "CAPTURED" => EventName::Captured,
            "REFUNDED" => EventName::Refunded,
            "AUTHORIZED" => EventName::Authorized,
            "TERMINATED" => EventName::Terminated,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MethodType {
    Wallet,
    Card,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserFlow {
    PushMessage,
    NativeRedirect,
    WebRedirect,
    Qr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QrFormat {
    TargetUrl,
    Svg,
    Png,
}

/// One entry of a payment's event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub name: EventName,
    pub amount: Money,
    pub timestamp: Millis,
    pub idempotency_key: Option<String>,
    pub success: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub msn: String,
    pub reference: String,
    pub psp_reference: String,
    pub amount: Money,
    pub state: State,
    pub authorized: i64,
    pub captured: i64,
    pub refunded: i64,
    pub cancelled: i64,
    pub method: MethodType,
    pub user_flow: UserFlow,
    pub return_url: Option<String>,
    pub description: Option<String>,
    /// The phone number the merchant gave in `customer`, if any.
    pub customer_phone: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub scope: Option<String>,
    pub qr_format: Option<QrFormat>,
    /// Secret handed to the payer in the redirect URL; force approve may quote it.
    pub token: String,
    pub redirect_url: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub authorized_at: Option<Millis>,
    /// Set once a payer approved: who, the card's BIN and the payer's `sub`.
    pub payer_phone: Option<String>,
    pub card_bin: Option<String>,
    pub sub: Option<String>,
    /// The last decline a payer met, shown on the payer's page.
    pub decline_reason: Option<String>,
}

/// The outcome of an operation: the payment after it and the events appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub payment: Payment,
    pub events: Vec<PaymentEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Forbidden,
    NotFound,
    Conflict,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
        }
    }
}

/// The ePayment error catalogue: a kind (→ HTTP status), the documented title
/// clients match on, a human detail and, for validation errors, the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentError {
    pub kind: ErrorKind,
    pub title: &'static str,
    pub detail: String,
    pub field: Option<String>,
}

impl PaymentError {
    pub fn bad(title: &'static str, detail: impl Into<String>) -> Self {
        PaymentError {
            kind: ErrorKind::BadRequest,
            title,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn field(title: &'static str, field: &str, detail: impl Into<String>) -> Self {
        PaymentError {
            kind: ErrorKind::BadRequest,
            title,
            detail: detail.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn forbidden(title: &'static str, detail: impl Into<String>) -> Self {
        PaymentError {
            kind: ErrorKind::Forbidden,
            title,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn not_found(reference: &str) -> Self {
        PaymentError {
            kind: ErrorKind::NotFound,
            title: "Reference not found",
            detail: format!("No payment with reference '{reference}' exists for this merchant"),
            field: None,
        }
    }

    pub fn conflict(title: &'static str, detail: impl Into<String>) -> Self {
        PaymentError {
            kind: ErrorKind::Conflict,
            title,
            detail: detail.into(),
            field: None,
        }
    }
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.title, self.detail)
    }
}

/// A create request after parsing, before validation.
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    pub reference: String,
    pub amount_value: i64,
    pub currency: String,
    pub method: String,
    pub user_flow: String,
    pub return_url: Option<String>,
    pub description: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_personal_qr: Option<String>,
    pub customer_token: Option<String>,
    pub customer_given: bool,
    pub metadata: Option<BTreeMap<String, String>>,
    pub scope: Option<String>,
    pub expires_at: Option<String>,
    pub qr_format: Option<String>,
    pub qr_size: Option<i64>,
    pub has_receipt: bool,
}

const SCOPES: &[&str] = &[
    "name",
    "address",
    "email",
    "phoneNumber",
    "birthDate",
    "nin",
];

/// Validates an amount against the ePayment limits of its currency.
pub fn validate_amount(value: i64, currency: &str, field: &str) -> Result<Money, PaymentError> {
    let currency = Currency::parse(currency).ok_or_else(|| {
        PaymentError::field(
            "Invalid currency",
            field,
            format!("Currency '{currency}' is not one of NOK, DKK, EUR"),
        )
    })?;
    if value < currency.epayment_minimum() {
        return Err(PaymentError::field(
            "Amount too small",
            field,
            format!(
                "The amount must be at least {} in minor units of {}",
                currency.epayment_minimum(),
                currency.as_str()
            ),
        ));
    }
    if value > EPAYMENT_MAXIMUM {
        return Err(PaymentError::field(
            "Amount invalid",
            field,
            format!("The amount must not exceed {EPAYMENT_MAXIMUM} minor units"),
        ));
    }
    Ok(Money::new(value, currency))
}

/// A positive modification amount in the payment's currency.
fn modification_amount(p: &Payment, amount: Money) -> Result<i64, PaymentError> {
    if amount.currency != p.amount.currency {
        return Err(PaymentError::field(
            "Invalid currency",
            "modificationAmount.currency",
            format!(
                "The payment is in {}, not {}",
                p.amount.currency.as_str(),
                amount.currency.as_str()
            ),
        ));
    }
    if amount.value <= 0 {
        return Err(PaymentError::field(
            "Amount too small",
            "modificationAmount.value",
            "The amount must be greater than zero",
        ));
    }
    Ok(amount.value)
}

/// A URL the payer is sent back to: absolute http(s) or a custom app scheme.
pub fn is_return_url(s: &str) -> bool {
    match s.split_once("://") {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

impl NewPayment {
    /// Checks every create rule and builds the new payment in state CREATED.
    pub fn create(
        self,
        msn: &str,
        psp_reference: String,
        token: String,
        now: Millis,
    ) -> Result<Transition, PaymentError> {
        if crate::Reference::parse_new(&self.reference).is_none() {
            return Err(PaymentError::field(
                "Invalid reference",
                "reference",
                "The reference must be 8-50 characters of a-z, A-Z, 0-9 and '-'",
            ));
        }
        let amount = validate_amount(self.amount_value, &self.currency, "amount.value")?;
        let method = match self.method.as_str() {
            "WALLET" => MethodType::Wallet,
            "CARD" => MethodType::Card,
            other => {
                return Err(PaymentError::field(
                    "Invalid payment method",
                    "paymentMethod.type",
                    format!("Unknown payment method '{other}'"),
                ))
            }
        };
        let user_flow = match self.user_flow.as_str() {
            "PUSH_MESSAGE" => UserFlow::PushMessage,
            "NATIVE_REDIRECT" => UserFlow::NativeRedirect,
            "WEB_REDIRECT" => UserFlow::WebRedirect,
            "QR" => UserFlow::Qr,
            other => {
                return Err(PaymentError::field(
                    "Invalid user flow",
                    "userFlow",
                    format!("Unknown userFlow '{other}'"),
                ))
            }
        };
        if method == MethodType::Card && user_flow != UserFlow::WebRedirect {
            return Err(PaymentError::field(
                "Operation not supported",
                "paymentMethod.type",
                "CARD is only supported with userFlow WEB_REDIRECT",
            ));
        }
        if self.has_receipt && method != MethodType::Wallet {
            return Err(PaymentError::field(
                "Operation not supported",
                "receipt",
                "A receipt is only supported for WALLET payments",
            ));
        }
        match (&self.return_url, user_flow) {
            (None, UserFlow::WebRedirect | UserFlow::NativeRedirect) => {
                return Err(PaymentError::field(
                    "Missing required parameter",
                    "returnUrl",
                    "returnUrl is required for WEB_REDIRECT and NATIVE_REDIRECT",
                ))
            }
            (Some(url), _) if !is_return_url(url) => {
                return Err(PaymentError::field(
                    "Invalid URL",
                    "returnUrl",
                    format!("'{url}' is not an absolute URL"),
                ))
            }
            _ => {}
        }
        if let Some(d) = &self.description {
            let n = d.chars().count();
            if !(3..=100).contains(&n) {
                return Err(PaymentError::field(
                    "Invalid payment description",
                    "paymentDescription",
                    "paymentDescription must be 3-100 characters",
                ));
            }
        }
        let given = [
            &self.customer_phone,
            &self.customer_personal_qr,
            &self.customer_token,
        ]
        .iter()
        .filter(|c| c.is_some())
        .count();
        if self.customer_given && given != 1 {
            return Err(PaymentError::field(
                "Invalid customer",
                "customer",
                "customer must have exactly one of phoneNumber, personalQr, customerToken",
            ));
        }
        if let Some(phone) = &self.customer_phone {
            if !is_msisdn(phone) {
                return Err(PaymentError::field(
                    "Invalid phone number",
                    "customer.phoneNumber",
                    "phoneNumber must be 10-15 digits with country code, e.g. 4791234567",
                ));
            }
        }
        if let Some(qr) = &self.customer_personal_qr {
            if !(5..=255).contains(&qr.len()) {
                return Err(PaymentError::field(
                    "Invalid customer",
                    "customer.personalQr",
                    "personalQr must be 5-255 characters",
                ));
            }
        }
        if user_flow == UserFlow::PushMessage && given == 0 {
            return Err(PaymentError::field(
                "Missing required parameter",
                "customer",
                "customer is required for PUSH_MESSAGE",
            ));
        }
        if let Some(meta) = &self.metadata {
            if meta.len() > 5 {
                return Err(PaymentError::field(
                    "Invalid metadata",
                    "metadata",
                    "metadata may hold at most 5 entries",
                ));
            }
            if let Some((k, _)) = meta
                .iter()
                .find(|(k, v)| k.chars().count() > 100 || v.chars().count() > 500)
            {
                return Err(PaymentError::field(
                    "Invalid metadata",
                    "metadata",
                    format!("metadata entry '{k}' is too long (key ≤100, value ≤500 characters)"),
                ));
            }
        }
        if let Some(scope) = &self.scope {
            if let Some(bad) = scope.split(' ').find(|s| !SCOPES.contains(s)) {
                return Err(PaymentError::field(
                    "Invalid scope",
                    "profile.scope",
                    format!("'{bad}' is not a known scope"),
                ));
            }
        }
        let qr_format = match (user_flow, self.qr_format.as_deref()) {
            (UserFlow::Qr, None | Some("IMAGE/SVG+XML")) => Some(QrFormat::Svg),
            (UserFlow::Qr, Some("IMAGE/PNG")) => Some(QrFormat::Png),
            (UserFlow::Qr, Some("TEXT/TARGETURL")) => Some(QrFormat::TargetUrl),
            (UserFlow::Qr, Some(other)) => {
                return Err(PaymentError::field(
                    "Invalid QR format",
                    "qrFormat.format",
                    format!("Unknown QR format '{other}'"),
                ))
            }
            _ => None,
        };
        if let Some(size) = self.qr_size {
            if !(100..=2000).contains(&size) {
                return Err(PaymentError::field(
                    "Invalid QR format",
                    "qrFormat.size",
                    "size must be 100-2000",
                ));
            }
        }
        let expires_at = match &self.expires_at {
            None => now + PAYER_WINDOW,
            Some(s) => {
                if !matches!(user_flow, UserFlow::PushMessage | UserFlow::Qr) {
                    return Err(PaymentError::field(
                        "ExpiresAt not allowed",
                        "expiresAt",
                        "expiresAt is only allowed with PUSH_MESSAGE or QR",
                    ));
                }
                if !self.has_receipt {
                    return Err(PaymentError::field(
                        "ExpiresAt not allowed",
                        "expiresAt",
                        "expiresAt requires a receipt",
                    ));
                }
                let at = crate::time_fmt::parse_rfc3339(s).ok_or_else(|| {
                    PaymentError::field(
                        "Expiration date invalid",
                        "expiresAt",
                        "expiresAt must be an RFC 3339 date-time",
                    )
                })?;
                if at <= now + PAYER_WINDOW || at >= now + LONG_LIVING_MAX {
                    return Err(PaymentError::field(
                        "Expiration date invalid",
                        "expiresAt",
                        "expiresAt must be more than 10 minutes and less than 60 days ahead",
                    ));
                }
                at
            }
        };
        let payment = Payment {
            msn: msn.to_owned(),
            reference: self.reference,
            psp_reference,
            amount,
            state: State::Created,
            authorized: 0,
            captured: 0,
            refunded: 0,
            cancelled: 0,
            method,
            user_flow,
            return_url: self.return_url,
            description: self.description,
            customer_phone: self.customer_phone,
            metadata: self.metadata,
            scope: self.scope,
            qr_format,
            token,
            redirect_url: None,
            created_at: now,
            expires_at,
            authorized_at: None,
            payer_phone: None,
            card_bin: None,
            sub: None,
            decline_reason: None,
        };
        let event = payment.event(EventName::Created, amount, now, None);
        Ok(Transition {
            payment,
            events: vec![event],
        })
    }
}

/// What a payer's approval led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    Approved(Transition),
    /// The payer's card was declined: the payment stays CREATED, a failed
    /// AUTHORIZED event is logged.
    Declined(Transition, &'static str),
}

impl Payment {
    fn event(
        &self,
        name: EventName,
        amount: Money,
        now: Millis,
        key: Option<&str>,
    ) -> PaymentEvent {
        PaymentEvent {
            name,
            amount,
            timestamp: now,
            idempotency_key: key.map(str::to_owned),
            success: true,
        }
    }

    fn money(&self, value: i64) -> Money {
        Money::new(value, self.amount.currency)
    }

    fn then(&self, next: Payment, event: PaymentEvent) -> Transition {
        let _ = self;
        Transition {
            payment: next,
            events: vec![event],
        }
    }

    /// A payment whose payer never acted is EXPIRED once its window is over.
    /// The store persists this transition before any other operation.
    pub fn expire_if_due(&self, now: Millis) -> Option<Transition> {
        if self.state != State::Created || now < self.expires_at {
            return None;
        }
        let mut next = self.clone();
        next.state = State::Expired;
        Some(self.then(next, self.event(EventName::Expired, self.amount, now, None)))
    }

    fn require_open(&self, now: Millis) -> Result<(), PaymentError> {
        match self.state {
            State::Created if now < self.expires_at => Ok(()),
            State::Created | State::Expired => Err(PaymentError::bad(
                "Approve failed",
                "The payment has expired",
            )),
            State::Authorized => Err(PaymentError::conflict(
                "Payment is already reserved",
                "The payment has already been approved",
            )),
            _ => Err(PaymentError::bad(
                "Approve failed",
                format!("The payment is {}", self.state.as_str()),
            )),
        }
    }

    /// The payer approves with the given phone number (an MSISDN).
    pub fn approve(&self, phone: &str, now: Millis) -> Result<Approval, PaymentError> {
        self.require_open(now)?;
        let who = payer::payer(phone);
        let mut next = self.clone();
        next.payer_phone = Some(phone.to_owned());
        if let payer::Outcome::Declines(reason) = who.outcome {
            next.decline_reason = Some(reason.to_owned());
            let mut event = self.event(EventName::Authorized, self.amount, now, None);
            event.success = false;
            return Ok(Approval::Declined(self.then(next, event), reason));
        }
        next.state = State::Authorized;
        next.authorized = self.amount.value;
        next.authorized_at = Some(now);
        next.card_bin = Some(who.card_bin.to_owned());
        next.decline_reason = None;
        if self.scope.is_some() {
            next.sub = Some(payer::subject(phone));
        }
        Ok(Approval::Approved(self.then(
            next,
            self.event(EventName::Authorized, self.amount, now, None),
        )))
    }

    /// The payer presses "Reject" (or leaves the landing page): ABORTED.
    pub fn reject(&self, now: Millis) -> Result<Transition, PaymentError> {
        self.require_open(now)?;
        let mut next = self.clone();
        next.state = State::Aborted;
        Ok(self.then(next, self.event(EventName::Aborted, self.amount, now, None)))
    }

    fn within(&self, period: Millis, now: Millis, title: &'static str) -> Result<(), PaymentError> {
        match self.authorized_at {
            Some(at) if now - at > period => Err(PaymentError::bad(
                title,
                "The payment is too old for this operation",
            )),
            _ => Ok(()),
        }
    }

    pub fn capture(
        &self,
        amount: Money,
        key: &str,
        now: Millis,
    ) -> Result<Transition, PaymentError> {
        let value = modification_amount(self, amount)?;
        match self.state {
            State::Authorized => {}
            State::Created => {
                return Err(PaymentError::bad(
                    "Cannot capture before reservation",
                    "The payment has not been authorized",
                ))
            }
            _ => {
                return Err(PaymentError::bad(
                    "Payment cannot be captured",
                    format!("The payment is {}", self.state.as_str()),
                ))
            }
        }
        self.within(CAPTURE_PERIOD, now, "Capture period expired")?;
        let capturable = self.authorized - self.captured - self.cancelled;
        if capturable == 0 && self.cancelled > 0 {
            return Err(PaymentError::bad(
                "Cannot capture a cancelled payment",
                "The uncaptured amount was cancelled",
            ));
        }
        if value > capturable {
            return Err(PaymentError::field(
                "Capture amount too high",
                "modificationAmount.value",
                format!("At most {} can be captured", self.money(capturable)),
            ));
        }
        let mut next = self.clone();
        next.captured += value;
        Ok(self.then(
            next,
            self.event(EventName::Captured, self.money(value), now, Some(key)),
        ))
    }

    pub fn refund(
        &self,
        amount: Money,
        key: &str,
        now: Millis,
    ) -> Result<Transition, PaymentError> {
        let value = modification_amount(self, amount)?;
        match self.state {
            State::Authorized => {}
            State::Created => {
                return Err(PaymentError::bad(
                    "Attempted refund before reservation",
                    "The payment has not been authorized",
                ))
            }
            _ => {
                return Err(PaymentError::bad(
                    "Payment cannot be refunded",
                    format!("The payment is {}", self.state.as_str()),
                ))
            }
        }
        self.within(REFUND_PERIOD, now, "Refund period expired")?;
        let refundable = self.captured - self.refunded;
        if refundable == 0 && self.captured > 0 {
            return Err(PaymentError::bad(
                "Payment already refunded",
                "Everything captured has been refunded",
            ));
        }
        if value > refundable {
            return Err(PaymentError::field(
                "Not enough refundable",
                "modificationAmount.value",
                format!("At most {} can be refunded", self.money(refundable)),
            ));
        }
        let mut next = self.clone();
        next.refunded += value;
        Ok(self.then(
            next,
            self.event(EventName::Refunded, self.money(value), now, Some(key)),
        ))
    }

    /// Cancels what is not captured. `None` means nothing changed and the
    /// current state is the answer (repeated cancel, or `cancelTransactionOnly`
    /// on an authorized payment).
    pub fn cancel(
        &self,
        transaction_only: bool,
        key: &str,
        now: Millis,
    ) -> Result<Option<Transition>, PaymentError> {
        match self.state {
            State::Created => {
                let mut next = self.clone();
                next.state = State::Terminated;
                next.cancelled = self.amount.value;
                Ok(Some(self.then(
                    next,
                    self.event(EventName::Terminated, self.amount, now, Some(key)),
                )))
            }
            State::Terminated => Ok(None),
            State::Aborted | State::Expired => Err(PaymentError::bad(
                "Payment cannot be cancelled",
                format!("The payment is {}", self.state.as_str()),
            )),
            State::Authorized if transaction_only => Ok(None),
            State::Authorized => {
                let rest = self.authorized - self.captured - self.cancelled;
                if rest == 0 && self.cancelled > 0 {
                    return Ok(None);
                }
                if rest == 0 {
                    return Err(PaymentError::bad(
                        "Cannot cancel a captured payment",
                        "The whole amount has been captured",
                    ));
                }
                self.within(CAPTURE_PERIOD, now, "Cancel period expired")?;
                let mut next = self.clone();
                next.cancelled += rest;
                Ok(Some(self.then(
                    next,
                    self.event(EventName::Cancelled, self.money(rest), now, Some(key)),
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests;
