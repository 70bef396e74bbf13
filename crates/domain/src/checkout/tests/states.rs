//! The shopper's choice, the session states, the payment and the view.

use super::*;
use crate::{
    checkout::logistics::{offer, pickup_points, Brand, PORTERBUDDY_PRICE},
    epayment::{self, Approval},
    Lifecycle,
};

pub fn choice() -> ShopperChoice {
    ShopperChoice {
        first_name: Some("Ola".into()),
        last_name: Some("Nordmann".into()),
        email: Some("ola@example.no".into()),
        phone_number: Some("+47 912 34 567".into()),
        street_address: Some("Robert Levins gate 5".into()),
        postal_code: Some("0150".into()),
        city: Some("Oslo".into()),
        country: Some("no".into()),
        shipping_option_id: Some("posten-mailbox".into()),
        pickup_point_id: None,
        custom_consent: false,
    }
}

pub fn fixed(s: &Session) -> Vec<ShippingOption> {
    offer(&s.logistics, None, s.currency()).options
}

pub fn check(s: &Session, c: ShopperChoice) -> Result<Shopper, Vec<FieldError>> {
    s.check_choice(c, &fixed(s))
}

pub fn choice_fields(s: &Session, c: ShopperChoice) -> Vec<String> {
    check(s, c)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

pub fn with_config(f: impl FnOnce(&mut NewConfiguration)) -> Session {
    let mut r = configured(f);
    if r.configuration.as_ref().unwrap().elements.as_deref() != Some("Full") {
        r.logistics = None;
    }
    create(r).unwrap()
}

/// The session after the shopper proceeded with `choice()`.
pub fn initiated(s: &Session) -> Session {
    let shopper = check(s, choice()).unwrap();
    s.proceed(shopper, T0 + 60_000).unwrap().session
}

/// The ePayment payment the session asks for, created.
pub fn payment_of(s: &Session) -> epayment::Payment {
    s.new_payment()
        .unwrap()
        .create(&msn(), "psp1".into(), "t".into(), T0 + 60_000)
        .unwrap()
        .payment
}

pub fn approved(p: &epayment::Payment) -> epayment::Payment {
    match p.approve("4791234567", T0 + 120_000).unwrap() {
        Approval::Approved(t) => t.payment,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_session_nobody_pays_expires_after_an_hour_without_a_callback() {
    let s = session();
    assert_eq!(s.state_at(T0 + HOUR - 1), SessionState::SessionCreated);
    assert!(s.expire_if_due(T0 + HOUR - 1).is_none());
    assert_eq!(s.state_at(T0 + HOUR), SessionState::SessionExpired);
    let t = s.expire_if_due(T0 + HOUR).unwrap();
    assert_eq!(t.session.state, SessionState::SessionExpired);
    assert!(!t.callback_due);
    assert_eq!(t.session.ended_at, Some(T0 + HOUR));
    assert!(Lifecycle::expire_if_due(&t.session, T0 + 2 * HOUR).is_none());
    assert_eq!(
        <Session as Lifecycle>::after(t.clone()).state,
        SessionState::SessionExpired
    );
    let shopper = check(&s, choice()).unwrap();
    assert_eq!(
        s.proceed(shopper, T0 + HOUR).unwrap_err(),
        SessionError::Expired
    );
    let paying = initiated(&s);
    assert_eq!(
        paying.state_at(T0 + 2 * HOUR),
        SessionState::PaymentInitiated
    );
    assert!(paying.expire_if_due(T0 + 2 * HOUR).is_none());
}

#[test]
fn a_full_session_needs_contact_details_and_an_address() {
    let s = session();
    let shopper = check(&s, choice()).unwrap();
    let contact = shopper.contact.unwrap();
    assert_eq!(contact.phone_number, "4791234567");
    assert_eq!(contact.email, "ola@example.no");
    let address = shopper.address.unwrap();
    assert_eq!(address.country, "NO");
    assert_eq!(address.logistics_query().region, "Oslo");
    assert_eq!(shopper.shipping.unwrap().price.value, 4_900);
    assert_eq!(shopper.custom_consent, None);
    let empty = ShopperChoice {
        shipping_option_id: Some("posten-mailbox".into()),
        ..ShopperChoice::default()
    };
    assert_eq!(
        choice_fields(&s, empty),
        [
            "firstName",
            "lastName",
            "email",
            "phoneNumber",
            "streetAddress",
            "city",
            "country",
            "postalCode"
        ]
    );
}

#[test]
fn contact_details_must_be_usable() {
    let s = session();
    let bad = ShopperChoice {
        email: Some("ola@localhost".into()),
        phone_number: Some("123".into()),
        first_name: Some(" ".into()),
        last_name: Some("N".repeat(101)),
        ..choice()
    };
    assert_eq!(
        choice_fields(&s, bad),
        ["firstName", "lastName", "email", "phoneNumber"]
    );
    for ok in ["4791234567", "91234567", "0047 912 34 567"] {
        let c = ShopperChoice {
            phone_number: Some(ok.into()),
            ..choice()
        };
        assert_eq!(
            check(&s, c).unwrap().contact.unwrap().phone_number,
            "4791234567"
        );
    }
}

#[test]
fn the_country_is_a_supported_iso_code_and_the_postal_code_fits_it() {
    let s = session();
    let at = |country: &str, postal: &str| ShopperChoice {
        country: Some(country.into()),
        postal_code: Some(postal.into()),
        ..choice()
    };
    assert_eq!(choice_fields(&s, at("DK", "1050")), ["country"]);
    assert_eq!(choice_fields(&s, at("XX", "1050")), ["country"]);
    assert_eq!(choice_fields(&s, at("NO", "01500")), ["postalCode"]);
    assert_eq!(choice_fields(&s, at("NO", "O150")), ["postalCode"]);
    assert!(check(&s, at("SE", "111 21")).is_ok());
    assert!(check(&s, at("SE", "11121")).is_ok());
    assert_eq!(choice_fields(&s, at("SE", "1112")), ["postalCode"]);
    let anywhere = with_config(|c| c.countries = None);
    assert!(check(&anywhere, at("DK", "1050")).is_ok());
    assert!(check(&anywhere, at("FI", "00100")).is_ok());
    assert!(check(&anywhere, at("DE", "10115")).is_ok());
    assert_eq!(choice_fields(&anywhere, at("DK", "10500")), ["postalCode"]);
    assert!(is_iso_country("NO") && !is_iso_country("no") && !is_iso_country("XX"));
}

#[test]
fn fewer_elements_ask_for_less() {
    let contact_only = with_config(|c| c.elements = Some("PaymentAndContactInfo".into()));
    let no_address = ShopperChoice {
        street_address: None,
        postal_code: None,
        city: None,
        country: None,
        shipping_option_id: None,
        ..choice()
    };
    let shopper = check(&contact_only, no_address.clone()).unwrap();
    assert!(shopper.contact.is_some() && shopper.address.is_none() && shopper.shipping.is_none());
    let payment_only = with_config(|c| c.elements = Some("PaymentOnly".into()));
    let shopper = check(&payment_only, ShopperChoice::default()).unwrap();
    assert_eq!(
        shopper,
        Shopper {
            contact: None,
            address: None,
            shipping: None,
            custom_consent: None
        }
    );
    assert_eq!(
        choice_fields(&contact_only, ShopperChoice::default()),
        ["firstName", "lastName", "email", "phoneNumber"]
    );
}

#[test]
fn the_shipping_option_is_one_of_those_offered() {
    let s = session();
    let pick = |id: Option<&str>| ShopperChoice {
        shipping_option_id: id.map(str::to_owned),
        ..choice()
    };
    assert_eq!(choice_fields(&s, pick(None)), ["shippingOptionId"]);
    assert_eq!(choice_fields(&s, pick(Some("dhl"))), ["shippingOptionId"]);
    let courier = check(&s, pick(Some("courier"))).unwrap().shipping.unwrap();
    assert_eq!(courier.price.value, 9_900);
    assert!(courier.pickup_point.is_none());
    let e = s.check_choice(pick(Some("courier")), &[]).unwrap_err();
    assert_eq!(e[0].field, "shippingOptionId");
    assert!(
        e[0].reason.contains("No shipping options"),
        "{}",
        e[0].reason
    );
    let unshipped = create(NewSession {
        logistics: None,
        ..request()
    })
    .unwrap();
    assert!(check(&unshipped, pick(Some("anything")))
        .unwrap()
        .shipping
        .is_none());
}

#[test]
fn a_pickup_point_option_needs_one_of_its_pickup_points() {
    let s = session();
    let pick = |point: Option<&str>, country: &str, postal: &str| ShopperChoice {
        shipping_option_id: Some("posten-pickup".into()),
        pickup_point_id: point.map(str::to_owned),
        country: Some(country.into()),
        postal_code: Some(postal.into()),
        ..choice()
    };
    assert_eq!(
        choice_fields(&s, pick(None, "NO", "0150")),
        ["pickupPointId"]
    );
    assert_eq!(
        choice_fields(&s, pick(Some("posten-se-1"), "NO", "0150")),
        ["pickupPointId"]
    );
    let chosen = check(&s, pick(Some("posten-no-2"), "NO", "0150"))
        .unwrap()
        .shipping
        .unwrap();
    assert_eq!(
        chosen.pickup_point.as_ref(),
        Some(&pickup_points(Brand::Posten, "NO")[1])
    );
    let swedish = check(&s, pick(Some("posten-se-3"), "SE", "118 46")).unwrap();
    assert_eq!(
        swedish.shipping.unwrap().pickup_point.unwrap().city,
        "Stockholm"
    );
    assert_eq!(s.pickup_country(None), "NO");
}

#[test]
fn a_required_consent_must_be_given() {
    let consent = |required: bool| {
        with_config(|c| {
            c.custom_consent = Some(NewCustomConsent {
                text: Some("Newsletter".into()),
                required: Some(required),
            })
        })
    };
    assert_eq!(choice_fields(&consent(true), choice()), ["customConsent"]);
    let given = ShopperChoice {
        custom_consent: true,
        ..choice()
    };
    assert_eq!(
        check(&consent(true), given).unwrap().custom_consent,
        Some(true)
    );
    assert_eq!(
        check(&consent(false), choice()).unwrap().custom_consent,
        Some(false)
    );
}

#[test]
fn goods_and_shipping_together_must_reach_one_krone() {
    let cheap = |goods: i64, options: Vec<NewShippingOption>| {
        let mut r = transacted(|t| {
            t.amount = Some(nok(goods));
            t.order_summary = None;
        });
        r.logistics = Some(NewLogistics {
            dynamic_options_callback: Some("https://shop.example/d".into()),
            fixed_options: Some(options),
            ..NewLogistics::default()
        });
        create(r).unwrap()
    };
    let pick = |id: &str| ShopperChoice {
        shipping_option_id: Some(id.into()),
        ..choice()
    };
    let zero = cheap(
        0,
        vec![
            option("POSTEN", "free", 0, Some(0)),
            option("POSTEN", "one", 1, Some(100)),
        ],
    );
    assert_eq!(choice_fields(&zero, pick("free")), ["shippingOptionId"]);
    assert!(check(&zero, pick("one")).is_ok());
    let fifty = cheap(
        50,
        vec![
            option("POSTEN", "49", 0, Some(49)),
            option("POSTEN", "50", 1, Some(50)),
        ],
    );
    assert_eq!(choice_fields(&fifty, pick("49")), ["shippingOptionId"]);
    assert!(check(&fifty, pick("50")).is_ok());
    let nok = |v| Money::new(v, Currency::Nok);
    assert!(payment_total(nok(100), None).is_ok());
    assert!(payment_total(nok(100), Some(nok(0))).is_ok());
    assert!(payment_total(nok(0), Some(nok(99))).is_err());
    assert_eq!(payment_total(nok(60), Some(nok(40))), Ok(nok(100)));
    assert!(payment_total(nok(65_000_000), Some(nok(1))).is_err());
}

#[test]
fn proceeding_fixes_the_amount_and_adds_a_shipping_line() {
    let s = session();
    let p = initiated(&s);
    assert_eq!(p.state, SessionState::PaymentInitiated);
    assert_eq!(p.initiated_at, Some(T0 + 60_000));
    assert_eq!(p.payment_amount, Some(Money::new(14_900, Currency::Nok)));
    let receipt = p.order_summary.as_ref().unwrap();
    assert_eq!(receipt.order_lines.len(), 2);
    let line = &receipt.order_lines[1];
    assert!(line.is_shipping);
    assert_eq!(
        (line.id.as_str(), line.name.as_str()),
        ("posten-mailbox", "Posten mailbox")
    );
    assert_eq!((line.total_amount, line.tax_rate), (4_900, 0));
    assert_eq!(receipt.totals().total, 14_900);
    assert_eq!(receipt.totals().shipping, 4_900);
    let courier = ShopperChoice {
        shipping_option_id: Some("courier".into()),
        ..choice()
    };
    let c = s.proceed(check(&s, courier).unwrap(), T0).unwrap().session;
    let line = &c.order_summary.as_ref().unwrap().order_lines[1];
    assert_eq!(
        (
            line.total_amount,
            line.total_amount_excluding_tax,
            line.total_tax_amount
        ),
        (9_900, 7_920, 1_980)
    );
    assert_eq!(
        p.proceed(check(&s, choice()).unwrap(), T0 + 61_000)
            .unwrap_err(),
        SessionError::NotOpen(SessionState::PaymentInitiated)
    );
}

#[test]
fn free_shipping_adds_no_line_and_a_session_without_summary_gets_none() {
    let mut r = request();
    r.logistics.as_mut().unwrap().fixed_options = Some(vec![option("POSTEN", "free", 0, Some(0))]);
    let s = create(r).unwrap();
    let free = ShopperChoice {
        shipping_option_id: Some("free".into()),
        ..choice()
    };
    let p = s.proceed(check(&s, free).unwrap(), T0).unwrap().session;
    assert_eq!(p.order_summary.unwrap().order_lines.len(), 1);
    assert_eq!(p.payment_amount.unwrap().value, 10_000);
    let bare = create(transacted(|t| t.order_summary = None)).unwrap();
    let p = initiated(&bare);
    assert!(p.order_summary.is_none());
    assert_eq!(p.payment_amount.unwrap().value, 14_900);
}

#[test]
fn porterbuddy_without_a_price_costs_the_sandbox_price() {
    let mut r = request();
    r.logistics.as_mut().unwrap().fixed_options = Some(vec![typed(
        option("PORTERBUDDY", "pb", 0, None),
        "HOME_DELIVERY",
    )]);
    let s = create(r).unwrap();
    let pb = ShopperChoice {
        shipping_option_id: Some("pb".into()),
        ..choice()
    };
    let p = s.proceed(check(&s, pb).unwrap(), T0).unwrap().session;
    assert_eq!(p.payment_amount.unwrap().value, 10_000 + PORTERBUDDY_PRICE);
}

#[test]
fn the_epayment_request_carries_reference_total_phone_and_flow() {
    let s = session();
    assert!(s.new_payment().is_none());
    let p = initiated(&s);
    let np = p.new_payment().unwrap();
    assert_eq!(np.reference, "order-12345");
    assert_eq!((np.amount_value, np.currency.as_str()), (14_900, "NOK"));
    assert_eq!(
        (np.method.as_str(), np.user_flow.as_str()),
        ("WALLET", "WEB_REDIRECT")
    );
    assert_eq!(
        np.return_url.as_deref(),
        Some("https://shop.example/return?order=1")
    );
    assert_eq!(np.customer_phone.as_deref(), Some("4791234567"));
    assert!(np.customer_given && np.scope.is_none() && np.receipt.is_none());
    let payment = payment_of(&p);
    assert_eq!(payment.reference, p.reference);
    assert_eq!(payment.amount.value, 14_900);
    let wants_sub = initiated(&with_config(|c| c.require_user_info = Some(true)));
    assert_eq!(
        wants_sub.new_payment().unwrap().scope.as_deref(),
        Some("email")
    );
    let only_payment = with_config(|c| c.elements = Some("PaymentOnly".into()));
    let paying = only_payment
        .proceed(check(&only_payment, ShopperChoice::default()).unwrap(), T0)
        .unwrap()
        .session;
    let np = paying.new_payment().unwrap();
    assert!(!np.customer_given && np.customer_phone.is_none());
    assert!(np.create(&msn(), "p".into(), "t".into(), T0).is_ok());
}

#[test]
fn the_session_follows_its_payment_to_the_end_and_then_owes_the_callback() {
    use epayment::State::*;
    let p = initiated(&session());
    assert!(p.follow_payment(Created, T0).is_none());
    let t = p.follow_payment(Authorized, T0 + 5).unwrap();
    assert_eq!(t.session.state, SessionState::PaymentSuccessful);
    assert!(t.callback_due);
    assert_eq!(t.session.ended_at, Some(T0 + 5));
    assert!(t.session.follow_payment(Terminated, T0 + 6).is_none());
    for end in [Aborted, Expired, Terminated] {
        let t = p.follow_payment(end, T0).unwrap();
        assert_eq!(t.session.state, SessionState::PaymentTerminated);
        assert!(t.callback_due);
    }
    assert!(session().follow_payment(Authorized, T0).is_none());
    let states: Vec<_> = [Created, Authorized, Aborted, Expired, Terminated]
        .into_iter()
        .map(|s| PaymentState::from_epayment(s).as_str())
        .collect();
    assert_eq!(
        states,
        [
            "CREATED",
            "AUTHORIZED",
            "TERMINATED",
            "TERMINATED",
            "TERMINATED"
        ]
    );
    assert!(
        SessionState::PaymentSuccessful.is_final() && !SessionState::PaymentInitiated.is_final()
    );
}

#[test]
fn new_ids_and_tokens_are_random_and_url_safe() {
    let (a, b) = (new_session_id(), new_session_id());
    assert_ne!(a, b);
    assert_eq!(a.len(), 22);
    assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    let t = new_session_token();
    assert_eq!(t.len(), 43);
    assert!(t
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert_ne!(t, new_session_token());
}

#[test]
fn the_country_list_has_every_assigned_code() {
    let n = ["AD", "NO", "SE", "DK", "FI", "ZW", "GB", "US"]
        .iter()
        .filter(|c| is_iso_country(c))
        .count();
    assert_eq!(n, 8);
    for bad in ["UK", "EU", "N", "NOR", ""] {
        assert!(!is_iso_country(bad), "{bad}");
    }
}
