//! Express checkout (docs/compatibility.md#ecom-v2-express-checkout): the shipping options a merchant
//! offers, which one the payer ends up with, and the profile data the
//! sandbox's payers share. Shipping costs arrive as decimal NOK and are kept
//! as øre so amounts stay integers (docs/compatibility.md#ecom-v2-express-checkout).

use serde::{Deserialize, Serialize};

use crate::payer;

/// One shipping option as the merchant offered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOption {
    pub is_default: bool,
    pub priority: i64,
    pub cost_ore: i64,
    pub method: String,
    pub method_id: String,
}

/// A payer's address as `/details` shows it (`postCode`; callbacks say `zipCode`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub country: String,
    pub post_code: String,
}

/// The address and shipping option the payer approved with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingChoice {
    pub address: Address,
    pub cost_ore: i64,
    pub method: String,
    pub method_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetails {
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// 8 digits, no country code.
    pub mobile_number: String,
}

/// NOK as a decimal (`49.9`) to øre; `None` for negative or non-finite.
pub fn cost_to_ore(nok: f64) -> Option<i64> {
    (0.0..1e9)
        .contains(&nok)
        .then(|| (nok * 100.0).round() as i64)
}

/// The rules both a merchant's answer and `staticShippingDetails` obey.
pub fn validate_options(options: &[ShippingOption]) -> Result<(), String> {
    if options.is_empty() {
        return Err("No shipping methods found".into());
    }
    for o in options {
        if o.method.chars().count() > 256 || o.method_id.chars().count() > 100 {
            return Err(format!(
                "shipping method '{}' is too long (shippingMethod ≤256, shippingMethodId ≤100)",
                o.method_id
            ));
        }
    }
    Ok(())
}

/// The option the payer approves with: the one asked for, else the
/// merchant's default, else the first by priority.
pub fn choose_shipping<'a>(
    options: &'a [ShippingOption],
    wanted: Option<&str>,
) -> Result<&'a ShippingOption, String> {
    validate_options(options)?;
    let mut sorted: Vec<&ShippingOption> = options.iter().collect();
    sorted.sort_by_key(|o| o.priority);
    match wanted {
        Some(id) => sorted
            .into_iter()
            .find(|o| o.method_id == id)
            .ok_or_else(|| format!("No shipping method with id '{id}'")),
        None => Ok(sorted
            .iter()
            .find(|o| o.is_default)
            .copied()
            .unwrap_or(sorted[0])),
    }
}

/// Every sandbox payer lives at the same test address unless the payer
/// pages let them type another.
pub fn default_address() -> Address {
    Address {
        address_line1: "Robert Levins gate 5".into(),
        address_line2: String::new(),
        city: "Oslo".into(),
        country: "NO".into(),
        post_code: "0154".into(),
    }
}

/// The profile a payer (an MSISDN) shares. The `userId` carries `=` so a
/// merchant's consent-removal endpoint is exercised with URL encoding.
pub fn user_details(phone: &str) -> UserDetails {
    let who = payer::payer(phone);
    let name = if who.phone.is_empty() {
        "Test Payer"
    } else {
        who.name
    };
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    let mobile = phone.strip_prefix("47").unwrap_or(phone).to_owned();
    UserDetails {
        user_id: format!("{}==", payer::subject(phone).replace('-', "")),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: format!("user{mobile}@example.com"),
        mobile_number: mobile,
    }
}

/// How long an express payer's personal data is shown (docs/compatibility.md#ecom-v2-personal-data-expiry).
pub const USER_DATA_LIFETIME: crate::Millis = 7 * crate::DAY;

/// What `/details` shows instead of personal data past its lifetime.
pub const EXPIRED: &str = "[Expired]";

impl super::Payment {
    /// A copy whose personal values read "[Expired]" once the data's seven
    /// days after the reservation are over; the payment itself keeps them.
    pub fn as_shown(&self, now: crate::Millis) -> std::borrow::Cow<'_, super::Payment> {
        let expired = self
            .reserved_at
            .is_some_and(|at| now - at > USER_DATA_LIFETIME);
        if !expired || (self.user.is_none() && self.shipping.is_none()) {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut p = self.clone();
        if let Some(s) = &mut p.shipping {
            let a = &mut s.address;
            for v in [
                &mut a.address_line1,
                &mut a.address_line2,
                &mut a.city,
                &mut a.country,
                &mut a.post_code,
            ] {
                *v = EXPIRED.to_owned();
            }
        }
        if let Some(u) = &mut p.user {
            for v in [
                &mut u.first_name,
                &mut u.last_name,
                &mut u.email,
                &mut u.mobile_number,
            ] {
                *v = EXPIRED.to_owned();
            }
        }
        std::borrow::Cow::Owned(p)
    }
}

impl super::Payment {
    /// The shipping options the payer chooses from, once known: the static
    /// ones, or those the merchant gave for this payment.
    pub fn shipping_options(&self) -> Option<&[ShippingOption]> {
        self.static_shipping
            .as_deref()
            .or(self.offered_shipping.as_deref())
    }

    /// Keeps the options the merchant answered with, so the payer's choice
    /// and the reservation use the same list. No log entry, no callback.
    pub fn offer_shipping(
        &self,
        options: Vec<ShippingOption>,
        now: crate::Millis,
    ) -> Result<super::Transition, super::EcomError> {
        self.require_open(now)?;
        let mut next = self.clone();
        next.offered_shipping = Some(options);
        Ok(super::Transition {
            payment: next,
            notices: Vec::new(),
        })
    }
}
