//! The PSP API's errors: `[{errorCode, errorMessage, contextId}]` with the
//! numeric codes of the API guide, or a field name for a field's rule
//! (docs/compatibility.md#psp-v3-errors).

/// An error of the PSP API, before it becomes the documented JSON array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PspError {
    pub status: u16,
    /// `"21"`, `"51"`… or a field name such as `"amount"`.
    pub code: String,
    pub message: String,
}

impl PspError {
    fn new(status: u16, code: &str, message: impl Into<String>) -> PspError {
        PspError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 51: the request breaks a rule (including an invalid `pspRedirectUrl`).
    pub fn invalid_request(message: impl Into<String>) -> PspError {
        PspError::new(400, "51", message)
    }

    /// A field's own code (`amount`, `currency`, `makePaymentUrl`) with the
    /// API's message key.
    pub fn field(field: &str, message: impl Into<String>) -> PspError {
        PspError::new(400, field, message)
    }

    /// 21: the merchant cannot take payments through this PSP.
    pub fn invalid_msn(msn: &str) -> PspError {
        PspError::new(
            400,
            "21",
            format!(
                "Invalid MSN: {msn}. This MSN is not valid for the provided PSP ID. \
                 Check that you are using the correct credentials for the right environment."
            ),
        )
    }

    /// 44: the PSP already used this transaction id.
    pub fn transaction_exists(id: &str) -> PspError {
        PspError::new(400, "44", format!("PSP transaction id {id} already exists"))
    }

    /// 99: the merchant already has a payment with this order id.
    pub fn order_exists(id: &str) -> PspError {
        PspError::new(400, "99", format!("merchantOrderId {id} already exists"))
    }

    /// No payment of this PSP and merchant has the id.
    pub fn unknown_transaction(id: &str) -> PspError {
        PspError::new(
            404,
            "51",
            format!("No payment with pspTransactionId {id} for this merchant"),
        )
    }

    /// 99 with status 500 is what the API answers when it fails itself.
    pub fn internal() -> PspError {
        PspError::new(500, "91", "Internal error; the request may be retried")
    }

    pub fn busy() -> PspError {
        PspError::new(
            409,
            "51",
            "The payment is being changed by another request; retry",
        )
    }
}
