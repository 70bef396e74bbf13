//! eCom API v2 (https://developer.vippsmobilepay.com/docs/APIs/ecom-api/) and the merchant endpoints it calls
//! (the merchant endpoints of the same API). Request fields the rules of
//! docs/compatibility.md#ecom-v2-initiate check are optional here so that a missing one becomes
//! the documented error instead of a generic parse failure.

use serde::{Deserialize, Deserializer, Serialize};

/// `merchantSerialNumber`: a string, or a JSON number as the express guide
/// sends it (docs/compatibility.md#identifiers-amounts-and-phone-numbers).
fn msn<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StrOrNum {
        S(String),
        N(u64),
    }
    Ok(Option::<StrOrNum>::deserialize(d)?.map(|v| match v {
        StrOrNum::S(s) => s,
        StrOrNum::N(n) => n.to_string(),
    }))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInfo {
    pub mobile_number: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingOption {
    pub is_default: String,
    #[serde(default)]
    pub priority: i64,
    pub shipping_cost: f64,
    pub shipping_method: String,
    pub shipping_method_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantInfo {
    #[serde(default, deserialize_with = "msn")]
    pub merchant_serial_number: Option<String>,
    pub callback_prefix: Option<String>,
    /// Case-sensitive on purpose: `fallback` is not this field.
    #[serde(rename = "fallBack")]
    pub fall_back: Option<String>,
    pub auth_token: Option<String>,
    pub is_app: Option<bool>,
    pub payment_type: Option<String>,
    pub consent_removal_prefix: Option<String>,
    pub shipping_details_prefix: Option<String>,
    pub static_shipping_details: Option<Vec<ShippingOption>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionInitiate {
    pub order_id: Option<String>,
    pub amount: Option<i64>,
    pub transaction_text: Option<String>,
    pub skip_landing_page: Option<bool>,
    pub scope: Option<String>,
    pub use_explicit_checkout_flow: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateRequest {
    #[serde(default)]
    pub customer_info: Option<CustomerInfo>,
    pub merchant_info: MerchantInfo,
    pub transaction: TransactionInitiate,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateResponse {
    pub order_id: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantInfoPayment {
    #[serde(default, deserialize_with = "msn")]
    pub merchant_serial_number: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionTransaction {
    /// `null`, absent or 0 mean "everything that is left".
    pub amount: Option<i64>,
    pub transaction_text: Option<String>,
}

/// Capture and refund bodies; also cancel's (with its flag).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRequest {
    pub merchant_info: Option<MerchantInfoPayment>,
    pub transaction: Option<ActionTransaction>,
    pub should_release_remaining_funds: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForceApproveRequest {
    pub customer_phone_number: Option<String>,
    pub token: Option<String>,
    /// Sandbox extension for express: the shipping option to approve with.
    pub shipping_method_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionInfo {
    pub amount: i64,
    pub status: String,
    pub time_stamp: String,
    pub transaction_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionSummary {
    pub captured_amount: i64,
    pub remaining_amount_to_capture: i64,
    pub refunded_amount: i64,
    pub remaining_amount_to_refund: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_identification_number: Option<i64>,
}

/// Capture and cancel answers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionResponse {
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_instrument: Option<String>,
    pub transaction_info: TransactionInfo,
    pub transaction_summary: TransactionSummary,
}

/// The refund answer: the key is `transaction`, not `transactionInfo`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundResponse {
    pub order_id: String,
    pub transaction: TransactionInfo,
    pub transaction_summary: TransactionSummary,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub amount: i64,
    pub operation: String,
    pub operation_success: bool,
    pub request_id: String,
    pub time_stamp: String,
    pub transaction_id: String,
    pub transaction_text: String,
}

/// An address in `/details` (`postCode`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailsAddress {
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub country: String,
    pub post_code: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailsShipping {
    pub address: DetailsAddress,
    pub shipping_cost: f64,
    pub shipping_method: String,
    pub shipping_method_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetails {
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub mobile_number: String,
    pub bank_id_verified: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailsResponse {
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_details: Option<DetailsShipping>,
    pub transaction_log_history: Vec<LogEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_summary: Option<TransactionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_details: Option<UserDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    pub order_id: String,
    pub transaction_info: TransactionInfo,
}

/// One element of the error array.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    pub error_group: String,
    pub error_code: String,
    pub error_message: String,
    pub context_id: String,
}

/// A callback's address (`zipCode`, country `Norway`; docs/compatibility.md#ecom-v2-callbacks).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackAddress {
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub country: String,
    pub zip_code: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackShipping {
    pub address: CallbackAddress,
    pub shipping_cost: f64,
    pub shipping_method: String,
    pub shipping_method_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackTransactionInfo {
    pub amount: i64,
    pub status: String,
    pub time_stamp: String,
    pub transaction_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackError {
    pub error_group: String,
    pub error_code: String,
    pub error_message: String,
}

/// `POST [callbackPrefix]/v2/payments/{orderId}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Callback {
    pub merchant_serial_number: String,
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_details: Option<CallbackShipping>,
    pub transaction_info: CallbackTransactionInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_details: Option<UserDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_info: Option<CallbackError>,
}

/// `POST [shippingDetailsPrefix]/v2/payments/{orderId}/shippingDetails`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingDetailsRequest {
    pub address_id: i64,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub country: String,
    pub post_code: String,
    pub address_type: String,
}

/// The merchant's answer to a shipping-details request.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingDetailsResponse {
    pub address_id: Option<i64>,
    pub order_id: Option<String>,
    pub shipping_details: Vec<ShippingOption>,
}
