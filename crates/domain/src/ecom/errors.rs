//! The eCom error catalogue (docs/compatibility.md#ecom-v2-errors): a group,
//! a code, a message, and the HTTP status the sandbox chose for it. Each
//! group has its own code enum named after what the code means in the eCom
//! error list (https://developer.vippsmobilepay.com/docs/APIs/ecom-api/api-guide/errors/);
//! an `InvalidRequest` error's code is the name of the offending field. The
//! key is (group, code): 51, 93 and 98 exist in two groups.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    InvalidRequest,
    Payment,
    VippsError,
    User,
    Merchant,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::InvalidRequest => "InvalidRequest",
            Group::Payment => "Payment",
            Group::VippsError => "VippsError",
            Group::User => "User",
            Group::Merchant => "Merchant",
        }
    }
}

/// Codes of the `Payment` group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentCode {
    /// 41: the user does not have a valid card.
    NoValidCard,
    /// 42: refused by the issuer bank.
    RefusedByIssuer,
    /// 43: refused because of an invalid amount.
    InvalidAmount,
    /// 44: refused by the issuer because the card has expired.
    ExpiredCard,
    /// 45: the reservation failed (the payer could not or did not pay, or
    /// express shipping could not be settled).
    ReservationFailed,
    /// 51: cannot cancel an already captured order.
    CannotCancelCaptured,
    /// 52: the cancellation failed.
    CancellationFailed,
    /// 61: the captured amount exceeds the reserved amount.
    CaptureExceedsReserved,
    /// 62: the amount to capture is not reserved.
    NotReserved,
    /// 71: cannot refund more than the captured amount.
    RefundExceedsCaptured,
    /// 72: cannot refund a reserved order; cancel it instead.
    CannotRefundReserved,
    /// 73: cannot refund a cancelled order.
    CannotRefundCancelled,
    /// 95: too late to refund.
    RefundPeriodExpired,
    /// 98: too late to capture.
    CapturePeriodExpired,
}

impl PaymentCode {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentCode::NoValidCard => "41",
            PaymentCode::RefusedByIssuer => "42",
            PaymentCode::InvalidAmount => "43",
            PaymentCode::ExpiredCard => "44",
            PaymentCode::ReservationFailed => "45",
            PaymentCode::CannotCancelCaptured => "51",
            PaymentCode::CancellationFailed => "52",
            PaymentCode::CaptureExceedsReserved => "61",
            PaymentCode::NotReserved => "62",
            PaymentCode::RefundExceedsCaptured => "71",
            PaymentCode::CannotRefundReserved => "72",
            PaymentCode::CannotRefundCancelled => "73",
            PaymentCode::RefundPeriodExpired => "95",
            PaymentCode::CapturePeriodExpired => "98",
        }
    }
}

/// Codes of the `VippsError` group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VippsCode {
    /// 91: the transaction is not allowed.
    NotAllowed,
    /// 92: the transaction is already processed.
    AlreadyProcessed,
    /// 93: an idempotent retry does not match the first request.
    RetryMismatch,
    /// 94: the order is locked by another request.
    OrderLocked,
    /// 98: too many concurrent requests.
    TooManyRequests,
    /// 99: internal error.
    Internal,
}

impl VippsCode {
    pub fn as_str(self) -> &'static str {
        match self {
            VippsCode::NotAllowed => "91",
            VippsCode::AlreadyProcessed => "92",
            VippsCode::RetryMismatch => "93",
            VippsCode::OrderLocked => "94",
            VippsCode::TooManyRequests => "98",
            VippsCode::Internal => "99",
        }
    }

    /// 91–93 are 400, 94 (order locked) 409, 98 429, 99 500.
    pub fn status(self) -> u16 {
        match self {
            VippsCode::OrderLocked => 409,
            VippsCode::TooManyRequests => 429,
            VippsCode::Internal => 500,
            VippsCode::NotAllowed | VippsCode::AlreadyProcessed | VippsCode::RetryMismatch => 400,
        }
    }
}

/// Codes of the `User` group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserCode {
    /// 81: the user is not registered with Vipps (or the number is invalid).
    NotRegistered,
}

impl UserCode {
    pub fn as_str(self) -> &'static str {
        match self {
            UserCode::NotRegistered => "81",
        }
    }
}

/// Codes of the `Merchant` group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantCode {
    /// 34: the orderId has been used before.
    DuplicateOrderId,
    /// 35: the requested order was not found.
    OrderNotFound,
    /// 37: the merchant (sales unit) is not available.
    NotAvailable,
    /// 38: the sales unit may not skip the landing page.
    SkipLandingPageNotAllowed,
    /// 51: the sales unit may not ask for the `nin` scope.
    NinNotAllowed,
}

impl MerchantCode {
    pub fn as_str(self) -> &'static str {
        match self {
            MerchantCode::DuplicateOrderId => "34",
            MerchantCode::OrderNotFound => "35",
            MerchantCode::NotAvailable => "37",
            MerchantCode::SkipLandingPageNotAllowed => "38",
            MerchantCode::NinNotAllowed => "51",
        }
    }

    /// 34 is a 400, 35 a 404, the rest 403.
    pub fn status(self) -> u16 {
        match self {
            MerchantCode::DuplicateOrderId => 400,
            MerchantCode::OrderNotFound => 404,
            MerchantCode::NotAvailable
            | MerchantCode::SkipLandingPageNotAllowed
            | MerchantCode::NinNotAllowed => 403,
        }
    }
}

/// A group with its code: which code enum applies follows from the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// `InvalidRequest`: the name of the offending field.
    Invalid(String),
    Payment(PaymentCode),
    Vipps(VippsCode),
    User(UserCode),
    Merchant(MerchantCode),
}

impl Code {
    pub fn group(&self) -> Group {
        match self {
            Code::Invalid(_) => Group::InvalidRequest,
            Code::Payment(_) => Group::Payment,
            Code::Vipps(_) => Group::VippsError,
            Code::User(_) => Group::User,
            Code::Merchant(_) => Group::Merchant,
        }
    }

    /// `errorCode` as the API prints it.
    pub fn as_str(&self) -> &str {
        match self {
            Code::Invalid(field) => field,
            Code::Payment(c) => c.as_str(),
            Code::Vipps(c) => c.as_str(),
            Code::User(c) => c.as_str(),
            Code::Merchant(c) => c.as_str(),
        }
    }

    /// The HTTP status the sandbox answers it with (docs/compatibility.md#ecom-v2-errors).
    pub fn status(&self) -> u16 {
        match self {
            Code::Invalid(_) | Code::Payment(_) | Code::User(_) => 400,
            Code::Vipps(c) => c.status(),
            Code::Merchant(c) => c.status(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcomError {
    /// Usually `code.status()`; a body that cannot be read may say 413.
    pub status: u16,
    pub code: Code,
    pub message: String,
}

impl EcomError {
    fn new(code: Code, message: impl Into<String>) -> Self {
        EcomError {
            status: code.status(),
            code,
            message: message.into(),
        }
    }

    pub fn group(&self) -> Group {
        self.code.group()
    }

    /// A malformed or missing field; the code names the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(Code::Invalid(field.to_owned()), message)
    }

    pub fn payment(code: PaymentCode, message: impl Into<String>) -> Self {
        Self::new(Code::Payment(code), message)
    }

    pub fn user(code: UserCode, message: impl Into<String>) -> Self {
        Self::new(Code::User(code), message)
    }

    pub fn merchant(code: MerchantCode, message: impl Into<String>) -> Self {
        Self::new(Code::Merchant(code), message)
    }

    pub fn vipps(code: VippsCode, message: impl Into<String>) -> Self {
        Self::new(Code::Vipps(code), message)
    }

    /// Whether the payment's own rules refused the operation (groups
    /// `Payment` and `VippsError`), as opposed to the request or the caller.
    pub fn is_refusal_by_payment(&self) -> bool {
        matches!(self.code, Code::Payment(_) | Code::Vipps(_))
    }

    pub fn duplicate_order(order_id: &str) -> Self {
        Self::merchant(
            MerchantCode::DuplicateOrderId,
            format!("Duplicate Order Id: '{order_id}' has already been used"),
        )
    }

    pub fn unknown_order(order_id: &str) -> Self {
        Self::merchant(
            MerchantCode::OrderNotFound,
            format!("Requested Order not found: no payment '{order_id}' for this merchant"),
        )
    }

    /// No sales unit has this MSN.
    pub fn unknown_unit(msn: &str) -> Self {
        Self::merchant(MerchantCode::NotAvailable, format!("No sales unit {msn}"))
    }

    pub fn msn_mismatch() -> Self {
        Self::invalid(
            "merchantSerialNumber",
            "merchantSerialNumber does not match the access token's merchant",
        )
    }

    /// The Payment 41–45 code of a declining test payer's reason.
    pub fn decline(reason: &str) -> Self {
        let code = match reason {
            "Expired card" => PaymentCode::ExpiredCard,
            "Refused by issuer" => PaymentCode::RefusedByIssuer,
            "No valid card" => PaymentCode::NoValidCard,
            _ => PaymentCode::ReservationFailed,
        };
        Self::payment(code, reason)
    }
}

impl std::fmt::Display for EcomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.group().as_str(),
            self.code.as_str(),
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_as_the_documented_strings() {
        let cases: &[(Code, Group, &str, u16)] = &[
            (
                Code::Invalid("orderId".into()),
                Group::InvalidRequest,
                "orderId",
                400,
            ),
            (
                Code::Payment(PaymentCode::NoValidCard),
                Group::Payment,
                "41",
                400,
            ),
            (
                Code::Payment(PaymentCode::RefusedByIssuer),
                Group::Payment,
                "42",
                400,
            ),
            (
                Code::Payment(PaymentCode::InvalidAmount),
                Group::Payment,
                "43",
                400,
            ),
            (
                Code::Payment(PaymentCode::ExpiredCard),
                Group::Payment,
                "44",
                400,
            ),
            (
                Code::Payment(PaymentCode::ReservationFailed),
                Group::Payment,
                "45",
                400,
            ),
            (
                Code::Payment(PaymentCode::CannotCancelCaptured),
                Group::Payment,
                "51",
                400,
            ),
            (
                Code::Payment(PaymentCode::CancellationFailed),
                Group::Payment,
                "52",
                400,
            ),
            (
                Code::Payment(PaymentCode::CaptureExceedsReserved),
                Group::Payment,
                "61",
                400,
            ),
            (
                Code::Payment(PaymentCode::NotReserved),
                Group::Payment,
                "62",
                400,
            ),
            (
                Code::Payment(PaymentCode::RefundExceedsCaptured),
                Group::Payment,
                "71",
                400,
            ),
            (
                Code::Payment(PaymentCode::CannotRefundReserved),
                Group::Payment,
                "72",
                400,
            ),
            (
                Code::Payment(PaymentCode::CannotRefundCancelled),
                Group::Payment,
                "73",
                400,
            ),
            (
                Code::Payment(PaymentCode::RefundPeriodExpired),
                Group::Payment,
                "95",
                400,
            ),
            (
                Code::Payment(PaymentCode::CapturePeriodExpired),
                Group::Payment,
                "98",
                400,
            ),
            (
                Code::Vipps(VippsCode::NotAllowed),
                Group::VippsError,
                "91",
                400,
            ),
            (
                Code::Vipps(VippsCode::AlreadyProcessed),
                Group::VippsError,
                "92",
                400,
            ),
            (
                Code::Vipps(VippsCode::RetryMismatch),
                Group::VippsError,
                "93",
                400,
            ),
            (
                Code::Vipps(VippsCode::OrderLocked),
                Group::VippsError,
                "94",
                409,
            ),
            (
                Code::Vipps(VippsCode::TooManyRequests),
                Group::VippsError,
                "98",
                429,
            ),
            (
                Code::Vipps(VippsCode::Internal),
                Group::VippsError,
                "99",
                500,
            ),
            (Code::User(UserCode::NotRegistered), Group::User, "81", 400),
            (
                Code::Merchant(MerchantCode::DuplicateOrderId),
                Group::Merchant,
                "34",
                400,
            ),
            (
                Code::Merchant(MerchantCode::OrderNotFound),
                Group::Merchant,
                "35",
                404,
            ),
            (
                Code::Merchant(MerchantCode::NotAvailable),
                Group::Merchant,
                "37",
                403,
            ),
            (
                Code::Merchant(MerchantCode::SkipLandingPageNotAllowed),
                Group::Merchant,
                "38",
                403,
            ),
            (
                Code::Merchant(MerchantCode::NinNotAllowed),
                Group::Merchant,
                "51",
                403,
            ),
        ];
        for (code, group, text, status) in cases {
            assert_eq!(code.group(), *group, "{code:?}");
            assert_eq!(code.as_str(), *text, "{code:?}");
            assert_eq!(code.status(), *status, "{code:?}");
        }
    }

    #[test]
    fn an_error_takes_its_status_from_its_code() {
        let e = EcomError::unknown_order("o-1");
        assert_eq!(
            (e.status, e.group(), e.code.as_str()),
            (404, Group::Merchant, "35")
        );
        let e = EcomError::vipps(VippsCode::OrderLocked, "locked");
        assert_eq!(e.status, 409);
        assert_eq!(e.to_string(), "VippsError 94: locked");
        assert!(e.is_refusal_by_payment());
        assert!(!EcomError::invalid("amount", "x").is_refusal_by_payment());
    }

    #[test]
    fn declines_map_to_payment_codes() {
        assert_eq!(
            EcomError::decline("Expired card").code,
            Code::Payment(PaymentCode::ExpiredCard)
        );
        assert_eq!(
            EcomError::decline("Insufficient funds").code,
            Code::Payment(PaymentCode::ReservationFailed)
        );
    }
}
