//! What the shopper submits on the hosted checkout page, checked against
//! the session: the contact details and address its `elements` ask for, a
//! country among `countries.supported`, one of the offered shipping options
//! (and a pickup point for pickup-point options), the custom consent when
//! required, and a total of at least [`MINIMUM_TOTAL`](super::MINIMUM_TOTAL).

use serde::{Deserialize, Serialize};

use super::{
    logistics::{pickup_points, LogisticsQuery, PickupPoint, ShippingOption},
    payment_total, Session,
};
use crate::{
    ids::normalise_phone,
    money::Money,
    receipt::{FieldError, OrderLine},
};

/// The hosted page's form as submitted (contact and address fields as
/// `shippingDetails` names them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShopperChoice {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// As typed: spaces, `+47` and a bare 8-digit Norwegian number are fine.
    pub phone_number: Option<String>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2, any case.
    pub country: Option<String>,
    /// `id` of the chosen shipping option.
    pub shipping_option_id: Option<String>,
    /// `id` of the chosen pickup point, for pickup-point options.
    pub pickup_point_id: Option<String>,
    /// The custom consent box is checked.
    pub custom_consent: bool,
}

/// What the shopper gave, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shopper {
    /// With `elements` Full or PaymentAndContactInfo.
    pub contact: Option<Contact>,
    /// With `elements` Full.
    pub address: Option<Address>,
    /// When the session has logistics.
    pub shipping: Option<ChosenShipping>,
    /// Whether the consent box was checked, when the session has one.
    pub custom_consent: Option<bool>,
}

/// Contact details (given name, family name, e-mail, MSISDN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// An MSISDN, e.g. `4791234567`.
    pub phone_number: String,
}

/// A postal address (street, postal code, city, country).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street_address: String,
    pub postal_code: String,
    pub city: String,
    /// Upper-case ISO 3166-1 alpha-2.
    pub country: String,
}

impl Address {
    /// The body of the dynamic-options callback for this address.
    pub fn logistics_query(&self) -> LogisticsQuery {
        LogisticsQuery {
            street_address: self.street_address.clone(),
            postal_code: self.postal_code.clone(),
            region: self.city.clone(),
            country: self.country.clone(),
        }
    }
}

/// The chosen shipping option, its price and pickup point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenShipping {
    /// The option as offered.
    pub option: ShippingOption,
    /// What it costs (a PORTERBUDDY option without amount: the sandbox price).
    pub price: Money,
    /// The chosen pickup point, for pickup-point options.
    pub pickup_point: Option<PickupPoint>,
}

impl ChosenShipping {
    /// The receipt line that shipping adds to the order summary.
    pub fn receipt_line(&self) -> OrderLine {
        OrderLine::shipping(
            &self.option.id,
            &self.option.label(),
            self.price.value,
            self.option.tax_rate.unwrap_or(0),
        )
    }
}

/// A plausible e-mail address: one `@`, something before it, a dot in
/// the domain, no spaces, at most 254 characters.
pub(super) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty())
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A postal code as the country writes them: four digits in Norway and
/// Denmark, five in Sweden (`123 45` too) and Finland, else 1–10 letters,
/// digits, spaces and dashes.
fn is_postal_code(code: &str, country: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match country {
        "NO" | "DK" => digits(code, 4),
        "SE" => digits(code, 5) || (code.len() == 6 && digits(&code.replacen(' ', "", 1), 5)),
        "FI" => digits(code, 5),
        _ => {
            (1..=10).contains(&code.len())
                && code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
        }
    }
}

struct Form {
    errors: Vec<FieldError>,
}

impl Form {
    fn text(&mut self, field: &str, v: Option<String>, max: usize) -> Option<String> {
        let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        match v {
            None => self
                .errors
                .push(FieldError::new(field, format!("{field} is required"))),
            Some(s) if s.chars().count() > max => self.errors.push(FieldError::new(
                field,
                format!("{field} must be at most {max} characters"),
            )),
            Some(s) => return Some(s),
        }
        None
    }

    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push(FieldError::new(field, reason));
    }
}

impl Session {
    /// The country pickup points are looked up in: the shopper's, else the
    /// prefilled one, else the first supported, else Norway.
    pub fn pickup_country(&self, address: Option<&Address>) -> String {
        address
            .map(|a| a.country.clone())
            .or_else(|| self.prefill.country.clone())
            .or_else(|| {
                self.config
                    .countries
                    .as_ref()
                    .and_then(|c| c.first().cloned())
            })
            .unwrap_or_else(|| "NO".to_owned())
    }

    /// Checks the shopper's form against the session; `offered` is what the
    /// page showed for the shopper's address (see [`super::logistics::offer`]).
    /// Errors name the form's fields (`email`, `shippingOptionId`…).
    pub fn check_choice(
        &self,
        choice: ShopperChoice,
        offered: &[ShippingOption],
    ) -> Result<Shopper, Vec<FieldError>> {
        let ShopperChoice {
            first_name,
            last_name,
            email,
            phone_number,
            street_address,
            postal_code,
            city,
            country,
            shipping_option_id,
            pickup_point_id,
            custom_consent: consent_given,
        } = choice;
        let mut f = Form { errors: Vec::new() };
        let elements = self.config.elements;
        let contact = elements.asks_contact().then(|| {
            let first_name = f.text("firstName", first_name, 100);
            let last_name = f.text("lastName", last_name, 100);
            let email = f.text("email", email, 254).filter(|m| {
                let ok = is_email(m);
                if !ok {
                    f.fail("email", "email must be an e-mail address like ola@example.com");
                }
                ok
            });
            let phone = f.text("phoneNumber", phone_number, 30).and_then(|p| {
                let msisdn = normalise_phone(&p);
                if msisdn.is_none() {
                    f.fail(
                        "phoneNumber",
                        "phoneNumber must be a mobile number with country code, e.g. +47 912 34 567",
                    );
                }
                msisdn
            });
            Some(Contact {
                first_name: first_name?,
                last_name: last_name?,
                email: email?,
                phone_number: phone?,
            })
        });
        let address = elements.asks_address().then(|| {
            let street = f.text("streetAddress", street_address, 200);
            let city = f.text("city", city, 100);
            let country = f
                .text("country", country, 2)
                .map(|c| c.to_ascii_uppercase());
            let country = country.filter(|c| {
                let known = is_iso_country(c);
                let allowed = self.config.countries.as_ref().is_none_or(|l| l.contains(c));
                match (known, allowed) {
                    (false, _) => f.fail("country", "country must be an ISO 3166-1 alpha-2 code"),
                    (true, false) => f.fail(
                        "country",
                        format!(
                            "country must be one of {}",
                            self.config
                                .countries
                                .as_deref()
                                .unwrap_or_default()
                                .join(", ")
                        ),
                    ),
                    _ => {}
                }
                known && allowed
            });
            let postal = f.text("postalCode", postal_code, 10).filter(|p| {
                let ok = country.as_deref().is_none_or(|c| is_postal_code(p, c));
                if !ok {
                    f.fail(
                        "postalCode",
                        "postalCode is not a postal code of that country",
                    );
                }
                ok
            });
            Some(Address {
                street_address: street?,
                postal_code: postal?,
                city: city?,
                country: country?,
            })
        });
        let contact = contact.flatten();
        let address = address.flatten();
        let shipping = if self.logistics.is_empty() {
            None
        } else {
            self.choose_shipping(
                &mut f,
                shipping_option_id.as_deref(),
                pickup_point_id.as_deref(),
                offered,
                address.as_ref(),
            )
        };
        let custom_consent = self.config.custom_consent.as_ref().map(|c| {
            if c.required && !consent_given {
                f.fail("customConsent", "The consent must be given to pay");
            }
            consent_given
        });
        if f.errors.is_empty() {
            if let Err(why) = payment_total(self.amount, shipping.as_ref().map(|s| s.price)) {
                f.fail("shippingOptionId", why);
            }
        }
        if !f.errors.is_empty() {
            return Err(f.errors);
        }
        Ok(Shopper {
            contact,
            address,
            shipping,
            custom_consent,
        })
    }

    fn choose_shipping(
        &self,
        f: &mut Form,
        shipping_option_id: Option<&str>,
        pickup_point_id: Option<&str>,
        offered: &[ShippingOption],
        address: Option<&Address>,
    ) -> Option<ChosenShipping> {
        if offered.is_empty() {
            f.fail(
                "shippingOptionId",
                "No shipping options are available for this address",
            );
            return None;
        }
        let Some(id) = shipping_option_id else {
            f.fail("shippingOptionId", "shippingOptionId is required");
            return None;
        };
        let Some(option) = offered.iter().find(|o| o.id == id) else {
            f.fail(
                "shippingOptionId",
                format!("'{id}' is not one of the offered shipping options"),
            );
            return None;
        };
        let pickup_point = if option.needs_pickup_point() {
            let points = pickup_points(option.brand, &self.pickup_country(address));
            match pickup_point_id {
                None => {
                    f.fail("pickupPointId", "pickupPointId is required for this option");
                    return None;
                }
                Some(pid) => match points.into_iter().find(|p| p.id == pid) {
                    Some(p) => Some(p),
                    None => {
                        f.fail(
                            "pickupPointId",
                            format!("'{pid}' is not a pickup point of this option"),
                        );
                        return None;
                    }
                },
            }
        } else {
            None
        };
        Some(ChosenShipping {
            price: option.price(self.currency()),
            option: option.clone(),
            pickup_point,
        })
    }
}

/// Whether `code` is an officially assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_iso_country(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && ISO_COUNTRIES.split(' ').any(|c| c == code)
}

/// Every officially assigned ISO 3166-1 alpha-2 code.
const ISO_COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH \
BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR \
GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR \
KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV \
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE \
RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL \
TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";
