//! The sandbox's simulated payers. The real test environment documents no test
//! phone numbers, so the sandbox seeds its own: each number has a fixed
//! outcome when it approves a payment. Any other valid number behaves as an
//! ordinary payer whose card is accepted, so integrators may use their own.

/// What happens when this payer presses "Approve".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approves,
    /// The card is declined; the payment stays open so the payer can reject it.
    Declines(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestPayer {
    pub phone: &'static str,
    pub name: &'static str,
    pub card_bin: &'static str,
    pub outcome: Outcome,
}

/// Used when a force approve names no customer and the payment has none.
pub const DEFAULT_PHONE: &str = "4712345678";

pub const TEST_PAYERS: &[TestPayer] = &[
    TestPayer {
        phone: "4712345678",
        name: "Ola Nordmann",
        card_bin: "492500",
        outcome: Outcome::Approves,
    },
    TestPayer {
        phone: "4798765432",
        name: "Kari Nordmann",
        card_bin: "540185",
        outcome: Outcome::Approves,
    },
    TestPayer {
        phone: "4700000001",
        name: "Insufficient Funds",
        card_bin: "492500",
        outcome: Outcome::Declines("Insufficient funds"),
    },
    TestPayer {
        phone: "4700000002",
        name: "Expired Card",
        card_bin: "540185",
        outcome: Outcome::Declines("Expired card"),
    },
    TestPayer {
        phone: "4700000003",
        name: "Refused By Issuer",
        card_bin: "492500",
        outcome: Outcome::Declines("Refused by issuer"),
    },
];

/// The payer behind a phone number (an MSISDN).
pub fn payer(phone: &str) -> TestPayer {
    TEST_PAYERS
        .iter()
        .find(|p| p.phone == phone)
        .copied()
        .unwrap_or(TestPayer {
            phone: "",
            name: "Test Payer",
            card_bin: "492500",
            outcome: Outcome::Approves,
        })
}

/// A stable per-payer subject id, as the Userinfo API's `sub` would be.
pub fn subject(phone: &str) -> String {
    // Deterministic so tests and integrators see the same sub for the same phone.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in phone.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_numbers_have_their_outcomes() {
        assert_eq!(payer("4712345678").outcome, Outcome::Approves);
        assert_eq!(
            payer("4700000001").outcome,
            Outcome::Declines("Insufficient funds")
        );
        assert_eq!(payer("4799999999").outcome, Outcome::Approves);
    }

    #[test]
    fn subjects_are_stable_and_distinct() {
        assert_eq!(subject("4712345678"), subject("4712345678"));
        assert_ne!(subject("4712345678"), subject("4798765432"));
        assert_eq!(subject("4712345678").len(), 36);
    }
}
