//! PSP API v3 (https://developer.vippsmobilepay.com/docs/APIs/psp-api/) and
//! the PSP's own `makePaymentUrl` endpoint that Vipps calls. Request fields
//! the rules check are optional here so that a missing one becomes the
//! documented error instead of a generic parse failure.

use serde::{Deserialize, Serialize};

/// One entry of the PSP API's error array.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    pub error_code: String,
    pub error_message: String,
    pub context_id: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiatePaymentRequest {
    pub psp_transaction_id: Option<String>,
    pub merchant_order_id: Option<String>,
    pub customer_mobile_number: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub psp_redirect_url: Option<String>,
    pub make_payment_url: Option<String>,
    pub make_payment_token: Option<String>,
    pub payment_text: Option<String>,
    pub is_app: Option<bool>,
    pub skip_landing_page: Option<bool>,
    pub merchant_agreement_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInitiationRepresentation {
    pub psp_transaction_id: String,
    pub merchant_order_id: String,
    pub vipps_redirect_url: String,
}

/// `updatestatus`'s body.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStatus {
    pub transactions: Option<Vec<TransactionInfo>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionInfo {
    pub psp_transaction_id: Option<String>,
    pub status: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub payment_text: Option<String>,
    pub operation_status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseInfo {
    pub response_code: String,
    pub response_message: String,
}

/// `updatestatus`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub response_info: ResponseInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionSummary {
    pub captured_amount: i64,
    pub remaining_amount_to_capture: i64,
    pub refunded_amount: i64,
    pub remaining_amount_to_refund: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTransactionDetails {
    pub amount: i64,
    pub payment_text: String,
    pub time_stamp: String,
    pub operation: String,
    pub operation_success: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDetailsRepresentation {
    pub psp_transaction_id: String,
    pub merchant_order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_summary: Option<TransactionSummary>,
    pub transaction_log_history: Vec<PaymentTransactionDetails>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForceApproveRequest {
    pub customer_phone_number: Option<String>,
    pub token: Option<String>,
}

/// What Vipps POSTs to the PSP's `makePaymentUrl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MakePaymentRequest {
    pub psp_transaction_id: String,
    pub merchant_serial_number: String,
    pub payment_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin_number: Option<String>,
    pub operations: Vec<Operation3DSecure>,
    pub payment_instrument: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_token: Option<NetworkToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkToken {
    pub number: String,
    pub cryptogram: String,
    pub expiry_month: String,
    pub expiry_year: String,
    pub token_type: String,
    pub eci: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation3DSecure {
    pub operation: String,
    pub url: String,
}

/// The PSP's answer to a makePayment call; every part may be missing in a
/// careless answer, so every part is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MakePaymentResponse {
    pub payment_info: Option<PaymentInfo>,
    pub error_message: Option<ErrorMessage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInfo {
    pub psp_transaction_id: Option<String>,
    pub status: Option<String>,
    #[serde(rename = "url3dSecure")]
    pub url_3d_secure: Option<String>,
}

/// `errorId` is a string in the spec; PSPs also send a number.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorMessage {
    pub error_id: Option<serde_json::Value>,
    pub error_text: Option<String>,
}
