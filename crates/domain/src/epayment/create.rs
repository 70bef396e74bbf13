//! Creating a payment: every rule a create request must pass (docs/compatibility.md#epayment-v1-create) and the new payment in state CREATED.

use std::collections::BTreeMap;

use super::{
    EventName, MethodType, Payment, PaymentError, QrFormat, State, Transition, UserFlow,
    LONG_LIVING_MAX, PAYER_WINDOW,
};
use crate::{
    ids::is_msisdn,
    money::{Currency, Money, EPAYMENT_MAXIMUM},
    receipt::{NewReceipt, ReceiptPath},
    Millis, Msn,
};

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
    /// The Order Management receipt sent with the payment, unvalidated.
    pub receipt: Option<NewReceipt>,
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

impl NewPayment {
    /// Checks every create rule and builds the new payment in state CREATED.
    pub fn create(
        self,
        msn: &Msn,
        psp_reference: String,
        token: String,
        now: Millis,
    ) -> Result<Transition, PaymentError> {
        let reference = crate::Reference::parse_new(&self.reference).ok_or_else(|| {
            PaymentError::field(
                "Invalid reference",
                "reference",
                "The reference must be 8-50 characters of a-z, A-Z, 0-9 and '-'",
            )
        })?;
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
        if self.receipt.is_some() && method != MethodType::Wallet {
            return Err(PaymentError::field(
                "Operation not supported",
                "receipt",
                "A receipt is only supported for WALLET payments",
            ));
        }
        let mut receipt = None;
        if let Some(sent) = self.receipt.clone() {
            let at = ReceiptPath::EPAYMENT;
            let checked =
                sent.validate(&at)
                    .and_then(|r| match r.expect_currency(amount.currency, &at) {
                        Some(wrong) => Err(vec![wrong]),
                        None => Ok(r),
                    });
            match checked {
                Ok(r) => receipt = Some(r),
                Err(errors) => {
                    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    return Err(PaymentError::field(
                        "Invalid receipt",
                        &errors[0].field,
                        all.join("; "),
                    ));
                }
            }
        }
        match (&self.return_url, user_flow) {
            (None, UserFlow::WebRedirect | UserFlow::NativeRedirect) => {
                return Err(PaymentError::field(
                    "Missing required parameter",
                    "returnUrl",
                    "returnUrl is required for WEB_REDIRECT and NATIVE_REDIRECT",
                ))
            }
            (Some(url), _) if !crate::urls::is_return_url(url) => {
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
            // The payer sees it as one line of text in the app.
            if d.chars().any(char::is_control) {
                return Err(PaymentError::field(
                    "Invalid payment description",
                    "paymentDescription",
                    "paymentDescription must not contain control characters",
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
                if self.receipt.is_none() {
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
            msn: msn.to_string(),
            reference: reference.into_string(),
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
            qr_size: self.qr_size,
            token,
            redirect_url: None,
            created_at: now,
            expires_at,
            authorized_at: None,
            payer_phone: None,
            card_bin: None,
            sub: None,
            decline_reason: None,
            phone_submitted: false,
            checkout: None,
            receipt,
        };
        let event = payment.event(EventName::Created, amount, now, None);
        Ok(Transition {
            payment,
            events: vec![event],
            session_ended: false,
        })
    }
}
