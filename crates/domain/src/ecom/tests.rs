use super::*;

const MSN: &str = "123456";

fn msn() -> crate::Msn {
    crate::Msn::parse(MSN).unwrap()
}
const NOW: Millis = 1_700_000_000_000;

fn new(order: &str) -> NewPayment {
    NewPayment {
        body_msn: Some(MSN.into()),
        order_id: Some(order.into()),
        amount: Some(49_900),
        transaction_text: Some("One pair of socks".into()),
        callback_prefix: Some("https://shop.example/cb".into()),
        fallback: Some("https://shop.example/done".into()),
        ..Default::default()
    }
}

fn initiated() -> Payment {
    new("order-1")
        .initiate(
            &msn(),
            UnitSettings::default(),
            "tok".into(),
            5_000_000_000,
            NOW,
        )
        .unwrap()
        .payment
}

fn reserved() -> Payment {
    initiated()
        .approve("4712345678", None, false, NOW + 1000)
        .unwrap()
        .payment
}

fn m(amount: Option<i64>) -> Modification {
    Modification {
        amount,
        transaction_text: "text".into(),
        request_id: "req".into(),
    }
}

fn err(r: Result<Transition, EcomError>) -> (Group, String) {
    let e = r.unwrap_err();
    (e.group(), e.code.as_str().to_owned())
}

#[test]
fn initiate_logs_initiate_and_owes_no_callback() {
    let t = new("order-1")
        .initiate(
            &msn(),
            UnitSettings::default(),
            "tok".into(),
            5_000_000_000,
            NOW,
        )
        .unwrap();
    assert_eq!(t.payment.log.len(), 1);
    assert_eq!(t.payment.log[0].operation, Operation::Initiate);
    assert!(t.notices.is_empty());
    assert!(!t.payment.has_summary());
}

#[test]
fn initiate_rules_give_the_documented_errors() {
    let run = |n: NewPayment| err(n.initiate(&msn(), UnitSettings::default(), "t".into(), 1, NOW));
    let mut n = new("bad_id");
    assert_eq!(run(n).0, Group::InvalidRequest);
    n = new("o");
    n.amount = Some(99);
    assert_eq!(run(n), (Group::Payment, "43".into()));
    n = new("o");
    n.body_msn = Some("654321".into());
    assert_eq!(run(n).1, "merchantSerialNumber");
    n = new("o");
    n.fallback = None;
    assert_eq!(run(n).1, "fallBack");
    n = new("o");
    n.payment_type = Some("ecomm express payment".into());
    assert_eq!(run(n).1, "paymentType");
    n = new("o");
    n.payment_type = Some(EXPRESS.into());
    assert_eq!(run(n).1, "consentRemovalPrefix");
    n = new("o");
    n.mobile_number = Some("1234".into());
    assert_eq!(run(n), (Group::User, "81".into()));
    n = new("o");
    n.scope = Some("name nin".into());
    assert_eq!(run(n), (Group::Merchant, "51".into()));
    n = new("o");
    n.skip_landing_page = true;
    assert_eq!(run(n).1, "mobileNumber");
}

#[test]
fn phone_numbers_are_corrected_before_failing() {
    assert_eq!(
        normalise_mobile("+47 912 34 567").as_deref(),
        Some("91234567")
    );
    assert_eq!(
        normalise_mobile("004791234567").as_deref(),
        Some("91234567")
    );
    assert_eq!(normalise_mobile("9123456"), None);
}

#[test]
fn approval_reserves_and_calls_back_reserved() {
    let t = initiated().approve("4712345678", None, false, NOW).unwrap();
    assert_eq!(t.payment.state, State::Reserve);
    assert_eq!(t.notices[0].status, CallbackStatus::Reserved);
    assert_eq!(
        t.payment.log[1].transaction_id,
        t.payment.log[0].transaction_id
    );
}

#[test]
fn direct_capture_units_sell_at_once() {
    let t = initiated().approve("4712345678", None, true, NOW).unwrap();
    assert_eq!(t.payment.state, State::Sale);
    assert_eq!(t.notices[0].status, CallbackStatus::Sale);
    assert_eq!(t.payment.remaining_to_refund(), 49_900);
    assert_eq!(
        err(t.payment.capture(&m(None), NOW)),
        (Group::VippsError, "91".into())
    );
}

#[test]
fn a_declining_payer_leaves_the_payment_open() {
    let t = initiated().approve("4700000001", None, false, NOW).unwrap();
    assert_eq!(t.payment.state, State::Initiate);
    assert_eq!(t.notices[0].status, CallbackStatus::ReserveFailed);
    assert!(!t.payment.log[1].success);
    assert!(t.payment.reject(NOW).is_ok());
}

#[test]
fn timeout_logs_cancel_and_calls_back_rejected() {
    let p = initiated();
    assert!(p.expire_if_due(NOW + PAYER_WINDOW - 1).is_none());
    let t = p.expire_if_due(NOW + PAYER_WINDOW).unwrap();
    assert_eq!(t.payment.log[1].operation, Operation::Cancel);
    assert_eq!(t.notices[0].status, CallbackStatus::Rejected);
}

#[test]
fn captures_are_partial_and_bounded() {
    let p = reserved();
    assert_eq!(
        err(initiated().capture(&m(None), NOW)),
        (Group::Payment, "62".into())
    );
    let p = p.capture(&m(Some(10_000)), NOW).unwrap().payment;
    assert_eq!(p.remaining_to_capture(), 39_900);
    assert_eq!(
        err(p.capture(&m(Some(40_000)), NOW)),
        (Group::Payment, "61".into())
    );
    let p = p.capture(&m(Some(0)), NOW).unwrap().payment;
    assert_eq!(p.captured, 49_900);
    assert_ne!(p.log[2].transaction_id, p.log[3].transaction_id);
}

#[test]
fn cancel_of_initiate_is_cancel_and_of_reserve_is_void() {
    let t = initiated().cancel(&m(None), false, NOW).unwrap();
    assert_eq!(t.payment.log.last().unwrap().operation, Operation::Cancel);
    assert_eq!(
        err(t.payment.cancel(&m(None), false, NOW)),
        (Group::VippsError, "92".into())
    );
    let t = reserved().cancel(&m(None), false, NOW).unwrap();
    assert_eq!(t.payment.log.last().unwrap().operation, Operation::Void);
    assert_eq!(
        err(t.payment.capture(&m(None), NOW)),
        (Group::VippsError, "91".into())
    );
}

#[test]
fn cancel_after_partial_capture_needs_the_release_flag() {
    let p = reserved().capture(&m(Some(10_000)), NOW).unwrap().payment;
    assert_eq!(
        err(p.cancel(&m(None), false, NOW)),
        (Group::Payment, "51".into())
    );
    let p = p.cancel(&m(None), true, NOW).unwrap().payment;
    assert_eq!(p.log.last().unwrap().amount, 39_900);
    assert_eq!(p.remaining_to_refund(), 10_000);
}

#[test]
fn refunds_follow_captures() {
    assert_eq!(
        err(reserved().refund(&m(None), NOW)),
        (Group::Payment, "72".into())
    );
    let void = reserved().cancel(&m(None), false, NOW).unwrap().payment;
    assert_eq!(
        err(void.refund(&m(None), NOW)),
        (Group::Payment, "73".into())
    );
    let p = reserved().capture(&m(None), NOW).unwrap().payment;
    assert_eq!(
        err(p.refund(&m(Some(50_000)), NOW)),
        (Group::Payment, "71".into())
    );
    let p = p.refund(&m(Some(9_900)), NOW).unwrap().payment;
    let p = p.refund(&m(None), NOW).unwrap().payment;
    assert_eq!(p.refunded, 49_900);
    assert_eq!(p.status_value(), "REFUND");
}

#[test]
fn express_reserves_amount_plus_shipping() {
    let mut n = new("x");
    n.payment_type = Some(EXPRESS.into());
    n.consent_removal_prefix = Some("https://shop.example/consent".into());
    n.static_shipping = Some(vec![ShippingOption {
        is_default: true,
        priority: 0,
        cost_ore: cost_to_ore(49.9).unwrap(),
        method: "Posten".into(),
        method_id: "p1".into(),
    }]);
    let p = n
        .initiate(&msn(), UnitSettings::default(), "t".into(), 1, NOW)
        .unwrap()
        .payment;
    let opt = choose_shipping(p.static_shipping.as_deref().unwrap(), None).unwrap();
    let choice = ShippingChoice {
        address: default_address(),
        cost_ore: opt.cost_ore,
        method: opt.method.clone(),
        method_id: opt.method_id.clone(),
    };
    let t = p.approve("4712345678", Some(choice), false, NOW).unwrap();
    assert_eq!(t.notices[0].status, CallbackStatus::Reserve);
    assert_eq!(t.notices[0].amount, 49_900 + 4_990);
    assert!(t.payment.user.is_some());
}

#[test]
fn the_default_shipping_option_is_preselected() {
    let o = |id: &str, prio, def| ShippingOption {
        is_default: def,
        priority: prio,
        cost_ore: 0,
        method: id.into(),
        method_id: id.into(),
    };
    let opts = vec![o("a", 2, false), o("b", 1, false), o("c", 3, true)];
    assert_eq!(choose_shipping(&opts, None).unwrap().method_id, "c");
    assert_eq!(choose_shipping(&opts[..2], None).unwrap().method_id, "b");
    assert!(choose_shipping(&opts, Some("zz")).is_err());
    assert!(choose_shipping(&[], None).is_err());
}

#[test]
fn prefixes_lose_one_trailing_slash() {
    assert_eq!(
        join("https://x/cb/", "/v2/payments/1"),
        "https://x/cb/v2/payments/1"
    );
    assert_eq!(
        join("https://x/cb", "/v2/payments/1"),
        "https://x/cb/v2/payments/1"
    );
}

#[test]
fn timestamps_have_milliseconds() {
    assert_eq!(timestamp(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
    assert_eq!(timestamp(1_700_000_000_005), "2023-11-14T22:13:20.005Z");
    assert_eq!(timestamp(1_700_000_000_050), "2023-11-14T22:13:20.050Z");
    assert_eq!(timestamp(1_700_000_000_999), "2023-11-14T22:13:20.999Z");
    assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(timestamp(1_549_369_662_311), "2019-02-05T12:27:42.311Z");
    assert_eq!(timestamp(-1), "1969-12-31T23:59:59.999Z");
    assert_eq!(timestamp(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
    assert_eq!(timestamp(i64::MAX), "", "out of range prints nothing");
}

/// The hand-written formatting `timestamp` replaced, kept to prove the
/// format description prints exactly the same.
fn timestamp_by_hand(ms: Millis) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

proptest::proptest! {
    #[test]
    fn timestamps_match_the_former_formatting(ms in 0i64..253_402_300_800_000) {
        proptest::prop_assert_eq!(timestamp(ms), timestamp_by_hand(ms));
    }
}

#[test]
fn callback_statuses_are_spelled_as_documented() {
    let all = [
        (CallbackStatus::Reserved, "RESERVED"),
        (CallbackStatus::Reserve, "RESERVE"),
        (CallbackStatus::Sale, "SALE"),
        (CallbackStatus::Cancelled, "CANCELLED"),
        (CallbackStatus::Rejected, "REJECTED"),
        (CallbackStatus::ReserveFailed, "RESERVE_FAILED"),
        (CallbackStatus::SaleFailed, "SALE_FAILED"),
    ];
    for (status, text) in all {
        assert_eq!(status.as_str(), text);
    }
}

#[test]
fn the_payer_rejecting_calls_back_cancelled() {
    let t = initiated().reject(NOW).unwrap();
    assert_eq!(t.notices[0].status, CallbackStatus::Cancelled);
    let t = initiated().approve("4700000001", None, true, NOW).unwrap();
    assert_eq!(t.notices[0].status, CallbackStatus::SaleFailed);
}

#[test]
fn the_body_msn_follows_the_one_msn_rule() {
    let run = |m: Option<&str>| {
        let mut n = new("o");
        n.body_msn = m.map(str::to_owned);
        n.initiate(&msn(), UnitSettings::default(), "t".into(), 1, NOW)
            .map(|_| ())
            .map_err(|e| (e.code.as_str().to_owned(), e.message))
    };
    let invalid = |m: &str| Err(("merchantSerialNumber".to_owned(), m.to_owned()));
    assert_eq!(
        run(Some("1234")),
        invalid("merchantSerialNumber must be 5-6 digits")
    );
    assert_eq!(
        run(Some("1234567")),
        invalid("merchantSerialNumber must be 5-6 digits")
    );
    assert_eq!(
        run(None),
        invalid("merchantInfo.merchantSerialNumber is required")
    );
    assert_eq!(
        run(Some("12345")),
        invalid("merchantSerialNumber does not match the access token's merchant")
    );
    assert_eq!(run(Some(MSN)), Ok(()));
}

fn keyless(amount: Option<i64>) -> Modification {
    Modification {
        request_id: String::new(),
        ..m(amount)
    }
}

#[test]
fn a_partial_capture_or_refund_needs_a_request_id() {
    let p = reserved();
    let e = p
        .modify(MerchantOp::Capture, &keyless(Some(10_000)), NOW)
        .unwrap_err();
    assert_eq!(e.error.group(), Group::InvalidRequest);
    assert_eq!(e.error.code.as_str(), "X-Request-Id");
    assert!(e.logged.is_none(), "a bad request is not logged");
    // Everything that remains, said or not, needs none.
    for amount in [None, Some(0), Some(49_900)] {
        assert!(p.modify(MerchantOp::Capture, &keyless(amount), NOW).is_ok());
    }
    assert!(p.modify(MerchantOp::Capture, &m(Some(10_000)), NOW).is_ok());
    let captured = p.capture(&m(None), NOW).unwrap().payment;
    let e = captured
        .modify(MerchantOp::Refund, &keyless(Some(100)), NOW)
        .unwrap_err();
    assert_eq!(e.error.code.as_str(), "X-Request-Id");
    assert!(captured
        .modify(MerchantOp::Refund, &keyless(Some(49_900)), NOW)
        .is_ok());
    // Cancel takes no amount into account.
    assert!(p
        .modify(
            MerchantOp::Cancel {
                release_rest: false
            },
            &keyless(Some(1)),
            NOW
        )
        .is_ok());
}

#[test]
fn a_refused_operation_is_logged_with_the_amount_asked_or_what_remains() {
    // Capture before reservation: Payment 62, logged with the amount asked.
    let p = initiated();
    let r = p
        .modify(MerchantOp::Capture, &m(Some(5_000)), NOW)
        .unwrap_err();
    assert_eq!(r.error.code, Code::Payment(PaymentCode::NotReserved));
    let t = r.logged.expect("logged");
    assert!(t.notices.is_empty());
    assert_eq!(t.payment.state, State::Initiate);
    let e = t.payment.log.last().unwrap();
    assert_eq!(
        (e.operation, e.success, e.amount, e.request_id.as_str()),
        (Operation::Capture, false, 5_000, "req")
    );
    assert_eq!(e.transaction_text, "text");

    // Refund of a reservation, no amount: what remains to refund (0).
    let p = reserved();
    let r = p.modify(MerchantOp::Refund, &m(None), NOW).unwrap_err();
    assert_eq!(
        r.error.code,
        Code::Payment(PaymentCode::CannotRefundReserved)
    );
    let e = r.logged.unwrap().payment.log.last().unwrap().clone();
    assert_eq!((e.operation, e.amount), (Operation::Refund, 0));

    // A refund larger than the rest: the amount asked.
    let p = p.capture(&m(Some(10_000)), NOW).unwrap().payment;
    let r = p
        .modify(MerchantOp::Refund, &m(Some(20_000)), NOW)
        .unwrap_err();
    assert_eq!(
        r.error.code,
        Code::Payment(PaymentCode::RefundExceedsCaptured)
    );
    assert_eq!(r.logged.unwrap().payment.log.last().unwrap().amount, 20_000);

    // Cancel after a partial capture without release: Payment 51, logged
    // with what remains to capture.
    let r = p
        .modify(
            MerchantOp::Cancel {
                release_rest: false,
            },
            &m(None),
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        r.error.code,
        Code::Payment(PaymentCode::CannotCancelCaptured)
    );
    let t = r.logged.unwrap();
    let e = t.payment.log.last().unwrap();
    assert_eq!(
        (e.operation, e.amount, e.success),
        (Operation::Cancel, 39_900, false)
    );
    // The refusal takes the next transaction id, the payment is otherwise as it was.
    assert_eq!(t.payment.next_transaction, p.next_transaction + 1);
    assert_eq!(t.payment.captured, p.captured);

    // A VippsError refusal is logged too.
    let void = p
        .modify(MerchantOp::Cancel { release_rest: true }, &m(None), NOW)
        .unwrap()
        .payment;
    let r = void
        .modify(MerchantOp::Capture, &m(Some(0)), NOW)
        .unwrap_err();
    assert_eq!(r.error.code, Code::Vipps(VippsCode::NotAllowed));
    assert_eq!(r.logged.unwrap().payment.log.last().unwrap().amount, 0);
}

#[test]
fn merchant_operations_do_what_their_own_methods_do() {
    let p = reserved();
    assert_eq!(
        p.modify(MerchantOp::Capture, &m(Some(100)), NOW).unwrap(),
        p.capture(&m(Some(100)), NOW).unwrap()
    );
    let c = p.capture(&m(None), NOW).unwrap().payment;
    assert_eq!(
        c.modify(MerchantOp::Refund, &m(None), NOW).unwrap(),
        c.refund(&m(None), NOW).unwrap()
    );
    assert_eq!(
        p.modify(
            MerchantOp::Cancel {
                release_rest: false
            },
            &m(None),
            NOW
        )
        .unwrap(),
        p.cancel(&m(None), false, NOW).unwrap()
    );
}
