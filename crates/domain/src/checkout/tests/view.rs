//! The session as the merchant sees it.

use super::{states::*, *};

#[test]
fn before_payment_the_view_shows_only_the_session() {
    let s = session();
    let v = s.view(None, T0);
    assert_eq!(v.session_state, SessionState::SessionCreated);
    assert_eq!(
        (v.session_id.as_str(), v.reference.as_str()),
        ("sess1", "order-12345")
    );
    assert_eq!(v.merchant_serial_number.as_deref(), Some("123456"));
    assert!(v.payment_method.is_none() && v.payment_details.is_none());
    assert!(v.shipping_details.is_none() && v.billing_details.is_none());
    assert!(v.user_info.is_none() && v.custom_consent_provided.is_none());
    assert_eq!(
        s.view(None, T0 + HOUR).session_state,
        SessionState::SessionExpired
    );
    assert_eq!(s.polling_path(), "/checkout/v3/session/order-12345");
}

#[test]
fn once_paying_the_view_shows_payment_shipping_and_billing() {
    let p = initiated(&session());
    let payment = payment_of(&p);
    let v = p.view(Some(&payment), T0 + 70_000);
    assert_eq!(v.session_state, SessionState::PaymentInitiated);
    assert_eq!(v.payment_method, Some(PaymentMethod::Wallet));
    let d = v.payment_details.unwrap();
    assert_eq!((d.amount.value, d.state), (14_900, PaymentState::Created));
    assert!(d.aggregate.is_none());
    let ship = v.shipping_details.unwrap();
    assert_eq!(ship.shipping_method_id.as_deref(), Some("posten-mailbox"));
    assert_eq!(ship.amount.unwrap().value, 4_900);
    assert_eq!(ship.country.as_deref(), Some("NO"));
    assert_eq!(ship.phone_number.as_deref(), Some("4791234567"));
    assert!(ship.pickup_point.is_none());
    let bill = v.billing_details.unwrap();
    assert_eq!(
        (bill.first_name.as_str(), bill.email.as_str()),
        ("Ola", "ola@example.no")
    );
    assert_eq!(bill.postal_code.as_deref(), Some("0150"));
    assert!(v.user_info.is_none());
    let no_payment_yet = p.view(None, T0 + 70_000).payment_details.unwrap();
    assert_eq!(no_payment_yet.state, PaymentState::Created);
}

#[test]
fn after_approval_the_view_is_successful_with_the_aggregate() {
    let p = initiated(&session());
    let mut payment = approved(&payment_of(&p));
    let v = p.view(Some(&payment), T0 + 130_000);
    assert_eq!(v.session_state, SessionState::PaymentSuccessful);
    let d = v.payment_details.unwrap();
    assert_eq!(d.state, PaymentState::Authorized);
    assert_eq!(d.aggregate.unwrap().authorized.value, 14_900);
    assert!(v.user_info.is_none(), "only with requireUserInfo");
    payment = payment
        .capture(Money::new(4_000, Currency::Nok), "k1", T0 + 200_000)
        .unwrap()
        .payment;
    let stored = p
        .follow_payment(payment.state, T0 + 130_000)
        .unwrap()
        .session;
    let agg = stored
        .view(Some(&payment), T0 + 300_000)
        .payment_details
        .unwrap()
        .aggregate
        .unwrap();
    assert_eq!(
        (agg.captured.value, agg.refunded.value, agg.cancelled.value),
        (4_000, 0, 0)
    );
}

#[test]
fn user_info_comes_with_require_user_info_once_approved() {
    let p = initiated(&with_config(|c| c.require_user_info = Some(true)));
    let created = payment_of(&p);
    assert!(p.view(Some(&created), T0).user_info.is_none());
    let payment = approved(&created);
    let info = p.view(Some(&payment), T0 + 130_000).user_info.unwrap();
    assert_eq!(info.sub, crate::payer::subject("4791234567"));
    assert_eq!(info.email.as_deref(), Some("ola@example.no"));
}

#[test]
fn a_terminated_payment_ends_the_view_terminated() {
    let p = initiated(&session());
    let payment = payment_of(&p).reject(T0 + 90_000).unwrap().payment;
    let v = p.view(Some(&payment), T0 + 100_000);
    assert_eq!(v.session_state, SessionState::PaymentTerminated);
    assert_eq!(v.payment_details.unwrap().state, PaymentState::Terminated);
    let consent = with_config(|c| {
        c.custom_consent = Some(NewCustomConsent {
            text: Some("Newsletter".into()),
            required: Some(false),
        })
    });
    let v = initiated(&consent).view(None, T0 + 70_000);
    assert_eq!(v.custom_consent_provided, Some(false));
}

#[test]
fn a_payment_only_session_shows_no_shopper_details() {
    let s = with_config(|c| c.elements = Some("PaymentOnly".into()));
    let p = s
        .proceed(check(&s, ShopperChoice::default()).unwrap(), T0)
        .unwrap()
        .session;
    let v = p.view(None, T0 + 1);
    assert!(v.payment_details.is_some());
    assert!(v.shipping_details.is_none() && v.billing_details.is_none());
}
