//! The receipt rules: every field of a [`NewReceipt`] checked, each broken
//! rule reported under the field's path, all of them at once.

use super::{
    Barcode, BarcodeFormat, BottomLine, FieldError, NewBarcode, NewBottomLine, NewOrderLine,
    NewReceipt, NewUnitInfo, OrderLine, QuantityUnit, Receipt, ReceiptPath, UnitInfo,
};
use crate::{money::Currency, urls};

const NAME_MAX: usize = 2048;
const ID_MAX: usize = 255;
const TAX_RATE_MAX: i64 = 10_000;

fn chars_within(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.chars().count())
}

/// `^\d+(\.\d{1,8})?$`, at most 10 characters.
fn is_quantity(s: &str) -> bool {
    let (whole, fraction) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    s.len() <= 10 && digits(whole) && fraction.is_none_or(|f| digits(f) && f.len() <= 8)
}

/// `round(amount × rate / 10000)`, half away from zero: the tax a line
/// excluding tax `excluding_tax` should carry.
pub(super) fn tax_of(excluding_tax: i64, rate: i64) -> i64 {
    let p = excluding_tax as i128 * rate as i128;
    ((p + 5_000 * p.signum()) / 10_000) as i64
}

struct Check<'a> {
    at: &'a ReceiptPath,
    errors: Vec<FieldError>,
}

impl Check<'_> {
    fn line(&mut self, i: usize, field: &str, reason: impl Into<String>) {
        self.errors
            .push(FieldError::new(self.at.line(i, field), reason));
    }

    fn bottom(&mut self, field: &str, reason: impl Into<String>) {
        self.errors
            .push(FieldError::new(self.at.bottom(field), reason));
    }

    /// A required, non-negative amount of line `i`.
    fn amount(&mut self, i: usize, field: &str, v: Option<i64>) -> Option<i64> {
        match v {
            None => self.line(i, field, format!("{field} is required")),
            Some(v) if v < 0 => self.line(i, field, format!("{field} must not be negative")),
            Some(v) => return Some(v),
        }
        None
    }

    fn text(&mut self, i: usize, field: &str, v: Option<String>, max: usize) -> Option<String> {
        match v {
            None => self.line(i, field, format!("{field} is required")),
            Some(s) if !chars_within(&s, max) => {
                self.line(i, field, format!("{field} must be 1-{max} characters"))
            }
            Some(s) => return Some(s),
        }
        None
    }

    fn tax_rate(&mut self, i: usize, rate: Option<i64>, pct: Option<i64>) -> Option<i64> {
        let rate_ok = rate.filter(|r| (0..=TAX_RATE_MAX).contains(r));
        let pct_ok = pct.filter(|p| (0..=100).contains(p));
        if rate.is_some() && rate_ok.is_none() {
            self.line(i, "taxRate", "taxRate must be 0-10000 (2500 is 25 %)");
        }
        if pct.is_some() && pct_ok.is_none() {
            self.line(i, "taxPercentage", "taxPercentage must be 0-100");
        }
        match (rate, pct, rate_ok, pct_ok) {
            (None, None, ..) => {
                self.line(i, "taxRate", "taxRate or taxPercentage is required");
                None
            }
            (_, _, Some(r), Some(p)) if r != p * 100 => {
                self.line(
                    i,
                    "taxRate",
                    format!("taxRate {r} and taxPercentage {p} disagree: taxRate must be taxPercentage × 100"),
                );
                None
            }
            (Some(_), _, Some(r), _) => Some(r),
            (None, Some(_), _, Some(p)) => Some(p * 100),
            _ => None,
        }
    }

    fn order_line(&mut self, i: usize, l: NewOrderLine) -> Option<OrderLine> {
        let before = self.errors.len();
        let name = self.text(i, "name", l.name, NAME_MAX);
        let id = self.text(i, "id", l.id, ID_MAX);
        let total = self.amount(i, "totalAmount", l.total_amount);
        let excl = self.amount(i, "totalAmountExcludingTax", l.total_amount_excluding_tax);
        let tax = self.amount(i, "totalTaxAmount", l.total_tax_amount);
        let rate = self.tax_rate(i, l.tax_rate, l.tax_percentage);
        if let (Some(total), Some(excl), Some(tax)) = (total, excl, tax) {
            if excl.checked_add(tax) != Some(total) {
                self.line(
                    i,
                    "totalAmount",
                    format!("totalAmount must equal totalAmountExcludingTax + totalTaxAmount ({excl} + {tax}), not {total}"),
                );
            }
            if let Some(rate) = rate {
                let off = tax as i128 * 10_000 - excl as i128 * rate as i128;
                if off.abs() > 10_000 {
                    self.line(
                        i,
                        "totalTaxAmount",
                        format!(
                            "totalTaxAmount must be totalAmountExcludingTax × {}.{:02} %, within one minor unit ({}), not {tax}",
                            rate / 100,
                            rate % 100,
                            tax_of(excl, rate)
                        ),
                    );
                }
            }
        }
        let unit_info = l.unit_info.and_then(|u| self.unit_info(i, u));
        if l.discount.is_some_and(|d| d < 0) {
            self.line(i, "discount", "discount must not be negative");
        }
        if let Some(url) = &l.product_url {
            if urls::parse_target(url).is_none() {
                self.line(
                    i,
                    "productUrl",
                    "productUrl must be an absolute http or https URL",
                );
            }
        }
        if self.errors.len() > before {
            return None;
        }
        Some(OrderLine {
            name: name?,
            id: id?,
            total_amount: total?,
            total_amount_excluding_tax: excl?,
            total_tax_amount: tax?,
            tax_rate: rate?,
            sent_tax_rate: l.tax_rate,
            sent_tax_percentage: l.tax_percentage,
            unit_info,
            discount: l.discount,
            product_url: l.product_url,
            is_return: l.is_return.unwrap_or(false),
            is_shipping: l.is_shipping.unwrap_or(false),
        })
    }

    fn unit_info(&mut self, i: usize, u: NewUnitInfo) -> Option<UnitInfo> {
        let before = self.errors.len();
        match u.unit_price {
            None => self.line(i, "unitInfo.unitPrice", "unitPrice is required in unitInfo"),
            Some(p) if p < 0 => {
                self.line(i, "unitInfo.unitPrice", "unitPrice must not be negative")
            }
            Some(_) => {}
        }
        match &u.quantity {
            None => self.line(i, "unitInfo.quantity", "quantity is required in unitInfo"),
            Some(q) if !is_quantity(q) => self.line(
                i,
                "unitInfo.quantity",
                "quantity must be a number like \"2\" or \"0.822\" (up to 8 decimals), at most 10 characters",
            ),
            Some(_) => {}
        }
        let unit = match u.quantity_unit.as_deref() {
            None => Some(QuantityUnit::Pcs),
            Some(s) => QuantityUnit::parse(s),
        };
        if unit.is_none() {
            self.line(
                i,
                "unitInfo.quantityUnit",
                "quantityUnit must be one of PCS, KG, KM, MINUTE, LITRE, KWH",
            );
        }
        (self.errors.len() == before).then(|| UnitInfo {
            unit_price: u.unit_price.unwrap_or_default(),
            quantity: u.quantity.unwrap_or_default(),
            quantity_unit: unit.unwrap_or(QuantityUnit::Pcs),
        })
    }

    fn bottom_line(&mut self, b: Option<NewBottomLine>) -> Option<BottomLine> {
        let Some(b) = b else {
            self.bottom("", format!("{} is required", self.at.bottom_line));
            return None;
        };
        let before = self.errors.len();
        let currency = match b.currency.as_deref() {
            None => {
                self.bottom("currency", "currency is required");
                None
            }
            Some(c) => {
                let parsed = Currency::parse(c);
                if parsed.is_none() {
                    self.bottom(
                        "currency",
                        format!("currency '{c}' is not one of NOK, DKK, EUR"),
                    );
                }
                parsed
            }
        };
        if b.tip_amount.is_some_and(|t| t < 0) {
            self.bottom("tipAmount", "tipAmount must not be negative");
        }
        if let Some(s) = &b.payment_sources {
            for (name, v) in [
                ("giftCard", s.gift_card),
                ("card", s.card),
                ("voucher", s.voucher),
                ("cash", s.cash),
            ] {
                if v.is_some_and(|v| v < 0) {
                    self.bottom(
                        &format!("paymentSources.{name}"),
                        format!("{name} must not be negative"),
                    );
                }
            }
        }
        let barcode = b.barcode.and_then(|bc| self.barcode(bc));
        if self.errors.len() > before {
            return None;
        }
        Some(BottomLine {
            currency: currency?,
            tip_amount: b.tip_amount,
            pos_id: b.pos_id,
            payment_sources: b.payment_sources,
            barcode,
            receipt_number: b.receipt_number,
            deprecated: b.deprecated,
        })
    }

    fn barcode(&mut self, b: NewBarcode) -> Option<Barcode> {
        let format = match b.format.as_deref() {
            None => {
                self.bottom("barcode.format", "format is required in barcode");
                None
            }
            Some(f) => {
                let parsed = BarcodeFormat::parse(f);
                if parsed.is_none() {
                    self.bottom(
                        "barcode.format",
                        "format must be one of EAN-13, CODE 39, CODE 128",
                    );
                }
                parsed
            }
        };
        let data = match b.data {
            None => {
                self.bottom("barcode.data", "data is required in barcode");
                None
            }
            Some(d) if d.is_empty() => {
                self.bottom("barcode.data", "data must not be empty");
                None
            }
            Some(d) => Some(d),
        };
        let (format, data) = (format?, data?);
        if let Some(why) = format.refuses(&data) {
            self.bottom("barcode.data", why);
            return None;
        }
        Some(Barcode { format, data })
    }
}

impl NewReceipt {
    /// Checks every receipt rule and reports each invalid field under `at`.
    pub fn validate(self, at: &ReceiptPath) -> Result<Receipt, Vec<FieldError>> {
        let mut check = Check {
            at,
            errors: Vec::new(),
        };
        let lines = self.order_lines.unwrap_or_default();
        if lines.is_empty() {
            check.errors.push(FieldError::new(
                at.lines(),
                "orderLines must contain at least one order line",
            ));
        }
        let lines: Vec<Option<OrderLine>> = lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| check.order_line(i, l))
            .collect();
        let bottom_line = check.bottom_line(self.bottom_line);
        if !check.errors.is_empty() {
            return Err(check.errors);
        }
        Ok(Receipt {
            order_lines: lines.into_iter().flatten().collect(),
            bottom_line: bottom_line.expect("no errors means a bottom line"),
        })
    }
}
