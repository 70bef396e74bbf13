//! Receipts: the Order Management `Receipt` that ePayment's `receipt`,
//! Checkout's `orderSummary` and Order Management's own endpoint all carry
//! (https://developer.vippsmobilepay.com/docs/APIs/order-management-api/,
//! docs/compatibility.md). A [`NewReceipt`] is checked against every rule at
//! once and becomes a [`Receipt`], or a list of [`FieldError`]s naming each
//! field by its path in the request, so each API renders them its own way.
//! Sums and VAT totals are computed from the lines; returns count negative.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::money::Currency;

/// One invalid field: its path in the request and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `receipt.orderLines[2].taxRate`.
    pub field: String,
    /// Why it was refused, a sentence for the merchant.
    pub reason: String,
}

impl FieldError {
    /// An error at `field` saying `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Errors grouped by field in the order met, as Checkout's
/// `errors {field: [messages]}` wants them.
pub fn group(errors: &[FieldError]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in errors {
        map.entry(e.field.clone())
            .or_default()
            .push(e.reason.clone());
    }
    map
}

/// Where a receipt sits in a request, so errors name fields as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptPath {
    /// Put before `orderLines` and the bottom line, e.g. `receipt.`.
    pub prefix: &'static str,
    /// The bottom line's name: `bottomLine`, or Checkout's `orderBottomLine`.
    pub bottom_line: &'static str,
}

impl ReceiptPath {
    /// ePayment create's `receipt`.
    pub const EPAYMENT: ReceiptPath = ReceiptPath {
        prefix: "receipt.",
        bottom_line: "bottomLine",
    };
    /// Checkout's `transaction.orderSummary`.
    pub const CHECKOUT: ReceiptPath = ReceiptPath {
        prefix: "transaction.orderSummary.",
        bottom_line: "orderBottomLine",
    };
    /// Order Management's request body.
    pub const ORDER_MANAGEMENT: ReceiptPath = ReceiptPath {
        prefix: "",
        bottom_line: "bottomLine",
    };

    fn lines(&self) -> String {
        format!("{}orderLines", self.prefix)
    }

    fn line(&self, i: usize, field: &str) -> String {
        format!("{}orderLines[{i}].{field}", self.prefix)
    }

    fn bottom(&self, field: &str) -> String {
        match field {
            "" => format!("{}{}", self.prefix, self.bottom_line),
            f => format!("{}{}.{f}", self.prefix, self.bottom_line),
        }
    }
}

/// A receipt as sent, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewReceipt {
    /// The order lines; `None` when absent.
    pub order_lines: Option<Vec<NewOrderLine>>,
    /// The bottom line (Checkout: `orderBottomLine`).
    pub bottom_line: Option<NewBottomLine>,
}

/// An order line as sent (fields as the spec's `OrderLine`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOrderLine {
    pub name: Option<String>,
    pub id: Option<String>,
    pub total_amount: Option<i64>,
    pub total_amount_excluding_tax: Option<i64>,
    pub total_tax_amount: Option<i64>,
    pub tax_percentage: Option<i64>,
    pub tax_rate: Option<i64>,
    pub unit_info: Option<NewUnitInfo>,
    pub discount: Option<i64>,
    pub product_url: Option<String>,
    pub is_return: Option<bool>,
    pub is_shipping: Option<bool>,
}

/// `unitInfo` as sent (`unitPrice`, `quantity`, `quantityUnit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewUnitInfo {
    pub unit_price: Option<i64>,
    pub quantity: Option<String>,
    pub quantity_unit: Option<String>,
}

/// A bottom line as sent (fields as the spec's `BottomLine`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewBottomLine {
    pub currency: Option<String>,
    pub tip_amount: Option<i64>,
    pub pos_id: Option<String>,
    pub payment_sources: Option<PaymentSources>,
    pub barcode: Option<NewBarcode>,
    pub receipt_number: Option<String>,
    /// The deprecated fields, kept as sent and never used in sums.
    pub deprecated: DeprecatedTotals,
}

/// `barcode` as sent (`format`, `data`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewBarcode {
    pub format: Option<String>,
    pub data: Option<String>,
}

/// How much each source paid (`giftCard`, `card`, `voucher`, `cash`; each ≥ 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSources {
    pub gift_card: Option<i64>,
    pub card: Option<i64>,
    pub voucher: Option<i64>,
    pub cash: Option<i64>,
}

/// The bottom line's deprecated fields: echoed, not checked, not summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeprecatedTotals {
    pub gift_card_amount: Option<i64>,
    pub terminal_id: Option<String>,
    pub total_amount: Option<i64>,
    pub total_tax: Option<i64>,
    pub total_discount: Option<i64>,
    pub shipping_amount: Option<i64>,
    pub shipping_info: Option<ShippingInfo>,
}

/// The deprecated `shippingInfo`, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingInfo {
    pub amount: Option<i64>,
    pub amount_excluding_tax: Option<i64>,
    pub tax_amount: Option<i64>,
    pub tax_percentage: Option<i64>,
}

/// `quantityUnit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuantityUnit {
    Pcs,
    Kg,
    Km,
    Minute,
    Litre,
    Kwh,
}

impl QuantityUnit {
    /// The unit from its spec name.
    pub fn parse(s: &str) -> Option<QuantityUnit> {
        Some(match s {
            "PCS" => QuantityUnit::Pcs,
            "KG" => QuantityUnit::Kg,
            "KM" => QuantityUnit::Km,
            "MINUTE" => QuantityUnit::Minute,
            "LITRE" => QuantityUnit::Litre,
            "KWH" => QuantityUnit::Kwh,
            _ => return None,
        })
    }

    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuantityUnit::Pcs => "PCS",
            QuantityUnit::Kg => "KG",
            QuantityUnit::Km => "KM",
            QuantityUnit::Minute => "MINUTE",
            QuantityUnit::Litre => "LITRE",
            QuantityUnit::Kwh => "KWH",
        }
    }
}

/// `barcode.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BarcodeFormat {
    Ean13,
    Code39,
    Code128,
}

impl BarcodeFormat {
    /// The format from its spec name.
    pub fn parse(s: &str) -> Option<BarcodeFormat> {
        Some(match s {
            "EAN-13" => BarcodeFormat::Ean13,
            "CODE 39" => BarcodeFormat::Code39,
            "CODE 128" => BarcodeFormat::Code128,
            _ => return None,
        })
    }

    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            BarcodeFormat::Ean13 => "EAN-13",
            BarcodeFormat::Code39 => "CODE 39",
            BarcodeFormat::Code128 => "CODE 128",
        }
    }

    /// Why `data` cannot be written in this symbology, if it cannot: EAN-13
    /// takes up to 13 digits (the spec's own example has six), Code 39 its
    /// 43 characters, Code 128 printable ASCII.
    fn refuses(self, data: &str) -> Option<&'static str> {
        match self {
            BarcodeFormat::Ean13
                if data.len() > 13 || !data.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Some("EAN-13 data must be at most 13 digits")
            }
            BarcodeFormat::Code39
                if !data.bytes().all(|b| {
                    b.is_ascii_uppercase() || b.is_ascii_digit() || b" -.$/+%".contains(&b)
                }) =>
            {
                Some("CODE 39 data may hold only A-Z, 0-9, space and - . $ / + %")
            }
            BarcodeFormat::Code128 if !data.bytes().all(|b| (0x20..0x7f).contains(&b)) => {
                Some("CODE 128 data may hold only printable ASCII characters")
            }
            _ => None,
        }
    }
}

/// A validated receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// At least one line.
    pub order_lines: Vec<OrderLine>,
    pub bottom_line: BottomLine,
}

/// A validated order line; amounts in minor units, all ≥ 0 as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub name: String,
    pub id: String,
    /// Including tax, after discount; equals excluding tax + tax.
    pub total_amount: i64,
    pub total_amount_excluding_tax: i64,
    pub total_tax_amount: i64,
    /// The line's VAT in hundredths of a percent, from `taxRate` or else
    /// `taxPercentage` × 100.
    pub tax_rate: i64,
    /// `taxRate` as sent, for echoing.
    pub sent_tax_rate: Option<i64>,
    /// `taxPercentage` as sent, for echoing.
    pub sent_tax_percentage: Option<i64>,
    pub unit_info: Option<UnitInfo>,
    pub discount: Option<i64>,
    pub product_url: Option<String>,
    /// Counts negative in every sum.
    pub is_return: bool,
    /// Shown and summed as shipping.
    pub is_shipping: bool,
}

/// Validated `unitInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    pub unit_price: i64,
    /// A decimal string such as `"0.822"`, at most 10 characters.
    pub quantity: String,
    /// `PCS` when not sent.
    pub quantity_unit: QuantityUnit,
}

/// A validated bottom line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BottomLine {
    pub currency: Currency,
    pub tip_amount: Option<i64>,
    pub pos_id: Option<String>,
    pub payment_sources: Option<PaymentSources>,
    pub barcode: Option<Barcode>,
    pub receipt_number: Option<String>,
    pub deprecated: DeprecatedTotals,
}

/// A validated barcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Barcode {
    pub format: BarcodeFormat,
    pub data: String,
}

/// The sums of a receipt, returns counted negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Sum of `totalAmount`.
    pub total: i64,
    /// Sum of `totalAmountExcludingTax`.
    pub total_excluding_tax: i64,
    /// Sum of `totalTaxAmount`.
    pub total_tax: i64,
    /// Sum of `discount`.
    pub total_discount: i64,
    /// Sum of `totalAmount` of the shipping lines (included in `total`).
    pub shipping: i64,
    /// The bottom line's tip (not included in `total`).
    pub tip: i64,
}

/// The VAT of all lines with one tax rate, returns counted negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VatTotal {
    /// Hundredths of a percent.
    pub tax_rate: i64,
    pub total_excluding_tax: i64,
    pub total_tax: i64,
    pub total: i64,
}

impl OrderLine {
    /// +1, or −1 for a return.
    pub fn sign(&self) -> i64 {
        if self.is_return {
            -1
        } else {
            1
        }
    }

    /// A shipping line for `total` minor units with VAT `tax_rate` included:
    /// the tax is `total × rate / (10000 + rate)` rounded, which passes the
    /// line's own VAT check.
    pub fn shipping(id: &str, name: &str, total: i64, tax_rate: i64) -> OrderLine {
        let divisor = 10_000 + tax_rate as i128;
        let p = total as i128 * tax_rate as i128;
        let tax = ((2 * p + divisor) / (2 * divisor)) as i64;
        OrderLine {
            name: name.to_owned(),
            id: id.to_owned(),
            total_amount: total,
            total_amount_excluding_tax: total - tax,
            total_tax_amount: tax,
            tax_rate,
            sent_tax_rate: Some(tax_rate),
            sent_tax_percentage: None,
            unit_info: None,
            discount: None,
            product_url: None,
            is_return: false,
            is_shipping: true,
        }
    }
}

impl Receipt {
    /// The receipt's currency.
    pub fn currency(&self) -> Currency {
        self.bottom_line.currency
    }

    /// An error at the bottom line's currency unless it is `expected`
    /// (the payment's currency).
    pub fn expect_currency(&self, expected: Currency, at: &ReceiptPath) -> Option<FieldError> {
        (self.currency() != expected).then(|| {
            FieldError::new(
                at.bottom("currency"),
                format!(
                    "currency {} differs from the payment's {}",
                    self.currency().as_str(),
                    expected.as_str()
                ),
            )
        })
    }

    /// The sums over all lines, returns negative.
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            tip: self.bottom_line.tip_amount.unwrap_or(0),
            ..Totals::default()
        };
        for l in &self.order_lines {
            let s = l.sign();
            t.total = t.total.saturating_add(s * l.total_amount);
            t.total_excluding_tax = t
                .total_excluding_tax
                .saturating_add(s * l.total_amount_excluding_tax);
            t.total_tax = t.total_tax.saturating_add(s * l.total_tax_amount);
            t.total_discount = t.total_discount.saturating_add(s * l.discount.unwrap_or(0));
            if l.is_shipping {
                t.shipping = t.shipping.saturating_add(s * l.total_amount);
            }
        }
        t
    }

    /// VAT totals per tax rate, lowest rate first.
    pub fn vat(&self) -> Vec<VatTotal> {
        let mut by_rate: BTreeMap<i64, VatTotal> = BTreeMap::new();
        for l in &self.order_lines {
            let s = l.sign();
            let v = by_rate.entry(l.tax_rate).or_insert(VatTotal {
                tax_rate: l.tax_rate,
                total_excluding_tax: 0,
                total_tax: 0,
                total: 0,
            });
            v.total_excluding_tax = v
                .total_excluding_tax
                .saturating_add(s * l.total_amount_excluding_tax);
            v.total_tax = v.total_tax.saturating_add(s * l.total_tax_amount);
            v.total = v.total.saturating_add(s * l.total_amount);
        }
        by_rate.into_values().collect()
    }

    /// The lines marked `isShipping`.
    pub fn shipping_lines(&self) -> impl Iterator<Item = &OrderLine> {
        self.order_lines.iter().filter(|l| l.is_shipping)
    }

    /// The receipt with `line` appended.
    pub fn with_line(mut self, line: OrderLine) -> Receipt {
        self.order_lines.push(line);
        self
    }
}

mod validate;

#[cfg(test)]
mod tests;
#[cfg(test)]
use validate::tax_of;
