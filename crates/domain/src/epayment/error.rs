//! The ePayment error catalogue (docs/compatibility.md#epayment-v1-errors).

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
