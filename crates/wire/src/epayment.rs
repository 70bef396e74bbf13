//! ePayment API v1 (https://developer.vippsmobilepay.com/docs/APIs/epayment-api/).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amount {
    pub currency: String,
    pub value: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_qr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentMethod {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileRequest {
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QrFormat {
    pub format: String,
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AirlineData {
    pub agency_invoice_number: String,
    pub airline_code: String,
    pub airline_designator_code: String,
    pub passenger_name: String,
    pub ticket_number: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndustryData {
    pub airline_data: Option<AirlineData>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentRequest {
    pub amount: Amount,
    pub customer: Option<Customer>,
    pub customer_interaction: Option<String>,
    pub industry_data: Option<IndustryData>,
    pub payment_method: PaymentMethod,
    pub profile: Option<ProfileRequest>,
    pub reference: String,
    pub return_url: Option<String>,
    pub user_flow: String,
    pub expires_at: Option<String>,
    pub qr_format: Option<QrFormat>,
    pub payment_description: Option<String>,
    /// An Order Management receipt, shown to the payer with the payment.
    pub receipt: Option<crate::receipt::Receipt>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub receipt_url: Option<String>,
    pub minimum_user_age: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Aggregate {
    pub authorized_amount: Amount,
    pub cancelled_amount: Amount,
    pub captured_amount: Amount,
    pub refunded_amount: Amount,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodResponse {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_bin: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetPaymentResponse {
    pub aggregate: Aggregate,
    pub amount: Amount,
    pub state: String,
    pub payment_method: PaymentMethodResponse,
    pub profile: ProfileResponse,
    pub psp_reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationRequest {
    pub modification_amount: Amount,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelModificationRequest {
    pub cancel_transaction_only: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationResponse {
    pub amount: Amount,
    pub state: String,
    pub aggregate: Aggregate,
    pub psp_reference: String,
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentEvent {
    pub reference: String,
    pub psp_reference: String,
    pub name: String,
    pub amount: Amount,
    pub timestamp: String,
    pub idempotency_key: Option<String>,
    pub success: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ForceApprove {
    pub customer: Option<Customer>,
    pub token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtraDetail {
    pub name: String,
    pub reason: String,
}

/// RFC 7807 problem body (`application/problem+json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub status: u16,
    pub trace_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_details: Option<Vec<ExtraDetail>>,
}

/// The body of an ePayment webhook (`WebhookEvent` in the spec).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    pub msn: String,
    pub reference: String,
    pub psp_reference: String,
    pub name: String,
    pub amount: Amount,
    pub timestamp: String,
    pub idempotency_key: Option<String>,
    pub success: bool,
}
