//! Every rule of `POST /psp/v3/psppayments/init` and the new payment.

use super::*;
use crate::{urls, Reference};

/// An init request after parsing, before validation.
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    pub psp_transaction_id: Option<String>,
    pub merchant_order_id: Option<String>,
    pub customer_mobile_number: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub psp_redirect_url: Option<String>,
    pub make_payment_url: Option<String>,
    pub make_payment_token: Option<String>,
    pub payment_text: Option<String>,
    pub is_app: bool,
    pub skip_landing_page: bool,
    pub merchant_agreement_url: Option<String>,
}

/// A PSP transaction id: 1–36 letters, digits, `-` or `_` (UUIDs fit).
pub fn is_transaction_id(s: &str) -> bool {
    (1..=36).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn required<'a>(field: &str, v: &'a Option<String>) -> Result<&'a str, PspError> {
    v.as_deref()
        .ok_or_else(|| PspError::invalid_request(format!("{field} is required")))
}

impl NewPayment {
    /// The payment at INITIATED, or the first rule it breaks.
    pub fn initiate(
        self,
        psp_id: &str,
        msn: &str,
        token: String,
        now: Millis,
    ) -> Result<Payment, PspError> {
        let tx = required("pspTransactionId", &self.psp_transaction_id)?;
        if !is_transaction_id(tx) {
            return Err(PspError::invalid_request(
                "pspTransactionId must be 1-36 letters, digits, '-' or '_'",
            ));
        }
        let order = required("merchantOrderId", &self.merchant_order_id)?;
        if Reference::parse_order_id(order).is_none() {
            return Err(PspError::invalid_request(
                "merchantOrderId must match ^[a-zA-Z0-9-]{1,50}$",
            ));
        }
        let amount = self
            .amount
            .ok_or_else(|| PspError::field("amount", "amount.required"))?;
        if amount < MINIMUM_AMOUNT {
            return Err(PspError::field("amount", "amount.less.than.one"));
        }
        if amount > i64::from(i32::MAX) {
            return Err(PspError::field("amount", "amount.too.large"));
        }
        if self.currency.as_deref() != Some("NOK") {
            return Err(PspError::field("currency", "transaction.currency.invalid"));
        }
        let redirect = required("pspRedirectUrl", &self.psp_redirect_url)?;
        // With isApp the redirect is a deeplink into the merchant's app,
        // which Vipps does not check.
        if !self.is_app && !urls::is_return_url(redirect) {
            return Err(PspError::invalid_request("Invalid pspRedirectUrl"));
        }
        let make_payment_url = self
            .make_payment_url
            .as_deref()
            .ok_or_else(|| PspError::field("makePaymentUrl", "makePaymentUrl.required"))?;
        if make_payment_url.len() > 2048 || urls::parse_target(make_payment_url).is_none() {
            return Err(PspError::field("makePaymentUrl", "makePaymentUrl.invalid"));
        }
        if self
            .make_payment_token
            .as_ref()
            .is_some_and(|t| t.chars().count() > 255)
        {
            return Err(PspError::invalid_request(
                "makePaymentToken must be at most 255 characters",
            ));
        }
        let mobile = match &self.customer_mobile_number {
            None => None,
            Some(n) if n.len() == 8 && n.bytes().all(|b| b.is_ascii_digit()) => Some(n.clone()),
            Some(_) => {
                return Err(PspError::invalid_request(
                    "customerMobileNumber must be 8 digits",
                ))
            }
        };
        if self.skip_landing_page && mobile.is_none() {
            return Err(PspError::invalid_request(
                "skipLandingPage requires customerMobileNumber",
            ));
        }
        let text = self.payment_text.unwrap_or_default();
        if text.chars().any(char::is_control) {
            return Err(PspError::invalid_request(
                "paymentText must not contain control characters",
            ));
        }
        if let Some(u) = &self.merchant_agreement_url {
            if urls::parse_absolute(u).is_none() {
                return Err(PspError::invalid_request("Invalid merchantAgreementUrl"));
            }
        }
        Ok(Payment {
            psp_id: psp_id.to_owned(),
            msn: msn.to_owned(),
            psp_transaction_id: tx.to_owned(),
            merchant_order_id: order.to_owned(),
            amount,
            payment_text: text,
            psp_redirect_url: redirect.to_owned(),
            make_payment_url: make_payment_url.to_owned(),
            make_payment_token: self.make_payment_token,
            is_app: self.is_app,
            skip_landing_page: self.skip_landing_page,
            merchant_agreement_url: self.merchant_agreement_url,
            mobile_number: mobile,
            token,
            created_at: now,
            expires_at: now + PAYER_WINDOW,
            phase: Phase::AwaitingPayer,
            payer_phone: None,
            card: None,
            answers: Vec::new(),
            captured: 0,
            refunded: 0,
            voided: false,
            log: Vec::new(),
            flags: Vec::new(),
            pending: Vec::new(),
        })
    }
}
