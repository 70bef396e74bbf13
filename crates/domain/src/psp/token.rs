//! The card network tokens the sandbox sends in makePayment, chosen by the
//! payment's amount as the test environment's magic amounts are
//! (https://developer.vippsmobilepay.com/docs/APIs/psp-api/vipps-psp-api/#test-data).

use serde::{Deserialize, Serialize};

/// `networkToken` of a makePayment call, with the card's BIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkToken {
    pub number: String,
    pub cryptogram: String,
    pub expiry_month: String,
    pub expiry_year: String,
    /// `VISA` or `MASTERCARD`.
    pub token_type: String,
    /// `07` for Visa, `06` for Mastercard.
    pub eci: String,
}

impl NetworkToken {
    /// The first six digits: makePayment's `binNumber`.
    pub fn bin(&self) -> &str {
        &self.number[..6]
    }
}

/// The amount that stands for "this card is not eligible".
pub const NOT_ELIGIBLE_AMOUNT: i64 = 3100;

/// The token for a payment of `amount` øre; `None` for the amount whose
/// card is not eligible.
pub fn network_token(amount: i64) -> Option<NetworkToken> {
    let (number, month, year, cryptogram) = match amount {
        NOT_ELIGIBLE_AMOUNT => return None,
        2200 => (
            "5226603115488031",
            "05",
            "2025",
            "AlhlvxmN2ZKuAAESNFZ4GoABFA==",
        ),
        3200 => (
            "4111111111111111",
            "03",
            "2030",
            "uxToh3Ep6gsR8AAkvZALN19Iz34=",
        ),
        4200 => (
            "4895370013193500",
            "03",
            "2030",
            "AlhlvxmN2ZKuAAESNFZ4GoABFA==",
        ),
        4300 => (
            "5226603115488031",
            "03",
            "2030",
            "AlhlvxmN2ZKuAAESNFZ4GoABFA==",
        ),
        4400 => (
            "4895370012792682",
            "12",
            "2022",
            "AgAAAAAAAIR8CQrXSohbQAAAAAA=",
        ),
        5100 => (
            "4268270087302871",
            "09",
            "2024",
            "AgAAAAAAAIR8CQrXSohbQAAAAAA=",
        ),
        5200 => (
            "5413330089010442",
            "12",
            "2025",
            "AgAAAAAAAIR8CQrXSohbQAAAAAA=",
        ),
        _ => (
            "4895370013193500",
            "05",
            "2025",
            "AlhlvxmN2ZKuAAESNFZ4GoABFA==",
        ),
    };
    let mastercard = number.starts_with('5');
    Some(NetworkToken {
        number: number.into(),
        cryptogram: cryptogram.into(),
        expiry_month: month.into(),
        expiry_year: year.into(),
        token_type: if mastercard { "MASTERCARD" } else { "VISA" }.into(),
        eci: if mastercard { "06" } else { "07" }.into(),
    })
}
