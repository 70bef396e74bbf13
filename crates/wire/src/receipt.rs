//! The Order Management receipt (`Receipt`, `OrderLine`, `BottomLine`), as
//! Order Management v2 takes and returns it, as ePayment's `receipt` on
//! create carries it, and — with `orderBottomLine` for `bottomLine` — as
//! Checkout's `orderSummary` does
//! (https://developer.vippsmobilepay.com/docs/APIs/order-management-api/).
//!
//! Fields the specs mark required are `Option` here so a missing one is
//! reported by the domain's validation together with every other invalid
//! field, in each API's own error format; in answers they are always set.

use serde::{Deserialize, Serialize};

/// A receipt: the order lines and the bottom line of one order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// The order lines (at least one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_lines: Option<Vec<OrderLine>>,
    /// What concerns the order as a whole (currency, tip, barcode…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bottom_line: Option<BottomLine>,
}

/// One line of a receipt. Amounts are in minor units.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// The product's name (1–2048 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The product id (1–255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Total of the line including tax and after discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// Total of the line after discount, excluding tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_amount_excluding_tax: Option<i64>,
    /// The tax of the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_tax_amount: Option<i64>,
    /// Deprecated tax in whole percent (0–100); this or `taxRate` is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_percentage: Option<i64>,
    /// Tax in hundredths of a percent (0–10000; 2500 is 25 %).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<i64>,
    /// Quantity and unit price, for display only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_info: Option<UnitInfo>,
    /// Total discount of the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<i64>,
    /// Link back to the product at the merchant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_url: Option<String>,
    /// The line is a return: it counts negative in every sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_return: Option<bool>,
    /// The line is shipping, shown as such in the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_shipping: Option<bool>,
}

/// Quantity information of an order line (cosmetic).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitInfo {
    /// Price per unit including tax, before discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<i64>,
    /// Quantity as a decimal string, e.g. `"2"` or `"0.822"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// `PCS` (default), `KG`, `KM`, `MINUTE`, `LITRE` or `KWH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_unit: Option<String>,
}

/// The bottom line of a receipt (Checkout: `orderBottomLine`). Sums are
/// computed from the lines; the deprecated totals are kept as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BottomLine {
    /// `NOK`, `DKK` or `EUR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Tip for the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_amount: Option<i64>,
    /// Device number of the point of sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pos_id: Option<String>,
    /// How much each source paid, when the payment came from several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_sources: Option<PaymentSources>,
    /// A barcode shown with the receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<Barcode>,
    /// The merchant's receipt number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_number: Option<String>,
    /// Deprecated: amount paid by gift card or coupon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gift_card_amount: Option<i64>,
    /// Deprecated: use `posId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// Deprecated: computed from the lines instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// Deprecated: computed from the lines instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_tax: Option<i64>,
    /// Deprecated: computed from the lines instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_discount: Option<i64>,
    /// Deprecated: use an order line with `isShipping`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_amount: Option<i64>,
    /// Deprecated: use an order line with `isShipping`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_info: Option<ShippingInfo>,
}

/// Amounts paid by each source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSources {
    /// Paid by gift card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gift_card: Option<i64>,
    /// Paid by card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<i64>,
    /// Paid by voucher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher: Option<i64>,
    /// Paid in cash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash: Option<i64>,
}

/// A barcode: its symbology and content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Barcode {
    /// `EAN-13`, `CODE 39` or `CODE 128`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// What the barcode encodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// Deprecated shipping summary of the bottom line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingInfo {
    /// Shipping including tax and discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Shipping excluding tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_excluding_tax: Option<i64>,
    /// Tax on shipping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_amount: Option<i64>,
    /// Tax percentage of shipping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_percentage: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_spec_example_round_trips() {
        let example = json!({
            "orderLines": [{
                "name": "socks", "id": "1234567890",
                "totalAmount": 1000, "totalAmountExcludingTax": 800, "totalTaxAmount": 200,
                "taxPercentage": 25,
                "unitInfo": {"unitPrice": 0, "quantity": "0.822", "quantityUnit": "PCS"},
                "discount": 0, "productUrl": "https://example.com/store/socks",
                "isReturn": false, "isShipping": false
            }],
            "bottomLine": {
                "tipAmount": 0, "currency": "NOK", "posId": "string",
                "paymentSources": {"giftCard": 0, "card": 0, "voucher": 0, "cash": 0},
                "barcode": {"format": "EAN-13", "data": "123456"},
                "receiptNumber": "1234567"
            }
        });
        let receipt: Receipt = serde_json::from_value(example.clone()).unwrap();
        assert_eq!(serde_json::to_value(&receipt).unwrap(), example);
    }

    #[test]
    fn absent_fields_are_left_out_and_deprecated_ones_kept() {
        let body = json!({
            "orderLines": [{"name": "a", "id": "1", "totalAmount": 0,
                            "totalAmountExcludingTax": 0, "totalTaxAmount": 0, "taxRate": 0}],
            "bottomLine": {"currency": "EUR", "totalAmount": 5, "terminalId": "t",
                           "shippingInfo": {"amount": 1, "amountExcludingTax": 1,
                                            "taxAmount": 0, "taxPercentage": 0}}
        });
        let receipt: Receipt = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(serde_json::to_value(&receipt).unwrap(), body);
    }

    #[test]
    fn decimals_and_quantities_as_numbers_are_not_read() {
        let line = |v: serde_json::Value| serde_json::from_value::<OrderLine>(v).is_err();
        assert!(line(json!({"totalAmount": 10.5})));
        assert!(line(json!({"unitInfo": {"quantity": 2}})));
        assert!(!line(json!({"totalAmount": null, "unknown": 1})));
    }
}
