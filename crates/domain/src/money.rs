//! Amounts in integer minor units with their currency (docs/compatibility.md#identifiers-amounts-and-phone-numbers).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Nok,
    Dkk,
    Eur,
}

impl Currency {
    pub fn parse(s: &str) -> Option<Currency> {
        match s {
            "NOK" => Some(Currency::Nok),
            "DKK" => Some(Currency::Dkk),
            "EUR" => Some(Currency::Eur),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Nok => "NOK",
            Currency::Dkk => "DKK",
            Currency::Eur => "EUR",
        }
    }

    /// Smallest amount an ePayment payment may be created for: 1 NOK is 100 øre,
    /// while DKK and EUR payments may be as small as one minor unit.
    pub fn epayment_minimum(self) -> i64 {
        match self {
            Currency::Nok => 100,
            Currency::Dkk | Currency::Eur => 1,
        }
    }
}

/// Upper bound of any single ePayment amount, in minor units.
pub const EPAYMENT_MAXIMUM: i64 = 65_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub value: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(value: i64, currency: Currency) -> Money {
        Money { value, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { value: 0, currency }
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.value < 0 { "-" } else { "" };
        let v = self.value.unsigned_abs();
        write!(
            f,
            "{sign}{}.{:02} {}",
            v / 100,
            v % 100,
            self.currency.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_minor_units_as_decimal() {
        assert_eq!(Money::new(49_900, Currency::Nok).to_string(), "499.00 NOK");
        assert_eq!(Money::new(5, Currency::Eur).to_string(), "0.05 EUR");
    }

    #[test]
    fn minimums_follow_the_currency() {
        assert_eq!(Currency::Nok.epayment_minimum(), 100);
        assert_eq!(Currency::Dkk.epayment_minimum(), 1);
        assert_eq!(Currency::parse("SEK"), None);
    }
}
