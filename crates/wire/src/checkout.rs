//! Checkout API v3 (https://developer.vippsmobilepay.com/docs/APIs/checkout-api/):
//! the session request, the create answer, the session as polled and sent
//! to the merchant's callback, and the dynamic logistics callback.
//!
//! Request fields the spec marks required are `Option` so the domain can
//! name every missing field at once in `errors {field: [messages]}`; enum
//! values in requests are strings the domain checks. Answers use the
//! spec's enums, so they can only be written as the spec spells them.

use serde::{Deserialize, Serialize};

pub use crate::epayment::Amount;
use crate::receipt::{BottomLine, OrderLine};

mod logistics;

pub use logistics::*;

/// `InitiateSessionRequest`: what `POST /checkout/v3/session` takes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateSessionRequest {
    /// Callback and return addresses and the callback's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_info: Option<PaymentMerchantInfo>,
    /// Amount, reference, description and the optional order summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<PaymentTransaction>,
    /// Shipping options offered to the shopper.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logistics: Option<Logistics>,
    /// What the merchant already knows of the shopper.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill_customer: Option<PrefillCustomer>,
    /// Which fields the hosted page shows and how the shopper returns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<CheckoutConfig>,
    /// Session kind (newer SDKs): `PAYMENT` or `SUBSCRIPTION`; absent is a payment.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `PaymentMerchantInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMerchantInfo {
    /// Where the finished session is posted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Where the shopper is sent when the checkout is over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Sent verbatim as `Authorization` with the callback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_authorization_token: Option<String>,
    /// The merchant's terms, linked from the hosted page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms_and_conditions_url: Option<String>,
}

/// `PaymentTransaction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTransaction {
    /// Price of the goods, before shipping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The merchant's reference, also the ePayment payment's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Shown to the shopper when paying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_description: Option<String>,
    /// Order lines, shown in the checkout and kept as the receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_summary: Option<OrderSummary>,
}

/// `OrderSummary`: a receipt whose bottom line is named `orderBottomLine`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    /// The order lines (at least one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_lines: Option<Vec<OrderLine>>,
    /// Currency and other facts of the whole order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_bottom_line: Option<BottomLine>,
}

/// `PrefillCustomer`: known shopper details; bad ones are asked again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrefillCustomer {
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// MSISDN, e.g. `4791234567`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Street and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// `CheckoutConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutConfig {
    /// `CUSTOMER_PRESENT` or `CUSTOMER_NOT_PRESENT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_interaction: Option<String>,
    /// `Full`, `PaymentAndContactInfo` or `PaymentOnly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elements: Option<String>,
    /// Countries the shopper may choose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countries: Option<Countries>,
    /// `WEB_REDIRECT` or `NATIVE_REDIRECT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_flow: Option<String>,
    /// The shopper must share e-mail and `sub`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_user_info: Option<bool>,
    /// An extra consent checkbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_consent: Option<CustomConsent>,
    /// Show the order lines in the checkout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_order_summary: Option<bool>,
    /// Other payment methods offered next to Vipps MobilePay (newer SDKs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_payment_methods: Option<Vec<ExternalPaymentMethod>>,
}

/// `Countries`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Countries {
    /// ISO 3166-1 alpha-2 codes, e.g. `["NO", "SE", "DK"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported: Option<Vec<String>>,
}

/// `CustomConsent`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomConsent {
    /// Checkbox text with at most one markdown link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The box must be checked to pay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

/// `ExternalPaymentMethod` (newer SDKs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalPaymentMethod {
    /// Which method, e.g. `Klarna`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Where the shopper finishes that payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

/// `InitiateSessionResponse`: the answer to a create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateSessionResponse {
    /// Opens the session in the checkout frontend.
    pub token: String,
    /// The checkout frontend.
    pub checkout_frontend_url: String,
    /// Absolute URL of `GET /checkout/v3/session/{reference}`.
    pub polling_url: String,
}

/// `ExternalSessionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExternalSessionState {
    SessionCreated,
    PaymentInitiated,
    SessionExpired,
    PaymentSuccessful,
    PaymentTerminated,
}

/// `PaymentMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentMethod {
    Wallet,
    Card,
}

/// `PaymentState`: the session's payment, as Checkout reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentState {
    Created,
    Authorized,
    Terminated,
}

/// `SessionResponse`: the session as polled and as posted to `callbackUrl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    /// The session's id.
    pub session_id: String,
    /// The sales unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_serial_number: Option<String>,
    /// The merchant's reference.
    pub reference: String,
    /// Where the session is.
    pub session_state: ExternalSessionState,
    /// How the shopper pays, once the payment exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethod>,
    /// The payment, once it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_details: Option<ResponsePaymentDetails>,
    /// The shopper's `sub` and e-mail, with `requireUserInfo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_info: Option<UserInfo>,
    /// Where and how the goods go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_details: Option<ShippingDetails>,
    /// Who pays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_details: Option<BillingDetails>,
    /// Whether the custom consent box was checked, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_consent_provided: Option<bool>,
}

/// `ResponsePaymentDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponsePaymentDetails {
    /// Goods plus chosen shipping.
    pub amount: Amount,
    /// The payment's state.
    pub state: PaymentState,
    /// What was authorised, captured, cancelled and refunded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<TransactionAggregate>,
}

/// `TransactionAggregate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionAggregate {
    /// Released without capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_amount: Option<Amount>,
    /// Captured so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured_amount: Option<Amount>,
    /// Refunded so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_amount: Option<Amount>,
    /// Reserved by the shopper's approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_amount: Option<Amount>,
}

/// `UserInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The shopper's OpenID subject.
    pub sub: String,
    /// The shopper's e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `ShippingDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingDetails {
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// MSISDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
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
    /// The chosen option's `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_method_id: Option<String>,
    /// The chosen option's price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The chosen pickup point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_point: Option<PickupPoint>,
}

/// `PickupPoint`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PickupPoint {
    /// The carrier's id of the point.
    pub id: String,
    /// The point's name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Opening hours, one line each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<Vec<String>>,
}

/// `BillingDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingDetails {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// MSISDN.
    pub phone_number: String,
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

/// `MerchantLogisticsCallbackRequestBody`: what the dynamic-options
/// callback is sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantLogisticsCallbackRequestBody {
    /// Street and number.
    pub street_address: String,
    /// Postal code.
    pub postal_code: String,
    /// City or region.
    pub region: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn swagger_example() -> Value {
        json!({
            "merchantInfo": {
                "callbackUrl": "https://example.com/vipps/payment-callback",
                "returnUrl": "https://example.com/vipps/fallback",
                "callbackAuthorizationToken": "c172ad8d-9499-41d4-b8ff-c689be6455e9",
                "termsAndConditionsUrl": "https://example.com/vipps/terms-and-conditions"
            },
            "transaction": {
                "amount": {"value": 2000, "currency": "NOK"},
                "reference": "store-order-123",
                "paymentDescription": "One pair of socks",
                "orderSummary": {
                    "orderLines": [{"name": "socks", "id": "1", "totalAmount": 2000,
                                    "totalAmountExcludingTax": 1600, "totalTaxAmount": 400,
                                    "taxPercentage": 25}],
                    "orderBottomLine": {"currency": "NOK"}
                }
            },
            "logistics": {
                "dynamicOptionsCallback": "https://example.com/vipps/dynamiclogisticsoption",
                "fixedOptions": [
                    {"brand": "POSTEN", "amount": {"value": 5000, "currency": "NOK"},
                     "id": "postenservicepakke1", "priority": 1, "isDefault": true,
                     "description": "Your package is delivered to your home."},
                    {"brand": "POSTEN", "amount": {"value": 300, "currency": "NOK"},
                     "type": "PICKUP_POINT", "id": "postenservicepakke2", "priority": 2,
                     "isDefault": false, "description": "Pick up your package at the local store."},
                    {"brand": "OTHER", "title": "Bike courier", "id": "bike", "priority": 3,
                     "isDefault": false, "amount": {"value": 9900, "currency": "NOK"}, "taxRate": 2500},
                    {"brand": "PORTERBUDDY", "id": "pb", "priority": 4, "isDefault": false}
                ],
                "integrations": {
                    "porterbuddy": {"publicToken": "t", "apiKey": "k", "origin": {
                        "name": "Shop", "email": "shop@example.com", "phoneNumber": "4791234567",
                        "address": {"streetAddress": "Robert Levins gate 5", "postalCode": "0150",
                                    "city": "Oslo", "country": "NO"}}},
                    "helthjem": {"username": "u", "password": "p", "shopId": 7}
                }
            },
            "prefillCustomer": {
                "firstName": "Ola", "lastName": "Nordmann", "email": "ola.nordmann@vipps.no",
                "phoneNumber": "+4748644347", "streetAddress": "Robert Levins gate 5",
                "city": "Oslo", "postalCode": "0150", "country": "NO"
            },
            "configuration": {
                "customerInteraction": "CUSTOMER_NOT_PRESENT",
                "elements": "Full",
                "countries": {"supported": ["NO", "SE", "DK"]},
                "userFlow": "WEB_REDIRECT",
                "requireUserInfo": false,
                "customConsent": {"text": "I accept [terms](https://example.com/t)", "required": true},
                "showOrderSummary": true,
                "externalPaymentMethods": [{"paymentMethod": "Klarna",
                                            "redirectUrl": "https://example.com/klarna"}]
            },
            "type": "PAYMENT"
        })
    }

    #[test]
    fn a_full_session_request_round_trips() {
        let req: InitiateSessionRequest = serde_json::from_value(swagger_example()).unwrap();
        let options = req
            .logistics
            .as_ref()
            .unwrap()
            .fixed_options
            .as_ref()
            .unwrap();
        assert!(
            matches!(&options[1], LogisticsOption::Posten(o) if o.kind.as_deref() == Some("PICKUP_POINT"))
        );
        assert!(
            matches!(&options[2], LogisticsOption::Other(o) if o.title.as_deref() == Some("Bike courier"))
        );
        assert_eq!(serde_json::to_value(&req).unwrap(), swagger_example());
    }

    #[test]
    fn every_brand_is_read_and_written_under_its_spec_name() {
        for brand in [
            "POSTEN",
            "POSTNORD",
            "PORTERBUDDY",
            "HELTHJEM",
            "POSTI",
            "GLS",
            "DAO",
            "OTHER",
        ] {
            let v = json!({"brand": brand, "id": "x", "priority": 0, "isDefault": true});
            let option: LogisticsOption = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(option).unwrap(), v);
        }
        let unknown = json!({"brand": "UPS", "id": "x"});
        assert!(serde_json::from_value::<LogisticsOption>(unknown).is_err());
        assert!(serde_json::from_value::<LogisticsOption>(json!({"id": "x"})).is_err());
    }

    #[test]
    fn an_empty_request_reads_so_validation_can_name_what_is_missing() {
        let req: InitiateSessionRequest = serde_json::from_value(json!({})).unwrap();
        assert_eq!(req, InitiateSessionRequest::default());
        assert_eq!(serde_json::to_value(&req).unwrap(), json!({}));
    }

    #[test]
    fn a_session_response_uses_the_spec_enums() {
        let response = SessionResponse {
            session_id: "v52EtjZriRmGiKiAKHByK2".into(),
            merchant_serial_number: Some("123456".into()),
            reference: "store-order-123".into(),
            session_state: ExternalSessionState::PaymentSuccessful,
            payment_method: Some(PaymentMethod::Wallet),
            payment_details: Some(ResponsePaymentDetails {
                amount: Amount {
                    currency: "NOK".into(),
                    value: 7000,
                },
                state: PaymentState::Authorized,
                aggregate: Some(TransactionAggregate {
                    authorized_amount: Some(Amount {
                        currency: "NOK".into(),
                        value: 7000,
                    }),
                    ..TransactionAggregate::default()
                }),
            }),
            user_info: Some(UserInfo {
                sub: "s".into(),
                email: None,
            }),
            shipping_details: Some(ShippingDetails {
                shipping_method_id: Some("postenservicepakke2".into()),
                pickup_point: Some(PickupPoint {
                    id: "1".into(),
                    name: "Extra Eiganes".into(),
                    address: "Vitaminveien 7".into(),
                    postal_code: "0485".into(),
                    city: "Oslo".into(),
                    country: "NO".into(),
                    opening_hours: None,
                }),
                ..ShippingDetails::default()
            }),
            billing_details: None,
            custom_consent_provided: Some(true),
        };
        let v = serde_json::to_value(&response).unwrap();
        assert_eq!(v["sessionState"], "PaymentSuccessful");
        assert_eq!(v["paymentMethod"], "Wallet");
        assert_eq!(v["paymentDetails"]["state"], "AUTHORIZED");
        assert_eq!(
            v["paymentDetails"]["aggregate"],
            json!({"authorizedAmount": {"currency": "NOK", "value": 7000}})
        );
        assert_eq!(v["shippingDetails"]["pickupPoint"]["postalCode"], "0485");
        assert!(v.get("billingDetails").is_none());
        let back: SessionResponse = serde_json::from_value(v).unwrap();
        assert_eq!(back, response);
    }
}
