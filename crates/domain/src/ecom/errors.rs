//! The eCom error catalogue (docs/compatibility.md#ecom-v2-errors): a group, a code that is a
//! string (for `InvalidRequest` the field name), a message, and the HTTP
//! status the sandbox chose for it. The key is (group, code): 51, 93 and 98
//! exist in two groups.

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcomError {
    pub status: u16,
    pub group: Group,
    pub code: String,
    pub message: String,
}

impl EcomError {
    fn new(status: u16, group: Group, code: &str, message: impl Into<String>) -> Self {
        EcomError {
            status,
            group,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// A malformed or missing field; the code names the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(400, Group::InvalidRequest, field, message)
    }

    pub fn payment(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, Group::Payment, code, message)
    }

    pub fn user(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, Group::User, code, message)
    }

    /// Merchant errors: 34 is a 400, 35 a 404, the rest 403.
    pub fn merchant(code: &str, message: impl Into<String>) -> Self {
        let status = match code {
            "34" => 400,
            "35" => 404,
            _ => 403,
        };
        Self::new(status, Group::Merchant, code, message)
    }

    /// VippsError: 91–93 are 400, 94 (order locked) 409, 98 429, 99 500.
    pub fn vipps(code: &str, message: impl Into<String>) -> Self {
        let status = match code {
            "94" => 409,
            "98" => 429,
            "99" => 500,
            _ => 400,
        };
        Self::new(status, Group::VippsError, code, message)
    }

    pub fn duplicate_order(order_id: &str) -> Self {
        Self::merchant(
            "34",
            format!("Duplicate Order Id: '{order_id}' has already been used"),
        )
    }

    pub fn unknown_order(order_id: &str) -> Self {
        Self::merchant(
            "35",
            format!("Requested Order not found: no payment '{order_id}' for this merchant"),
        )
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
            "Expired card" => "44",
            "Refused by issuer" => "42",
            "No valid card" => "41",
            _ => "45",
        };
        Self::payment(code, reason)
    }
}

impl std::fmt::Display for EcomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.group.as_str(), self.code, self.message)
    }
}
