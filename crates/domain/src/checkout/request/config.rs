//! The session's `configuration`: which fields the hosted page asks for,
//! countries, user flow, user info, custom consent and order summary.

use super::Errors;
use crate::{
    checkout::{
        is_iso_country, Config, CustomConsent, CustomerInteraction, Elements,
        ExternalPaymentMethod, UserFlow,
    },
    urls,
};

/// `configuration` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewConfiguration {
    pub customer_interaction: Option<String>,
    pub elements: Option<String>,
    pub countries: Option<NewCountries>,
    pub user_flow: Option<String>,
    pub require_user_info: Option<bool>,
    pub custom_consent: Option<NewCustomConsent>,
    pub show_order_summary: Option<bool>,
    pub external_payment_methods: Option<Vec<ExternalPaymentMethod>>,
}

/// `configuration.countries` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCountries {
    pub supported: Option<Vec<String>>,
}

/// `configuration.customConsent` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCustomConsent {
    pub text: Option<String>,
    pub required: Option<bool>,
}

/// Where the shopper's address country must be among, if anywhere.
fn countries(config: &NewConfiguration, e: &mut Errors) -> Option<Vec<String>> {
    let c = config.countries.as_ref()?;
    let list = e.required("configuration.countries.supported", &c.supported)?;
    if list.is_empty() {
        e.add(
            "configuration.countries.supported",
            "supported must name at least one country",
        );
    }
    let mut out = Vec::new();
    for (i, code) in list.iter().enumerate() {
        let upper = code.to_ascii_uppercase();
        if is_iso_country(&upper) {
            if !out.contains(&upper) {
                out.push(upper);
            }
        } else {
            e.add(
                &format!("configuration.countries.supported[{i}]"),
                format!("'{code}' is not an ISO 3166-1 alpha-2 country code"),
            );
        }
    }
    Some(out)
}

/// The markdown links `[text](url)` in `s`, as their URLs.
fn markdown_links(s: &str) -> Vec<&str> {
    let mut links = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.find("](") {
        let before = &rest[..at];
        let after = &rest[at + 2..];
        match (before.rfind('['), after.find(')')) {
            (Some(_), Some(end)) => {
                links.push(&after[..end]);
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    links
}

fn custom_consent(c: &NewCustomConsent, e: &mut Errors) -> Option<CustomConsent> {
    let required = e.required("configuration.customConsent.required", &c.required);
    let text = match &c.text {
        None => {
            e.add("configuration.customConsent.text", "text is required");
            None
        }
        Some(t) if t.trim().is_empty() => {
            e.add("configuration.customConsent.text", "text must not be empty");
            None
        }
        Some(t) => {
            let links = markdown_links(t);
            if links.len() > 1 {
                e.add(
                    "configuration.customConsent.text",
                    "text may contain at most one markdown link",
                );
            } else if links.iter().any(|u| urls::parse_target(u).is_none()) {
                e.add(
                    "configuration.customConsent.text",
                    "the link in text must be an absolute http or https URL",
                );
            }
            Some(t.clone())
        }
    };
    Some(CustomConsent {
        text: text?,
        required: *required?,
    })
}

fn enum_field<T>(
    e: &mut Errors,
    field: &str,
    v: &Option<String>,
    parse: fn(&str) -> Option<T>,
    default: T,
    allowed: &str,
) -> T {
    match v.as_deref() {
        None => default,
        Some(s) => parse(s).unwrap_or_else(|| {
            e.add(field, format!("'{s}' is not one of {allowed}"));
            default
        }),
    }
}

/// Checks `configuration` and fills in the defaults.
pub(super) fn configuration(c: NewConfiguration, e: &mut Errors) -> Config {
    let elements = enum_field(
        e,
        "configuration.elements",
        &c.elements,
        Elements::parse,
        Elements::Full,
        "Full, PaymentAndContactInfo, PaymentOnly",
    );
    let user_flow = enum_field(
        e,
        "configuration.userFlow",
        &c.user_flow,
        UserFlow::parse,
        UserFlow::WebRedirect,
        "WEB_REDIRECT, NATIVE_REDIRECT",
    );
    let customer_interaction = enum_field(
        e,
        "configuration.customerInteraction",
        &c.customer_interaction,
        CustomerInteraction::parse,
        CustomerInteraction::CustomerNotPresent,
        "CUSTOMER_PRESENT, CUSTOMER_NOT_PRESENT",
    );
    let countries = countries(&c, e);
    let custom_consent = c
        .custom_consent
        .as_ref()
        .and_then(|cc| custom_consent(cc, e));
    Config {
        customer_interaction,
        elements,
        countries,
        user_flow,
        require_user_info: c.require_user_info.unwrap_or(false),
        custom_consent,
        show_order_summary: c.show_order_summary.unwrap_or(false),
        external_payment_methods: c.external_payment_methods.unwrap_or_default(),
    }
}
