//! Carrier accounts (`logistics.integrations`): checked that every field
//! the spec requires is there, kept with the session, never called — the
//! sandbox has its own pickup points (docs/compatibility.md).

use serde::{Deserialize, Serialize};

use crate::receipt::FieldError;

/// `logistics.integrations` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewIntegrations {
    pub porterbuddy: Option<NewPorterbuddy>,
    pub helthjem: Option<NewHelthjem>,
}

/// `integrations.porterbuddy` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPorterbuddy {
    pub public_token: Option<String>,
    pub api_key: Option<String>,
    pub origin: Option<NewPorterbuddyOrigin>,
}

/// `porterbuddy.origin` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPorterbuddyOrigin {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub address: Option<NewOriginAddress>,
}

/// `porterbuddy.origin.address` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOriginAddress {
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

/// `integrations.helthjem` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewHelthjem {
    pub username: Option<String>,
    pub password: Option<String>,
    pub shop_id: Option<i64>,
}

/// Validated carrier accounts; kept, never called.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrations {
    pub porterbuddy: Option<Porterbuddy>,
    pub helthjem: Option<Helthjem>,
}

/// A Porterbuddy account and the sender's name, e-mail, phone and address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Porterbuddy {
    pub public_token: String,
    pub api_key: String,
    pub origin_name: String,
    pub origin_email: String,
    pub origin_phone_number: String,
    pub origin_street_address: String,
    pub origin_postal_code: String,
    pub origin_city: String,
    pub origin_country: String,
}

/// A Helthjem account (user name, password, shop id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Helthjem {
    pub username: String,
    pub password: String,
    pub shop_id: i64,
}

const AT: &str = "logistics.integrations";

/// A required, non-empty text at `AT.field`.
fn text(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<String> {
    let name = field.rsplit('.').next().unwrap_or(field);
    match v {
        Some(s) if !s.is_empty() => return Some(s.clone()),
        Some(_) => errors.push(FieldError::new(
            format!("{AT}.{field}"),
            format!("{name} must not be empty"),
        )),
        None => errors.push(FieldError::new(
            format!("{AT}.{field}"),
            format!("{name} is required"),
        )),
    }
    None
}

/// A required part at `AT.field`.
fn part<'a, T>(errors: &mut Vec<FieldError>, field: &str, v: &'a Option<T>) -> Option<&'a T> {
    if v.is_none() {
        let name = field.rsplit('.').next().unwrap_or(field);
        errors.push(FieldError::new(
            format!("{AT}.{field}"),
            format!("{name} is required"),
        ));
    }
    v.as_ref()
}

/// Checks the carrier accounts, adding what is missing to `errors`.
pub(crate) fn validate(i: NewIntegrations, errors: &mut Vec<FieldError>) -> Integrations {
    let e = errors;
    let porterbuddy = i.porterbuddy.and_then(|p| {
        let public_token = text(e, "porterbuddy.publicToken", &p.public_token);
        let api_key = text(e, "porterbuddy.apiKey", &p.api_key);
        let origin = part(e, "porterbuddy.origin", &p.origin)?;
        let name = text(e, "porterbuddy.origin.name", &origin.name);
        let email = text(e, "porterbuddy.origin.email", &origin.email);
        let phone = text(e, "porterbuddy.origin.phoneNumber", &origin.phone_number);
        let address = part(e, "porterbuddy.origin.address", &origin.address)?;
        let street = text(
            e,
            "porterbuddy.origin.address.streetAddress",
            &address.street_address,
        );
        let postal = text(
            e,
            "porterbuddy.origin.address.postalCode",
            &address.postal_code,
        );
        let city = text(e, "porterbuddy.origin.address.city", &address.city);
        let country = text(e, "porterbuddy.origin.address.country", &address.country);
        Some(Porterbuddy {
            public_token: public_token?,
            api_key: api_key?,
            origin_name: name?,
            origin_email: email?,
            origin_phone_number: phone?,
            origin_street_address: street?,
            origin_postal_code: postal?,
            origin_city: city?,
            origin_country: country?,
        })
    });
    let helthjem = i.helthjem.and_then(|h| {
        let username = text(e, "helthjem.username", &h.username);
        let password = text(e, "helthjem.password", &h.password);
        let shop_id = part(e, "helthjem.shopId", &h.shop_id);
        Some(Helthjem {
            username: username?,
            password: password?,
            shop_id: *shop_id?,
        })
    });
    Integrations {
        porterbuddy,
        helthjem,
    }
}
