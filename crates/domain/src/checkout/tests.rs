//! Tests of the Checkout model, one file per part, sharing the fixtures here.

use super::{logistics::NewShippingOption, *};
use crate::{
    receipt::{FieldError, NewBottomLine, NewOrderLine, NewReceipt},
    Msn,
};

mod config;
mod logistics;
mod request;
mod states;
mod view;

pub const T0: Millis = 1_700_000_000_000;

pub fn msn() -> Msn {
    Msn::parse("123456").unwrap()
}

pub fn nok(value: i64) -> NewAmount {
    NewAmount {
        value,
        currency: "NOK".into(),
    }
}

/// A fixed option of `brand` priced `value` øre.
pub fn option(brand: &str, id: &str, priority: i64, value: Option<i64>) -> NewShippingOption {
    NewShippingOption {
        brand: brand.into(),
        id: Some(id.into()),
        priority: Some(priority),
        is_default: Some(false),
        amount: value.map(nok),
        ..NewShippingOption::default()
    }
}

pub fn typed(o: NewShippingOption, kind: &str) -> NewShippingOption {
    NewShippingOption {
        kind: Some(kind.into()),
        ..o
    }
}

/// One line of 100.00 NOK with 25 % VAT.
pub fn summary() -> NewReceipt {
    NewReceipt {
        order_lines: Some(vec![NewOrderLine {
            name: Some("Socks".into()),
            id: Some("socks-1".into()),
            total_amount: Some(10_000),
            total_amount_excluding_tax: Some(8_000),
            total_tax_amount: Some(2_000),
            tax_rate: Some(2_500),
            ..NewOrderLine::default()
        }]),
        bottom_line: Some(NewBottomLine {
            currency: Some("NOK".into()),
            ..NewBottomLine::default()
        }),
    }
}

/// A full request: 100.00 NOK of goods with an order summary, three fixed
/// options (Posten mailbox 49.00 by default, Posten pickup point 29.00, a
/// bike courier 99.00), address fields, Norway and Sweden.
pub fn request() -> NewSession {
    NewSession {
        merchant_info: Some(NewMerchantInfo {
            callback_url: Some("https://shop.example/vipps/callback".into()),
            return_url: Some("https://shop.example/return?order=1".into()),
            callback_authorization_token: Some("session-callback-token-1".into()),
            terms_and_conditions_url: Some("https://shop.example/terms".into()),
        }),
        transaction: Some(NewTransaction {
            amount: Some(nok(10_000)),
            reference: Some("order-12345".into()),
            payment_description: Some("Two pairs of socks".into()),
            order_summary: Some(summary()),
        }),
        logistics: Some(NewLogistics {
            fixed_options: Some(vec![
                NewShippingOption {
                    is_default: Some(true),
                    ..typed(
                        option("POSTEN", "posten-mailbox", 1, Some(4_900)),
                        "MAILBOX",
                    )
                },
                typed(
                    option("POSTEN", "posten-pickup", 2, Some(2_900)),
                    "PICKUP_POINT",
                ),
                NewShippingOption {
                    title: Some("Bike courier".into()),
                    tax_rate: Some(2_500),
                    ..option("OTHER", "courier", 3, Some(9_900))
                },
            ]),
            ..NewLogistics::default()
        }),
        prefill_customer: None,
        configuration: Some(NewConfiguration {
            elements: Some("Full".into()),
            countries: Some(NewCountries {
                supported: Some(vec!["NO".into(), "SE".into()]),
            }),
            ..NewConfiguration::default()
        }),
        kind: None,
    }
}

pub fn create(r: NewSession) -> Result<Session, Vec<FieldError>> {
    r.create(&msn(), "sess1".into(), "tok1".into(), T0)
}

pub fn session() -> Session {
    create(request()).unwrap()
}

/// The fields a refused request names.
pub fn fields(r: NewSession) -> Vec<String> {
    create(r)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

/// Asserts the request is refused naming `field`.
#[track_caller]
pub fn refused(r: NewSession, field: &str) {
    let fields = fields(r);
    assert!(
        fields.iter().any(|f| f == field),
        "{field} not in {fields:?}"
    );
}

/// The request with its configuration changed by `f`.
pub fn configured(f: impl FnOnce(&mut NewConfiguration)) -> NewSession {
    let mut r = request();
    f(r.configuration
        .get_or_insert_with(NewConfiguration::default));
    r
}

/// The request with its transaction changed by `f`.
pub fn transacted(f: impl FnOnce(&mut NewTransaction)) -> NewSession {
    let mut r = request();
    f(r.transaction.as_mut().unwrap());
    r
}

/// The request with its logistics changed by `f`.
pub fn shipped(f: impl FnOnce(&mut NewLogistics)) -> NewSession {
    let mut r = request();
    f(r.logistics.get_or_insert_with(NewLogistics::default));
    r
}
