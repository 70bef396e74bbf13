//! The session request rules.

use super::*;
use crate::checkout::logistics::NewIntegrations;

#[test]
fn a_full_request_creates_a_session_that_lasts_an_hour() {
    let s = session();
    assert_eq!(s.state, SessionState::SessionCreated);
    assert_eq!((s.created_at, s.expires_at), (T0, T0 + HOUR));
    assert_eq!(s.reference, "order-12345");
    assert_eq!(s.msn, "123456");
    assert_eq!((s.session_id.as_str(), s.token.as_str()), ("sess1", "tok1"));
    assert_eq!(s.amount, Money::new(10_000, Currency::Nok));
    assert_eq!(s.order_summary.as_ref().unwrap().totals().total, 10_000);
    assert_eq!(s.config.elements, Elements::Full);
    assert_eq!(s.config.user_flow, UserFlow::WebRedirect);
    assert_eq!(
        s.config.customer_interaction,
        CustomerInteraction::CustomerNotPresent
    );
    assert_eq!(
        s.config.countries.as_deref(),
        Some(&["NO".to_owned(), "SE".to_owned()][..])
    );
    let ids: Vec<_> = s
        .logistics
        .fixed_options
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(ids, ["posten-mailbox", "posten-pickup", "courier"]);
    assert!(s.shopper.is_none() && s.payment_amount.is_none());
}

#[test]
fn a_minimal_request_takes_the_defaults() {
    let r = NewSession {
        logistics: None,
        configuration: None,
        ..transacted(|t| t.order_summary = None)
    };
    let s = create(r).unwrap();
    assert_eq!(s.config.elements, Elements::Full);
    assert_eq!(s.config.countries, None);
    assert!(!s.config.require_user_info && !s.config.show_order_summary);
    assert!(s.config.custom_consent.is_none());
    assert!(s.logistics.is_empty());
    assert!(s.order_summary.is_none());
}

#[test]
fn every_missing_required_field_is_named_at_once() {
    assert_eq!(
        fields(NewSession::default()),
        ["merchantInfo", "transaction"]
    );
    let r = NewSession {
        merchant_info: Some(NewMerchantInfo::default()),
        transaction: Some(NewTransaction::default()),
        ..NewSession::default()
    };
    assert_eq!(
        fields(r),
        [
            "merchantInfo.callbackUrl",
            "merchantInfo.returnUrl",
            "merchantInfo.callbackAuthorizationToken",
            "transaction.amount",
            "transaction.reference",
            "transaction.paymentDescription",
        ]
    );
}

fn merchant(f: impl FnOnce(&mut NewMerchantInfo)) -> NewSession {
    let mut r = request();
    f(r.merchant_info.as_mut().unwrap());
    r
}

#[test]
fn the_callback_url_is_one_the_sandbox_can_call() {
    for bad in [
        "not a url",
        "/relative/callback",
        "ftp://shop.example/cb",
        "myapp://callback",
        "https://169.254.169.254/latest",
        "https://user:pw@shop.example/cb",
    ] {
        refused(
            merchant(|m| m.callback_url = Some(bad.into())),
            "merchantInfo.callbackUrl",
        );
    }
    assert!(create(merchant(
        |m| m.callback_url = Some("http://127.0.0.1:9/cb".into())
    ))
    .is_ok());
}

#[test]
fn an_app_return_url_needs_native_redirect() {
    let app = |flow: Option<&str>| {
        let mut r = merchant(|m| m.return_url = Some("myshop://order/1".into()));
        r.configuration.as_mut().unwrap().user_flow = flow.map(str::to_owned);
        r
    };
    refused(app(None), "merchantInfo.returnUrl");
    refused(app(Some("WEB_REDIRECT")), "merchantInfo.returnUrl");
    let s = create(app(Some("NATIVE_REDIRECT"))).unwrap();
    assert_eq!(s.config.user_flow, UserFlow::NativeRedirect);
    assert_eq!(s.merchant.return_url, "myshop://order/1");
    let mut web = request();
    web.configuration.as_mut().unwrap().user_flow = Some("NATIVE_REDIRECT".into());
    assert!(create(web).is_ok());
    for bad in ["not a url", "myapp://", "https://user:pw@shop.example/r"] {
        let mut r = merchant(|m| m.return_url = Some(bad.into()));
        r.configuration.as_mut().unwrap().user_flow = Some("NATIVE_REDIRECT".into());
        refused(r, "merchantInfo.returnUrl");
    }
}

#[test]
fn the_callback_token_is_header_safe_and_terms_a_link() {
    for bad in [
        String::new(),
        "a\r\nX-Evil: 1".into(),
        "ø".into(),
        "a".repeat(4097),
    ] {
        refused(
            merchant(|m| m.callback_authorization_token = Some(bad)),
            "merchantInfo.callbackAuthorizationToken",
        );
    }
    assert!(create(merchant(
        |m| m.callback_authorization_token = Some("Bearer a.b-c_d=".into())
    ))
    .is_ok());
    refused(
        merchant(|m| m.terms_and_conditions_url = Some("terms".into())),
        "merchantInfo.termsAndConditionsUrl",
    );
}

#[test]
fn references_are_8_to_50_letters_digits_and_dashes() {
    for bad in ["order-1", "order_123", &"a".repeat(51), "ordre-æøå1"] {
        refused(
            transacted(|t| t.reference = Some(bad.into())),
            "transaction.reference",
        );
    }
    assert!(create(transacted(|t| t.reference = Some("a".repeat(50)))).is_ok());
}

#[test]
fn payment_descriptions_are_3_to_100_characters() {
    for bad in ["ab".to_owned(), "å".repeat(101), "two\nlines".into()] {
        refused(
            transacted(|t| t.payment_description = Some(bad)),
            "transaction.paymentDescription",
        );
    }
    for ok in ["abc".to_owned(), "å".repeat(100)] {
        assert!(create(transacted(|t| t.payment_description = Some(ok))).is_ok());
    }
}

#[test]
fn amounts_are_in_a_supported_currency_and_within_limits() {
    let amount = |value: i64, currency: &str| {
        let mut r = transacted(|t| {
            t.amount = Some(NewAmount {
                value,
                currency: currency.into(),
            });
            t.order_summary = None;
        });
        r.logistics = None;
        r
    };
    refused(amount(10_000, "SEK"), "transaction.amount.currency");
    refused(amount(-1, "NOK"), "transaction.amount.value");
    refused(amount(65_000_001, "NOK"), "transaction.amount.value");
    assert!(create(amount(65_000_000, "NOK")).is_ok());
    for c in ["DKK", "EUR"] {
        assert_eq!(create(amount(100, c)).unwrap().amount.currency.as_str(), c);
    }
}

#[test]
fn goods_under_one_krone_need_shipping_that_makes_up_the_difference() {
    let goods = |value: i64, options: Option<Vec<NewShippingOption>>| {
        let mut r = transacted(|t| {
            t.amount = Some(nok(value));
            t.order_summary = None;
        });
        r.logistics = options.map(|o| NewLogistics {
            fixed_options: Some(o),
            ..NewLogistics::default()
        });
        r
    };
    refused(goods(0, None), "transaction.amount.value");
    refused(goods(99, None), "transaction.amount.value");
    assert!(create(goods(100, None)).is_ok());
    refused(
        goods(0, Some(vec![option("POSTEN", "free", 0, Some(0))])),
        "transaction.amount.value",
    );
    refused(
        goods(50, Some(vec![option("POSTEN", "cheap", 0, Some(49))])),
        "transaction.amount.value",
    );
    assert!(create(goods(50, Some(vec![option("POSTEN", "p", 0, Some(50))]))).is_ok());
    assert!(create(goods(
        0,
        Some(vec![
            option("POSTEN", "free", 0, Some(0)),
            option("POSTEN", "paid", 1, Some(100))
        ])
    ))
    .is_ok());
    assert!(create(goods(0, Some(vec![option("PORTERBUDDY", "pb", 0, None)]))).is_ok());
    let mut dynamic = goods(0, None);
    dynamic.logistics = Some(NewLogistics {
        dynamic_options_callback: Some("https://shop.example/shipping".into()),
        ..NewLogistics::default()
    });
    assert!(create(dynamic).is_ok());
}

#[test]
fn the_order_summary_follows_the_receipt_rules_under_its_own_path() {
    let mut bad = summary();
    bad.order_lines.as_mut().unwrap()[0].tax_rate = Some(10_001);
    refused(
        transacted(|t| t.order_summary = Some(bad)),
        "transaction.orderSummary.orderLines[0].taxRate",
    );
    let mut empty = summary();
    empty.order_lines = Some(vec![]);
    refused(
        transacted(|t| t.order_summary = Some(empty)),
        "transaction.orderSummary.orderLines",
    );
    let mut no_currency = summary();
    no_currency.bottom_line.as_mut().unwrap().currency = None;
    refused(
        transacted(|t| t.order_summary = Some(no_currency)),
        "transaction.orderSummary.orderBottomLine.currency",
    );
    let mut no_bottom = summary();
    no_bottom.bottom_line = None;
    refused(
        transacted(|t| t.order_summary = Some(no_bottom)),
        "transaction.orderSummary.orderBottomLine",
    );
    let mut euros = summary();
    euros.bottom_line.as_mut().unwrap().currency = Some("EUR".into());
    refused(
        transacted(|t| t.order_summary = Some(euros)),
        "transaction.orderSummary.orderBottomLine.currency",
    );
}

#[test]
fn without_address_fields_no_dynamic_options_integrations_or_address_delivery() {
    for elements in ["PaymentAndContactInfo", "PaymentOnly"] {
        let without = |f: fn(&mut NewLogistics)| {
            let mut r = configured(|c| c.elements = Some(elements.into()));
            r.logistics = Some(NewLogistics::default());
            f(r.logistics.as_mut().unwrap());
            r
        };
        refused(
            without(|l| l.dynamic_options_callback = Some("https://shop.example/d".into())),
            "logistics.dynamicOptionsCallback",
        );
        refused(
            without(|l| l.integrations = Some(NewIntegrations::default())),
            "logistics.integrations",
        );
        refused(
            without(|l| {
                l.fixed_options = Some(vec![typed(option("POSTEN", "m", 0, Some(100)), "MAILBOX")])
            }),
            "logistics.fixedOptions[0].type",
        );
        refused(
            without(|l| {
                l.fixed_options = Some(vec![
                    typed(option("POSTEN", "p", 0, Some(100)), "PICKUP_POINT"),
                    typed(option("POSTNORD", "h", 1, Some(100)), "HOME_DELIVERY"),
                ])
            }),
            "logistics.fixedOptions[1].type",
        );
        let fine = without(|l| {
            l.fixed_options = Some(vec![
                typed(option("POSTEN", "p", 0, Some(100)), "PICKUP_POINT"),
                option("POSTNORD", "untyped", 1, Some(100)),
                NewShippingOption {
                    title: Some("Pick up in store".into()),
                    ..option("OTHER", "store", 2, Some(0))
                },
            ])
        });
        assert_eq!(create(fine).unwrap().logistics.fixed_options.len(), 3);
    }
}

#[test]
fn the_dynamic_options_callback_is_a_url_the_sandbox_can_call() {
    refused(
        shipped(|l| l.dynamic_options_callback = Some("shop.example/shipping".into())),
        "logistics.dynamicOptionsCallback",
    );
    let s = create(shipped(|l| {
        l.dynamic_options_callback = Some("https://shop.example/shipping".into())
    }))
    .unwrap();
    assert_eq!(
        s.logistics.dynamic_options_callback.as_deref(),
        Some("https://shop.example/shipping")
    );
}

#[test]
fn integrations_need_every_field_the_spec_requires() {
    use crate::checkout::logistics::{
        NewHelthjem, NewOriginAddress, NewPorterbuddy, NewPorterbuddyOrigin,
    };
    let with = |i: NewIntegrations| shipped(|l| l.integrations = Some(i));
    let porterbuddy = NewPorterbuddy {
        public_token: Some("pub".into()),
        api_key: Some("key".into()),
        origin: Some(NewPorterbuddyOrigin {
            name: Some("Shop".into()),
            email: Some("shop@example.no".into()),
            phone_number: Some("4791234567".into()),
            address: Some(NewOriginAddress {
                street_address: Some("Robert Levins gate 5".into()),
                postal_code: Some("0150".into()),
                city: Some("Oslo".into()),
                country: Some("NO".into()),
            }),
        }),
    };
    let helthjem = NewHelthjem {
        username: Some("u".into()),
        password: Some("p".into()),
        shop_id: Some(7),
    };
    let s = create(with(NewIntegrations {
        porterbuddy: Some(porterbuddy.clone()),
        helthjem: Some(helthjem.clone()),
    }))
    .unwrap();
    assert_eq!(s.logistics.integrations.helthjem.unwrap().shop_id, 7);
    assert_eq!(
        s.logistics.integrations.porterbuddy.unwrap().origin_city,
        "Oslo"
    );
    let mut no_key = porterbuddy.clone();
    no_key.api_key = Some(String::new());
    no_key
        .origin
        .as_mut()
        .unwrap()
        .address
        .as_mut()
        .unwrap()
        .city = None;
    assert_eq!(
        fields(with(NewIntegrations {
            porterbuddy: Some(no_key),
            helthjem: Some(NewHelthjem::default()),
        })),
        [
            "logistics.integrations.porterbuddy.apiKey",
            "logistics.integrations.porterbuddy.origin.address.city",
            "logistics.integrations.helthjem.username",
            "logistics.integrations.helthjem.password",
            "logistics.integrations.helthjem.shopId",
        ]
    );
    let no_origin = NewPorterbuddy {
        origin: None,
        ..porterbuddy
    };
    refused(
        with(NewIntegrations {
            porterbuddy: Some(no_origin),
            helthjem: None,
        }),
        "logistics.integrations.porterbuddy.origin",
    );
}

#[test]
fn fixed_option_errors_are_named_under_logistics_fixed_options() {
    refused(
        shipped(|l| l.fixed_options = Some(vec![option("UPS", "ups", 0, Some(100))])),
        "logistics.fixedOptions[0].brand",
    );
    let mut euros = option("POSTEN", "e", 0, Some(100));
    euros.amount.as_mut().unwrap().currency = "EUR".into();
    refused(
        shipped(|l| l.fixed_options = Some(vec![euros])),
        "logistics.fixedOptions[0].amount.currency",
    );
}

#[test]
fn many_mistakes_are_all_reported_together() {
    let mut r = request();
    r.merchant_info.as_mut().unwrap().callback_url = Some("nope".into());
    r.transaction.as_mut().unwrap().reference = Some("x".into());
    r.configuration.as_mut().unwrap().elements = Some("Everything".into());
    r.logistics
        .as_mut()
        .unwrap()
        .fixed_options
        .as_mut()
        .unwrap()[2]
        .title = None;
    let f = fields(r);
    for expected in [
        "merchantInfo.callbackUrl",
        "transaction.reference",
        "configuration.elements",
        "logistics.fixedOptions[2].title",
    ] {
        assert!(f.iter().any(|x| x == expected), "{expected} not in {f:?}");
    }
    let mut twice = configured(|c| c.elements = Some("PaymentOnly".into()));
    twice.logistics = Some(NewLogistics {
        dynamic_options_callback: Some("nope".into()),
        ..NewLogistics::default()
    });
    let grouped = crate::receipt::group(&create(twice).unwrap_err());
    assert_eq!(grouped["logistics.dynamicOptionsCallback"].len(), 2);
}
