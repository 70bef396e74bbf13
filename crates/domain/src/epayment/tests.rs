use proptest::prelude::*;

use super::*;
use crate::Currency;

const T0: Millis = 1_700_000_000_000;

fn msn() -> crate::Msn {
    crate::Msn::parse("123456").unwrap()
}

fn new_payment(value: i64) -> NewPayment {
    NewPayment {
        reference: "order-12345".into(),
        amount_value: value,
        currency: "NOK".into(),
        method: "WALLET".into(),
        user_flow: "WEB_REDIRECT".into(),
        return_url: Some("https://shop.example/return".into()),
        description: Some("Socks".into()),
        ..NewPayment::default()
    }
}

fn created(value: i64) -> Payment {
    new_payment(value)
        .create(&msn(), "psp1".into(), "tok".into(), T0)
        .unwrap()
        .payment
}

fn authorized(value: i64) -> Payment {
    match created(value).approve("4712345678", T0 + 1).unwrap() {
        Approval::Approved(t) => t.payment,
        other => panic!("{other:?}"),
    }
}

fn nok(v: i64) -> Money {
    Money::new(v, Currency::Nok)
}

#[test]
fn create_starts_created_with_zero_aggregate_and_a_created_event() {
    let t = new_payment(1000)
        .create(&msn(), "psp1".into(), "tok".into(), T0)
        .unwrap();
    assert_eq!(t.payment.state, State::Created);
    assert_eq!((t.payment.authorized, t.payment.captured), (0, 0));
    assert_eq!(t.payment.expires_at, T0 + PAYER_WINDOW);
    assert_eq!(t.events[0].name, EventName::Created);
}

#[test]
fn create_rules_are_enforced() {
    let title = |p: NewPayment| {
        p.create(&msn(), "p".into(), "t".into(), T0)
            .unwrap_err()
            .title
    };
    assert_eq!(title(new_payment(99)), "Amount too small");
    assert_eq!(title(new_payment(65_000_001)), "Amount invalid");
    assert_eq!(
        title(NewPayment {
            reference: "short".into(),
            ..new_payment(1000)
        }),
        "Invalid reference"
    );
    assert_eq!(
        title(NewPayment {
            return_url: None,
            ..new_payment(1000)
        }),
        "Missing required parameter"
    );
    assert_eq!(
        title(NewPayment {
            user_flow: "PUSH_MESSAGE".into(),
            ..new_payment(1000)
        }),
        "Missing required parameter"
    );
    assert_eq!(
        title(NewPayment {
            customer_phone: Some("12345".into()),
            customer_given: true,
            ..new_payment(1000)
        }),
        "Invalid phone number"
    );
    assert_eq!(
        title(NewPayment {
            method: "CARD".into(),
            user_flow: "QR".into(),
            ..new_payment(1000)
        }),
        "Operation not supported"
    );
    assert_eq!(
        title(NewPayment {
            scope: Some("name shoesize".into()),
            ..new_payment(1000)
        }),
        "Invalid scope"
    );
    assert_eq!(
        title(NewPayment {
            description: Some("ab".into()),
            ..new_payment(1000)
        }),
        "Invalid payment description"
    );
    // DKK and EUR may be a single minor unit.
    let dkk = NewPayment {
        currency: "DKK".into(),
        ..new_payment(1)
    };
    assert!(dkk.create(&msn(), "p".into(), "t".into(), T0).is_ok());
}

#[test]
fn approval_authorizes_the_whole_amount() {
    let p = authorized(1000);
    assert_eq!(p.state, State::Authorized);
    assert_eq!(p.authorized, 1000);
    assert_eq!(p.card_bin.as_deref(), Some("492500"));
}

#[test]
fn a_declining_payer_leaves_the_payment_open_with_a_failed_event() {
    match created(1000).approve("4700000001", T0 + 1).unwrap() {
        Approval::Declined(t, reason) => {
            assert_eq!(reason, "Insufficient funds");
            assert_eq!(t.payment.state, State::Created);
            assert!(!t.events[0].success);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn payments_expire_after_ten_minutes_and_cannot_be_approved_then() {
    let p = created(1000);
    assert!(p.expire_if_due(T0 + PAYER_WINDOW - 1).is_none());
    let t = p.expire_if_due(T0 + PAYER_WINDOW).unwrap();
    assert_eq!(t.payment.state, State::Expired);
    assert_eq!(t.events[0].name, EventName::Expired);
    assert!(p.approve("4712345678", T0 + PAYER_WINDOW).is_err());
}

#[test]
fn partial_then_full_capture_then_refund() {
    let p = authorized(1000);
    let p = p.capture(nok(400), "k1", T0).unwrap().payment;
    let p = p.capture(nok(600), "k2", T0).unwrap().payment;
    assert_eq!(p.captured, 1000);
    assert_eq!(
        p.capture(nok(1), "k3", T0).unwrap_err().title,
        "Capture amount too high"
    );
    let p = p.refund(nok(300), "k4", T0).unwrap().payment;
    assert_eq!(
        p.refund(nok(701), "k5", T0).unwrap_err().title,
        "Not enough refundable"
    );
    let p = p.refund(nok(700), "k6", T0).unwrap().payment;
    assert_eq!(
        p.refund(nok(1), "k7", T0).unwrap_err().title,
        "Payment already refunded"
    );
    assert_eq!(p.state, State::Authorized);
}

#[test]
fn cancel_in_created_terminates() {
    let t = created(1000).cancel(false, "k", T0).unwrap().unwrap();
    assert_eq!(t.payment.state, State::Terminated);
    assert_eq!(t.payment.cancelled, 1000);
    assert_eq!(t.events[0].name, EventName::Terminated);
    assert!(t.payment.cancel(false, "k2", T0).unwrap().is_none());
}

#[test]
fn cancel_after_partial_capture_releases_the_rest() {
    let p = authorized(1000).capture(nok(250), "k", T0).unwrap().payment;
    let t = p.cancel(false, "c", T0).unwrap().unwrap();
    assert_eq!(t.payment.cancelled, 750);
    assert_eq!(t.events[0].amount.value, 750);
    assert_eq!(t.payment.state, State::Authorized);
    assert_eq!(
        t.payment.capture(nok(1), "k2", T0).unwrap_err().title,
        "Cannot capture a cancelled payment"
    );
    // Cancelling again changes nothing.
    assert!(t.payment.cancel(false, "c2", T0).unwrap().is_none());
}

#[test]
fn cancel_is_refused_after_full_capture_and_on_final_states() {
    let p = authorized(1000)
        .capture(nok(1000), "k", T0)
        .unwrap()
        .payment;
    assert_eq!(
        p.cancel(false, "c", T0).unwrap_err().title,
        "Cannot cancel a captured payment"
    );
    let aborted = created(1000).reject(T0).unwrap().payment;
    assert_eq!(
        aborted.cancel(false, "c", T0).unwrap_err().kind,
        ErrorKind::BadRequest
    );
}

#[test]
fn cancel_transaction_only_leaves_an_authorized_payment_alone() {
    assert!(authorized(1000).cancel(true, "c", T0).unwrap().is_none());
}

#[test]
fn modifications_need_the_payment_currency_and_a_positive_amount() {
    let p = authorized(1000);
    assert_eq!(
        p.capture(Money::new(10, Currency::Eur), "k", T0)
            .unwrap_err()
            .title,
        "Invalid currency"
    );
    assert_eq!(
        p.capture(nok(0), "k", T0).unwrap_err().title,
        "Amount too small"
    );
    assert_eq!(
        created(1000).capture(nok(10), "k", T0).unwrap_err().title,
        "Cannot capture before reservation"
    );
    assert_eq!(
        created(1000).refund(nok(10), "k", T0).unwrap_err().title,
        "Attempted refund before reservation"
    );
}

#[test]
fn captures_are_refused_after_180_days() {
    let p = authorized(1000);
    let late = T0 + CAPTURE_PERIOD + 2;
    assert_eq!(
        p.capture(nok(10), "k", late).unwrap_err().title,
        "Capture period expired"
    );
}

#[derive(Debug, Clone)]
enum Op {
    Capture(i64),
    Refund(i64),
    Cancel,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0i64..1500).prop_map(Op::Capture),
        (0i64..1500).prop_map(Op::Refund),
        Just(Op::Cancel),
    ]
}

proptest! {
    /// Whatever sequence of operations is tried, the aggregate never breaks
    /// the rules: captured + cancelled ≤ authorized, refunded ≤ captured, and
    /// each accepted operation moves exactly its own amount.
    #[test]
    fn aggregate_invariants_hold(amount in 100i64..1200, ops in proptest::collection::vec(op(), 0..20)) {
        let mut p = authorized(amount);
        for op in ops {
            let before = p.clone();
            let result = match op {
                Op::Capture(v) => p.capture(nok(v), "k", T0).map(Some),
                Op::Refund(v) => p.refund(nok(v), "k", T0).map(Some),
                Op::Cancel => p.cancel(false, "k", T0),
            };
            if let Ok(Some(t)) = result {
                let moved = t.events[0].amount.value;
                prop_assert!(moved > 0);
                let delta = (t.payment.captured - before.captured)
                    + (t.payment.refunded - before.refunded)
                    + (t.payment.cancelled - before.cancelled);
                prop_assert_eq!(delta, moved);
                p = t.payment;
            }
            prop_assert!(p.captured + p.cancelled <= p.authorized);
            prop_assert!(p.refunded <= p.captured);
            prop_assert!(p.captured >= 0 && p.refunded >= 0 && p.cancelled >= 0);
        }
    }
}

#[test]
fn going_back_after_submitting_the_phone_aborts_and_only_then() {
    let p = created(1000);
    assert!(p.back_to_landing(T0 + 1).is_none(), "nothing submitted yet");
    let p = p.submit_phone(T0 + 1).unwrap().unwrap().payment;
    assert!(p.submit_phone(T0 + 2).unwrap().is_none(), "known already");
    let t = p.back_to_landing(T0 + 3).unwrap();
    assert_eq!(t.payment.state, State::Aborted);
    assert_eq!(t.events[0].name, EventName::Aborted);
    let approved = match p.approve("4712345678", T0 + 3).unwrap() {
        Approval::Approved(t) => t.payment,
        other => panic!("{other:?}"),
    };
    assert!(
        approved.back_to_landing(T0 + 4).is_none(),
        "an approved payment stays approved"
    );
}

#[test]
fn a_description_with_control_characters_is_refused() {
    for bad in ["Socks\n", "So\u{7}cks", "Socks\t!"] {
        let mut p = new_payment(1_000);
        p.description = Some(bad.into());
        let err = p.create(&msn(), "p".into(), "t".into(), T0).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("paymentDescription"), "{bad:?}");
    }
    let mut p = new_payment(1_000);
    p.description = Some("Socks, blå".into());
    assert!(p.create(&msn(), "p".into(), "t".into(), T0).is_ok());
}
