//! Identifier newtypes that can only be built from valid input.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// A new ePayment `pspReference`: ten digits, never starting with 0.
pub fn new_psp_reference() -> String {
    rand::thread_rng()
        .gen_range(1_000_000_000u64..10_000_000_000)
        .to_string()
}

/// The first transaction id of a new eCom payment: ten digits from 5 to 8…,
/// leaving room above it for the ids of its captures and refunds.
pub fn new_ecom_transaction_base() -> u64 {
    rand::thread_rng().gen_range(5_000_000_000u64..9_000_000_000)
}

/// A merchant serial number: the id of one sales unit, 5 or 6 digits.
///
/// The eCom specification gives `^\d{5,}$` with 5–6 characters ("early MSNs
/// were five digits, new ones are six digits"); ePayment's `MSNType` also
/// allows 4 digits, but no sales unit has such an MSN, and one rule for every
/// API keeps a sandbox merchant usable everywhere
/// (docs/compatibility.md#identifiers-amounts-and-phone-numbers).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Msn(String);

impl Msn {
    pub fn parse(s: &str) -> Option<Msn> {
        let ok = (5..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Msn(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An MSN reads as the digits it is, wherever text is wanted.
impl std::ops::Deref for Msn {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Msn {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl std::fmt::Display for Msn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A merchant's payment reference (ePayment/Checkout) or orderId (eCom).
/// New references are `^[a-zA-Z0-9-]{8,50}$`; in paths 1–50 characters are
/// accepted so eCom orderIds can be addressed too (docs/compatibility.md#identifiers-amounts-and-phone-numbers).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reference(String);

fn reference_charset(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Reference {
    pub fn parse_new(s: &str) -> Option<Reference> {
        ((8..=50).contains(&s.len()) && reference_charset(s)).then(|| Reference(s.to_owned()))
    }

    pub fn parse_path(s: &str) -> Option<Reference> {
        ((1..=50).contains(&s.len()) && reference_charset(s)).then(|| Reference(s.to_owned()))
    }

    /// An eCom orderId, `^[a-zA-Z0-9-]{1,50}$`: the rule of path references,
    /// which accept it for that reason.
    pub fn parse_order_id(s: &str) -> Option<Reference> {
        Reference::parse_path(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ePayment customer phone number: an MSISDN of 10–15 digits with the
/// country code and no `+` (e.g. `4791234567`).
pub fn is_msisdn(s: &str) -> bool {
    (10..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Normalises what a person types on the landing page into an MSISDN:
/// strips spaces, `+` and a `00` prefix, and puts 47 in front of a bare
/// 8-digit Norwegian number.
pub fn normalise_phone(input: &str) -> Option<String> {
    let mut digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if let Some(rest) = digits.strip_prefix('+') {
        digits = rest.to_owned();
    } else if let Some(rest) = digits.strip_prefix("00") {
        digits = rest.to_owned();
    }
    if digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits = format!("47{digits}");
    }
    is_msisdn(&digits).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn msn_is_five_or_six_digits() {
        assert!(Msn::parse("123456").is_some());
        assert!(Msn::parse("12345").is_some());
        assert!(Msn::parse("1234").is_none());
        assert!(Msn::parse("1234567").is_none());
        assert!(Msn::parse("12345a").is_none());
        assert!(Msn::parse("+12345").is_none());
        assert_eq!(Msn::parse("012345").unwrap().as_str(), "012345");
    }

    #[test]
    fn new_references_need_eight_characters_but_paths_accept_one() {
        assert!(Reference::parse_new("order-1").is_none());
        assert!(Reference::parse_new("order-12").is_some());
        assert!(Reference::parse_path("o1").is_some());
        assert!(Reference::parse_order_id("1").is_some());
        assert!(Reference::parse_order_id("").is_none());
        assert!(Reference::parse_order_id(&"a".repeat(51)).is_none());
        assert!(Reference::parse_order_id("order 1").is_none());
        assert_eq!(
            Reference::parse_order_id("acme-shop-123-order123abc")
                .unwrap()
                .into_string(),
            "acme-shop-123-order123abc"
        );
        assert!(Reference::parse_new("order_123").is_none());
        assert!(Reference::parse_new(&"a".repeat(51)).is_none());
    }

    #[test]
    fn phone_numbers_are_normalised() {
        assert_eq!(normalise_phone("91234567").as_deref(), Some("4791234567"));
        assert_eq!(
            normalise_phone("+47 912 34 567").as_deref(),
            Some("4791234567")
        );
        assert_eq!(
            normalise_phone("004791234567").as_deref(),
            Some("4791234567")
        );
        assert_eq!(normalise_phone("1234"), None);
    }

    proptest! {
        /// What the store picks for a merchant created without an MSN
        /// (100000–999999) always passes.
        #[test]
        fn generated_msns_are_valid(n in 100_000u32..1_000_000) {
            prop_assert!(Msn::parse(&n.to_string()).is_some());
        }

        #[test]
        fn parsed_references_round_trip(s in "[a-zA-Z0-9-]{8,50}") {
            let r = Reference::parse_new(&s).unwrap();
            prop_assert_eq!(r.as_str(), s.as_str());
        }

        #[test]
        fn references_with_other_characters_are_refused(s in "[a-z]{4}[^a-zA-Z0-9-][a-z]{4}") {
            prop_assert!(Reference::parse_new(&s).is_none());
        }
    }
}
