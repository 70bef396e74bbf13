//! Checkout v3 `logistics` in the session request: fixed options per
//! carrier, the dynamic-options callback and the carriers' integrations.

use serde::{Deserialize, Serialize};

use super::Amount;

/// `Logistics`: fixed options, a callback for dynamic ones, carrier set-up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Logistics {
    /// Asked for options whenever the shopper's address changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_options_callback: Option<String>,
    /// Options given up front; the fallback for dynamic ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_options: Option<Vec<LogisticsOption>>,
    /// Carrier credentials for pickup points and time slots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrations: Option<Integrations>,
}

/// One shipping option: the spec's `oneOf` of per-brand schemas, told apart
/// by `brand` (also the shape of a dynamic-options answer's items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "brand")]
pub enum LogisticsOption {
    /// `PostenLogisticsOption`.
    #[serde(rename = "POSTEN")]
    Posten(CarrierOption),
    /// `PostnordLogisticsOption`.
    #[serde(rename = "POSTNORD")]
    Postnord(CarrierOption),
    /// `PorterbuddyLogisticsOption` (amount optional: priced by the carrier).
    #[serde(rename = "PORTERBUDDY")]
    Porterbuddy(CarrierOption),
    /// `HelthjemLogisticsOption`.
    #[serde(rename = "HELTHJEM")]
    Helthjem(CarrierOption),
    /// `PostiLogisticsOption`.
    #[serde(rename = "POSTI")]
    Posti(CarrierOption),
    /// `GlsLogisticsOption` (newer SDKs).
    #[serde(rename = "GLS")]
    Gls(CarrierOption),
    /// `DaoLogisticsOption` (newer SDKs).
    #[serde(rename = "DAO")]
    Dao(CarrierOption),
    /// `OtherLogisticsOption`: any other carrier, named by `title`.
    #[serde(rename = "OTHER")]
    Other(OtherOption),
}

/// The fields of a named carrier's option (`LogisticsOptionBase` and its own).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarrierOption {
    /// The option's id (1–200), quoted back as `shippingMethodId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display order, lowest first (≥ 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Pre-selected for the shopper.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Shown under the price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Price of the option.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// `MAILBOX`, `PICKUP_POINT` or `HOME_DELIVERY`, as the brand offers.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The merchant's own name for the type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_type: Option<String>,
    /// VAT of the price in hundredths of a percent (0–10000), newer SDKs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<i64>,
}

/// The fields of an `OTHER` option.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtherOption {
    /// The option's id (1–200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display order, lowest first (≥ 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Pre-selected for the shopper.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Shown under the price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The option's name (1–200), shown with a generic icon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Price of the option.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// VAT of the price in hundredths of a percent (0–10000), newer SDKs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<i64>,
}

/// `Integrations`: carrier accounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integrations {
    /// Porterbuddy account and the sender's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub porterbuddy: Option<Porterbuddy>,
    /// Helthjem account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helthjem: Option<Helthjem>,
}

/// `Porterbuddy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Porterbuddy {
    /// Porterbuddy's public key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_token: Option<String>,
    /// Porterbuddy's API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The sender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<PorterbuddyOrigin>,
}

/// `PorterbuddyOrigin`: who sends the parcels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PorterbuddyOrigin {
    /// The store's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where booking confirmations go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The store's MSISDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Where parcels are picked up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<PorterbuddyOriginAddress>,
}

/// `PorterbuddyOriginAddress`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PorterbuddyOriginAddress {
    /// Street and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// `Helthjem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Helthjem {
    /// Helthjem user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Helthjem password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Helthjem shop id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shop_id: Option<i64>,
}
