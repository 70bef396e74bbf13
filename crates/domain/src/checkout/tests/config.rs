//! The session request's configuration, prefill and type.

use super::*;

#[test]
fn show_order_summary_needs_an_order_summary() {
    let show = |summary: Option<NewReceipt>| {
        let mut r = configured(|c| c.show_order_summary = Some(true));
        r.transaction.as_mut().unwrap().order_summary = summary;
        r
    };
    refused(show(None), "configuration.showOrderSummary");
    assert!(
        create(show(Some(summary())))
            .unwrap()
            .config
            .show_order_summary
    );
    let mut bad = summary();
    bad.order_lines = None;
    assert_eq!(
        fields(show(Some(bad))),
        ["transaction.orderSummary.orderLines"]
    );
}

#[test]
fn configuration_enums_take_the_spec_spellings_only() {
    for (value, elements) in [
        ("Full", Elements::Full),
        ("PaymentAndContactInfo", Elements::PaymentAndContactInfo),
        ("PaymentOnly", Elements::PaymentOnly),
    ] {
        let mut r = configured(|c| c.elements = Some(value.into()));
        r.logistics = None;
        assert_eq!(create(r).unwrap().config.elements, elements);
    }
    refused(
        configured(|c| c.elements = Some("full".into())),
        "configuration.elements",
    );
    refused(
        configured(|c| c.user_flow = Some("QR".into())),
        "configuration.userFlow",
    );
    refused(
        configured(|c| c.customer_interaction = Some("customer_present".into())),
        "configuration.customerInteraction",
    );
    let present = configured(|c| c.customer_interaction = Some("CUSTOMER_PRESENT".into()));
    assert_eq!(
        create(present).unwrap().config.customer_interaction,
        CustomerInteraction::CustomerPresent
    );
}

#[test]
fn supported_countries_are_iso_alpha_2_codes() {
    let countries = |list: Option<Vec<&str>>| {
        configured(|c| {
            c.countries = Some(NewCountries {
                supported: list.map(|l| l.into_iter().map(str::to_owned).collect()),
            })
        })
    };
    refused(countries(None), "configuration.countries.supported");
    refused(countries(Some(vec![])), "configuration.countries.supported");
    refused(
        countries(Some(vec!["NO", "XX"])),
        "configuration.countries.supported[1]",
    );
    refused(
        countries(Some(vec!["NOR"])),
        "configuration.countries.supported[0]",
    );
    let s = create(countries(Some(vec!["no", "DK", "NO", "fi"]))).unwrap();
    assert_eq!(
        s.config.countries.unwrap(),
        ["NO".to_owned(), "DK".into(), "FI".into()]
    );
}

#[test]
fn a_custom_consent_has_text_with_at_most_one_link_and_says_if_required() {
    let consent = |text: Option<&str>, required: Option<bool>| {
        configured(|c| {
            c.custom_consent = Some(NewCustomConsent {
                text: text.map(str::to_owned),
                required,
            })
        })
    };
    let s = create(consent(
        Some("I accept the [newsletter terms](https://shop.example/news)"),
        Some(true),
    ))
    .unwrap();
    assert!(s.config.custom_consent.unwrap().required);
    assert!(create(consent(Some("Send me offers"), Some(false))).is_ok());
    refused(
        consent(None, Some(true)),
        "configuration.customConsent.text",
    );
    refused(
        consent(Some("  "), Some(true)),
        "configuration.customConsent.text",
    );
    refused(
        consent(Some("Yes"), None),
        "configuration.customConsent.required",
    );
    refused(
        consent(
            Some("[a](https://a.example) and [b](https://b.example)"),
            Some(true),
        ),
        "configuration.customConsent.text",
    );
    refused(
        consent(Some("[a](javascript:alert(1))"), Some(true)),
        "configuration.customConsent.text",
    );
}

#[test]
fn user_info_and_external_payment_methods_are_kept() {
    let r = configured(|c| {
        c.require_user_info = Some(true);
        c.external_payment_methods = Some(vec![ExternalPaymentMethod {
            payment_method: Some("Klarna".into()),
            redirect_url: Some("https://shop.example/klarna".into()),
        }]);
    });
    let s = create(r).unwrap();
    assert!(s.config.require_user_info);
    assert_eq!(
        s.config.external_payment_methods[0]
            .payment_method
            .as_deref(),
        Some("Klarna")
    );
}

#[test]
fn prefilled_details_are_never_an_error_and_bad_ones_are_dropped() {
    let mut r = request();
    r.prefill_customer = Some(NewPrefill {
        first_name: Some("Ola".into()),
        last_name: Some("  ".into()),
        email: Some("not-an-email".into()),
        phone_number: Some("+47 912 34 567".into()),
        street_address: Some("Robert Levins gate 5".into()),
        city: Some("Oslo".into()),
        postal_code: Some("0150".into()),
        country: Some("dk".into()),
    });
    let p = create(r).unwrap().prefill;
    assert_eq!(p.first_name.as_deref(), Some("Ola"));
    assert_eq!(p.last_name, None);
    assert_eq!(p.email, None);
    assert_eq!(p.phone_number.as_deref(), Some("4791234567"));
    assert_eq!(p.country, None, "DK is not among the supported NO, SE");
    let mut r = request();
    r.prefill_customer = Some(NewPrefill {
        email: Some("ola@example.no".into()),
        phone_number: Some("12".into()),
        country: Some("se".into()),
        ..NewPrefill::default()
    });
    let p = create(r).unwrap().prefill;
    assert_eq!(p.email.as_deref(), Some("ola@example.no"));
    assert_eq!(p.phone_number, None);
    assert_eq!(p.country.as_deref(), Some("SE"));
}

#[test]
fn only_payment_sessions_are_supported() {
    for ok in ["PAYMENT", "payment"] {
        assert!(create(NewSession {
            kind: Some(ok.into()),
            ..request()
        })
        .is_ok());
    }
    let e = create(NewSession {
        kind: Some("SUBSCRIPTION".into()),
        ..request()
    })
    .unwrap_err();
    assert_eq!(e[0].field, "type");
    assert!(e[0].reason.contains("not supported"), "{}", e[0].reason);
    refused(
        NewSession {
            kind: Some("RECURRING".into()),
            ..request()
        },
        "type",
    );
}
