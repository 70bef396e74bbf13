//! Initiating a payment: every rule of `POST /ecomm/v2/payments`
//! (docs/compatibility.md#ecom-v2-initiate) and the new payment at INITIATE.

use super::*;
use crate::{urls, Msn, Reference};

/// An initiate request after parsing, before validation.
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    pub body_msn: Option<String>,
    pub order_id: Option<String>,
    pub amount: Option<i64>,
    pub transaction_text: Option<String>,
    pub callback_prefix: Option<String>,
    pub fallback: Option<String>,
    pub auth_token: Option<String>,
    pub is_app: bool,
    pub payment_type: Option<String>,
    pub consent_removal_prefix: Option<String>,
    pub shipping_details_prefix: Option<String>,
    pub static_shipping: Option<Vec<ShippingOption>>,
    pub skip_landing_page: bool,
    pub mobile_number: Option<String>,
    pub scope: Option<String>,
}

/// What the operator configured for a unit (Merchant 38/51; docs/compatibility.md#ecom-v2-unit-settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnitSettings {
    pub direct_capture: bool,
    /// The sandbox whitelists every unit for skipLandingPage unless told not to.
    pub skip_landing_page_denied: bool,
    pub nin_allowed: bool,
}

const SCOPES: &[&str] = &[
    "name",
    "address",
    "email",
    "phoneNumber",
    "birthDate",
    "nin",
];

/// An eCom phone number as merchants send it: 8 digits after dropping
/// spaces and a `+47`/`0047` prefix (the real API "attempts to correct").
pub fn normalise_mobile(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let rest = digits
        .strip_prefix("+47")
        .or_else(|| digits.strip_prefix("0047"))
        .filter(|r| r.len() == 8)
        .unwrap_or(&digits);
    (rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit())).then(|| rest.to_owned())
}

/// The MSISDN the sandbox's payers are keyed by.
pub fn msisdn(mobile8: &str) -> String {
    format!("47{mobile8}")
}

fn is_fallback(s: &str) -> bool {
    s.len() <= 255 && urls::is_return_url(s)
}

fn text(field: &str, t: Option<&str>) -> Result<String, EcomError> {
    match t {
        None => Err(EcomError::invalid(field, format!("{field} is required"))),
        Some(t) if t.chars().count() > 100 => Err(EcomError::invalid(
            field,
            format!("{field} must be at most 100 characters"),
        )),
        Some(t) => Ok(t.to_owned()),
    }
}

/// Checks the transaction text of a modification (required, ≤100 characters; docs/compatibility.md#ecom-v2-capture-refund-and-cancel).
pub fn modification_text(t: Option<&str>) -> Result<String, EcomError> {
    text("transactionText", t)
}

fn url_field(field: &str, v: &Option<String>, required: bool) -> Result<(), EcomError> {
    match v {
        None if required => Err(EcomError::invalid(field, format!("{field} is required"))),
        Some(u) if !urls::is_ecom_prefix(u) => Err(EcomError::invalid(
            field,
            format!("{field} must be an absolute HTTPS URL of at most 255 characters"),
        )),
        _ => Ok(()),
    }
}

impl NewPayment {
    /// Every initiate rule (docs/compatibility.md#ecom-v2-initiate); builds the payment with its INITIATE entry.
    pub fn initiate(
        self,
        msn: &Msn,
        unit: UnitSettings,
        token: String,
        transaction_base: u64,
        now: Millis,
    ) -> Result<Transition, EcomError> {
        let body_msn = self.body_msn.as_deref().ok_or_else(|| {
            EcomError::invalid(
                "merchantSerialNumber",
                "merchantInfo.merchantSerialNumber is required",
            )
        })?;
        let body_msn = Msn::parse(body_msn).ok_or_else(|| {
            EcomError::invalid(
                "merchantSerialNumber",
                "merchantSerialNumber must be 5-6 digits",
            )
        })?;
        if &body_msn != msn {
            return Err(EcomError::msn_mismatch());
        }
        let order_id = self
            .order_id
            .ok_or_else(|| EcomError::invalid("orderId", "transaction.orderId is required"))?;
        let order_id = Reference::parse_order_id(&order_id).ok_or_else(|| {
            EcomError::invalid(
                "orderId",
                "orderId must be 1-50 characters of a-z, A-Z, 0-9 and '-'",
            )
        })?;
        let amount = self
            .amount
            .ok_or_else(|| EcomError::invalid("amount", "transaction.amount is required"))?;
        if amount < MINIMUM_AMOUNT {
            return Err(EcomError::payment(
                PaymentCode::InvalidAmount,
                "Invalid amount: the amount must be at least 100 øre (1 NOK)",
            ));
        }
        let transaction_text = text("transactionText", self.transaction_text.as_deref())?;
        url_field("callbackPrefix", &self.callback_prefix, true)?;
        let fallback = self
            .fallback
            .ok_or_else(|| EcomError::invalid("fallBack", "merchantInfo.fallBack is required"))?;
        if !self.is_app && !is_fallback(&fallback) {
            return Err(EcomError::invalid(
                "fallBack",
                "fallBack must be an HTTPS URL or a custom scheme like myapp://",
            ));
        }
        if self.auth_token.as_ref().is_some_and(|t| t.len() > 255) {
            return Err(EcomError::invalid(
                "authToken",
                "authToken must be at most 255 characters",
            ));
        }
        let express = match self.payment_type.as_deref() {
            None | Some(REGULAR) => false,
            Some(EXPRESS) => true,
            Some(other) => {
                return Err(EcomError::invalid(
                    "paymentType",
                    format!("paymentType must be '{REGULAR}' or '{EXPRESS}', not '{other}'"),
                ))
            }
        };
        if express {
            url_field("consentRemovalPrefix", &self.consent_removal_prefix, true)?;
            url_field(
                "shippingDetailsPrefix",
                &self.shipping_details_prefix,
                self.static_shipping.is_none(),
            )?;
            if let Some(options) = &self.static_shipping {
                express::validate_options(options)
                    .map_err(|m| EcomError::invalid("staticShippingDetails", m))?;
            }
            if self.scope.is_some() {
                return Err(EcomError::invalid(
                    "scope",
                    "scope cannot be used with express checkout",
                ));
            }
        }
        let mobile_number = match &self.mobile_number {
            None => None,
            Some(m) => Some(normalise_mobile(m).ok_or_else(|| {
                EcomError::user(
                    UserCode::NotRegistered,
                    "User not registered with Vipps: invalid mobileNumber",
                )
            })?),
        };
        if self.skip_landing_page {
            if unit.skip_landing_page_denied {
                return Err(EcomError::merchant(
                    MerchantCode::SkipLandingPageNotAllowed,
                    "Merchant not allowed to skip the landing page",
                ));
            }
            if mobile_number.is_none() {
                return Err(EcomError::invalid(
                    "mobileNumber",
                    "skipLandingPage requires customerInfo.mobileNumber",
                ));
            }
        }
        if let Some(scope) = &self.scope {
            if let Some(bad) = scope.split(' ').find(|s| !SCOPES.contains(s)) {
                return Err(EcomError::invalid(
                    "scope",
                    format!("'{bad}' is not a known scope"),
                ));
            }
            if scope.split(' ').any(|s| s == "nin") && !unit.nin_allowed {
                return Err(EcomError::merchant(
                    MerchantCode::NinNotAllowed,
                    "Merchant not allowed to request the nin scope",
                ));
            }
        }
        let payment = Payment {
            msn: msn.to_string(),
            order_id: order_id.into_string(),
            amount,
            transaction_text: transaction_text.clone(),
            callback_prefix: self.callback_prefix.unwrap_or_default(),
            fallback,
            auth_token: self.auth_token,
            is_app: self.is_app,
            express,
            consent_removal_prefix: self.consent_removal_prefix,
            shipping_details_prefix: self.shipping_details_prefix,
            static_shipping: self.static_shipping,
            offered_shipping: None,
            skip_landing_page: self.skip_landing_page,
            mobile_number,
            scope: self.scope,
            token,
            state: State::Initiate,
            created_at: now,
            expires_at: now + PAYER_WINDOW,
            transaction_base,
            next_transaction: 1,
            reserved: 0,
            captured: 0,
            refunded: 0,
            released: 0,
            reserved_at: None,
            payer_phone: None,
            card_bin: None,
            shipping: None,
            user: None,
            sub: None,
            log: vec![LogEntry {
                amount,
                operation: Operation::Initiate,
                success: true,
                request_id: String::new(),
                timestamp: now,
                transaction_id: transaction_base.to_string(),
                transaction_text,
            }],
        };
        Ok(Transition {
            payment,
            notices: vec![],
        })
    }
}
