//! Shipping options, the default option, dynamic answers and pickup points.

use super::*;
use crate::checkout::logistics::{
    default_option, offer, pickup_points, validate_options, Brand, DeliveryType, DynamicAnswer,
    OfferSource, PORTERBUDDY_PRICE,
};

fn check(options: Vec<NewShippingOption>) -> Result<Vec<ShippingOption>, Vec<FieldError>> {
    validate_options(options, Some(Currency::Nok), "logistics.fixedOptions")
}

#[track_caller]
fn refused_at(o: NewShippingOption, field: &str) {
    let errors = check(vec![o]).unwrap_err();
    let full = format!("logistics.fixedOptions[0].{field}");
    assert!(
        errors.iter().any(|e| e.field == full),
        "{full} not in {errors:?}"
    );
}

#[test]
fn each_brand_offers_the_types_of_the_table() {
    let table = [
        ("POSTEN", vec!["MAILBOX", "PICKUP_POINT", "HOME_DELIVERY"]),
        ("POSTNORD", vec!["PICKUP_POINT", "HOME_DELIVERY"]),
        ("PORTERBUDDY", vec!["HOME_DELIVERY"]),
        ("HELTHJEM", vec!["HOME_DELIVERY", "PICKUP_POINT"]),
        ("POSTI", vec!["MAILBOX", "PICKUP_POINT"]),
        ("GLS", vec!["PICKUP_POINT"]),
        ("DAO", vec!["HOME_DELIVERY", "PICKUP_POINT"]),
    ];
    for (brand, types) in table {
        for kind in ["MAILBOX", "PICKUP_POINT", "HOME_DELIVERY"] {
            let o = typed(option(brand, "x", 0, Some(100)), kind);
            match check(vec![o]) {
                Ok(v) => {
                    assert!(types.contains(&kind), "{brand} {kind} accepted");
                    assert_eq!(v[0].kind.map(DeliveryType::as_str), Some(kind));
                    assert_eq!(v[0].brand.as_str(), brand);
                }
                Err(e) => {
                    assert!(!types.contains(&kind), "{brand} {kind} refused");
                    assert_eq!(e[0].field, "logistics.fixedOptions[0].type");
                }
            }
        }
        refused_at(typed(option(brand, "x", 0, Some(100)), "DRONE"), "type");
        let untyped = check(vec![option(brand, "x", 0, Some(100))]).unwrap();
        assert_eq!(untyped[0].kind, None);
    }
}

#[test]
fn pickup_points_belong_to_the_brands_that_deliver_to_them() {
    let with: Vec<_> = Brand::ALL
        .into_iter()
        .filter(|b| b.has_pickup_points())
        .map(Brand::as_str)
        .collect();
    assert_eq!(
        with,
        ["POSTEN", "POSTNORD", "HELTHJEM", "POSTI", "GLS", "DAO"]
    );
    let home = check(vec![typed(
        option("POSTEN", "h", 0, Some(1)),
        "HOME_DELIVERY",
    )])
    .unwrap();
    assert!(!home[0].needs_pickup_point());
    let pickup = check(vec![typed(option("GLS", "g", 0, Some(1)), "PICKUP_POINT")]).unwrap();
    assert!(pickup[0].needs_pickup_point());
}

#[test]
fn brands_are_the_known_upper_case_names() {
    refused_at(option("UPS", "x", 0, Some(100)), "brand");
    refused_at(option("posten", "x", 0, Some(100)), "brand");
    for b in Brand::ALL {
        assert_eq!(Brand::parse(b.as_str()), Some(b));
    }
}

#[test]
fn other_options_need_a_title_and_have_no_type() {
    refused_at(option("OTHER", "x", 0, Some(100)), "title");
    let titled = |t: String| NewShippingOption {
        title: Some(t),
        kind: Some("HOME_DELIVERY".into()),
        ..option("OTHER", "x", 0, Some(100))
    };
    refused_at(titled(String::new()), "title");
    refused_at(titled("t".repeat(201)), "title");
    let ok = check(vec![titled("t".repeat(200))]).unwrap();
    assert_eq!(ok[0].kind, None);
    assert_eq!(ok[0].label(), "t".repeat(200));
    let posten = NewShippingOption {
        title: Some("ignored".into()),
        ..option("POSTEN", "p", 0, Some(1))
    };
    assert_eq!(check(vec![posten]).unwrap()[0].title, None);
}

#[test]
fn ids_priorities_and_defaults_are_required_and_ids_unique() {
    refused_at(
        NewShippingOption {
            id: None,
            ..option("POSTEN", "x", 0, Some(1))
        },
        "id",
    );
    refused_at(option("POSTEN", "", 0, Some(1)), "id");
    refused_at(option("POSTEN", &"i".repeat(201), 0, Some(1)), "id");
    assert!(check(vec![option("POSTEN", &"i".repeat(200), 0, Some(1))]).is_ok());
    refused_at(
        NewShippingOption {
            priority: None,
            ..option("POSTEN", "x", 0, Some(1))
        },
        "priority",
    );
    refused_at(option("POSTEN", "x", -1, Some(1)), "priority");
    refused_at(
        NewShippingOption {
            is_default: None,
            ..option("POSTEN", "x", 0, Some(1))
        },
        "isDefault",
    );
    let dup = check(vec![
        option("POSTEN", "same", 0, Some(1)),
        option("POSTNORD", "same", 1, Some(1)),
    ])
    .unwrap_err();
    assert_eq!(dup[0].field, "logistics.fixedOptions[1].id");
}

#[test]
fn prices_are_required_except_for_porterbuddy_and_in_the_sessions_currency() {
    for brand in ["POSTEN", "POSTNORD", "HELTHJEM", "POSTI", "GLS", "DAO"] {
        refused_at(option(brand, "x", 0, None), "amount");
    }
    let pb = check(vec![option("PORTERBUDDY", "pb", 0, None)]).unwrap();
    assert_eq!(pb[0].amount, None);
    assert_eq!(
        pb[0].price(Currency::Nok),
        Money::new(PORTERBUDDY_PRICE, Currency::Nok)
    );
    let priced = check(vec![option("PORTERBUDDY", "pb", 0, Some(5000))]).unwrap();
    assert_eq!(priced[0].price(Currency::Nok).value, 5000);
    let mut euros = option("POSTEN", "e", 0, Some(100));
    euros.amount.as_mut().unwrap().currency = "EUR".into();
    refused_at(euros.clone(), "amount.currency");
    assert!(validate_options(vec![euros], None, "x").is_ok());
    let mut sek = option("POSTEN", "s", 0, Some(100));
    sek.amount.as_mut().unwrap().currency = "SEK".into();
    refused_at(sek, "amount.currency");
    refused_at(option("POSTEN", "n", 0, Some(-1)), "amount.value");
    refused_at(option("POSTEN", "n", 0, Some(65_000_001)), "amount.value");
    assert!(check(vec![option("POSTEN", "free", 0, Some(0))]).is_ok());
}

#[test]
fn tax_rates_are_0_to_10000() {
    let taxed = |r: i64| NewShippingOption {
        tax_rate: Some(r),
        ..option("POSTEN", "t", 0, Some(100))
    };
    assert!(check(vec![taxed(0)]).is_ok());
    assert!(check(vec![taxed(10_000)]).is_ok());
    refused_at(taxed(10_001), "taxRate");
    refused_at(taxed(-1), "taxRate");
}

#[test]
fn options_come_sorted_by_priority_and_the_default_is_chosen() {
    let opts = |defaults: [bool; 3]| {
        let mut v = vec![
            option("POSTEN", "c", 5, Some(1)),
            option("POSTEN", "a", 1, Some(1)),
            option("POSTEN", "b", 3, Some(1)),
        ];
        for (o, d) in v.iter_mut().zip(defaults) {
            o.is_default = Some(d);
        }
        check(v).unwrap()
    };
    let sorted = opts([false; 3]);
    let ids: Vec<_> = sorted.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(default_option(&sorted).unwrap().id, "a");
    assert_eq!(default_option(&opts([true, false, false])).unwrap().id, "c");
    assert_eq!(default_option(&opts([true, false, true])).unwrap().id, "b");
    assert!(default_option(&[]).is_none());
    let ties = check(vec![
        option("POSTEN", "first", 1, Some(1)),
        option("POSTEN", "second", 1, Some(1)),
    ])
    .unwrap();
    assert_eq!(default_option(&ties).unwrap().id, "first");
}

fn logistics_with_fixed() -> Logistics {
    session().logistics
}

#[test]
fn a_valid_dynamic_answer_beats_the_fixed_options() {
    let answer = DynamicAnswer::Options(vec![
        NewShippingOption {
            is_default: Some(true),
            ..typed(
                option("POSTNORD", "pn-home", 2, Some(6900)),
                "HOME_DELIVERY",
            )
        },
        typed(
            option("HELTHJEM", "hh-pickup", 1, Some(3900)),
            "PICKUP_POINT",
        ),
    ]);
    let o = offer(&logistics_with_fixed(), Some(answer), Currency::Nok);
    assert_eq!(o.source, OfferSource::Dynamic);
    assert_eq!(o.dynamic_refused, None);
    let ids: Vec<_> = o.options.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["hh-pickup", "pn-home"]);
    assert_eq!(o.default_option().unwrap().id, "pn-home");
    assert!(o.find("posten-mailbox").is_none());
}

#[test]
fn null_empty_failed_or_invalid_answers_fall_back_to_the_fixed_options() {
    let fixed = logistics_with_fixed();
    let none = offer(&fixed, None, Currency::Nok);
    assert_eq!(
        (none.source, none.dynamic_refused.clone()),
        (OfferSource::Fixed, None)
    );
    assert_eq!(none.options, fixed.fixed_options);
    assert_eq!(none.default_option().unwrap().id, "posten-mailbox");
    for answer in [
        DynamicAnswer::Empty,
        DynamicAnswer::Options(vec![]),
        DynamicAnswer::Failed("Timed out after 8 s".into()),
        DynamicAnswer::Options(vec![option("POSTEN", "no-price", 0, None)]),
        DynamicAnswer::Options(vec![
            option("POSTEN", "fine", 0, Some(100)),
            option("DHL", "garbage", 1, Some(100)),
        ]),
    ] {
        let o = offer(&fixed, Some(answer.clone()), Currency::Nok);
        assert_eq!(o.source, OfferSource::Fixed, "{answer:?}");
        assert_eq!(o.options, fixed.fixed_options);
        assert!(o.dynamic_refused.is_some(), "{answer:?}");
    }
    let invalid = offer(
        &fixed,
        Some(DynamicAnswer::Options(vec![option("POSTEN", "x", 0, None)])),
        Currency::Nok,
    );
    assert!(
        invalid
            .dynamic_refused
            .as_ref()
            .unwrap()
            .contains("[0].amount"),
        "{:?}",
        invalid.dynamic_refused
    );
    let timeout = offer(
        &fixed,
        Some(DynamicAnswer::Failed("Timed out after 8 s".into())),
        Currency::Nok,
    );
    assert_eq!(
        timeout.dynamic_refused.as_deref(),
        Some("Timed out after 8 s")
    );
    let mut euros = option("POSTEN", "e", 0, Some(100));
    euros.amount.as_mut().unwrap().currency = "EUR".into();
    let wrong_currency = offer(
        &fixed,
        Some(DynamicAnswer::Options(vec![euros])),
        Currency::Nok,
    );
    assert_eq!(wrong_currency.source, OfferSource::Fixed);
}

#[test]
fn without_fixed_options_a_failed_answer_leaves_the_shopper_blocked() {
    let dynamic_only = Logistics {
        fixed_options: vec![],
        dynamic_options_callback: Some("https://shop.example/shipping".into()),
        ..Logistics::default()
    };
    let o = offer(&dynamic_only, Some(DynamicAnswer::Empty), Currency::Nok);
    assert!(o.options.is_empty());
    assert!(o.default_option().is_none());
}

#[test]
fn pickup_points_are_three_fixed_points_per_brand_and_country() {
    let no = pickup_points(Brand::Posten, "NO");
    assert_eq!(no.len(), 3);
    assert_eq!(no, pickup_points(Brand::Posten, "NO"));
    assert!(no.iter().all(|p| p.country == "NO" && p.city == "Oslo"));
    assert!(no
        .iter()
        .all(|p| p.postal_code.len() == 4 && !p.opening_hours.is_empty()));
    assert_eq!(no[0].id, "posten-no-1");
    assert!(no[0].name.starts_with("Posten"));
    let se = pickup_points(Brand::Postnord, "SE");
    assert!(se
        .iter()
        .all(|p| p.city == "Stockholm" && p.country == "SE"));
    assert_eq!(pickup_points(Brand::Gls, "DK")[0].city, "København");
    assert_eq!(pickup_points(Brand::Posti, "FI")[0].city, "Helsinki");
    assert_eq!(pickup_points(Brand::Dao, "DE")[0].city, "Sandbox City");
    assert!(pickup_points(Brand::Porterbuddy, "NO").is_empty());
    assert!(pickup_points(Brand::Other, "NO").is_empty());
    let mut ids: Vec<String> = Brand::ALL
        .into_iter()
        .flat_map(|b| pickup_points(b, "NO"))
        .map(|p| p.id)
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((n, ids.len()), (18, 18));
}

#[test]
fn options_are_labelled_by_title_custom_type_or_brand_and_type() {
    let s = session();
    let labels: Vec<_> = s
        .logistics
        .fixed_options
        .iter()
        .map(|o| o.label())
        .collect();
    assert_eq!(
        labels,
        ["Posten mailbox", "Posten pickup point", "Bike courier"]
    );
    let custom = check(vec![NewShippingOption {
        custom_type: Some("Express".into()),
        ..option("POSTNORD", "x", 0, Some(1))
    }])
    .unwrap();
    assert_eq!(custom[0].label(), "PostNord Express");
    assert_eq!(
        check(vec![option("DAO", "d", 0, Some(1))]).unwrap()[0].label(),
        "DAO"
    );
}

#[test]
fn a_dynamic_answer_is_errors_named_by_index() {
    let e = validate_options(
        vec![option("POSTEN", "x", 0, None)],
        Some(Currency::Nok),
        "",
    )
    .unwrap_err();
    assert_eq!(e[0].field, "[0].amount");
}
