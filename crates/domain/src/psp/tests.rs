use super::*;
use crate::SECOND;

const T0: Millis = 1_800_000_000_000;

fn new_payment(amount: i64) -> NewPayment {
    NewPayment {
        psp_transaction_id: Some("7686f7788898767977".into()),
        merchant_order_id: Some("acme-shop-123-order123abc".into()),
        amount: Some(amount),
        currency: Some("NOK".into()),
        psp_redirect_url: Some("https://example.com/psp-redirect".into()),
        make_payment_url: Some("https://example.com/psp-makepayment".into()),
        make_payment_token: Some("secret".into()),
        payment_text: Some("One pair of socks".into()),
        ..NewPayment::default()
    }
}

fn payment(amount: i64) -> Payment {
    new_payment(amount)
        .initiate("PSP1", "123456", "tok".into(), T0)
        .unwrap()
}

fn reserved(amount: i64) -> Payment {
    let t = payment(amount).approve("4712345678", T0 + SECOND).unwrap();
    let Phase::AwaitingPsp { since, .. } = t.payment.phase else {
        panic!("not waiting for the PSP")
    };
    t.payment
        .answered(since, &PspAnswer::Ok, T0 + 2 * SECOND)
        .unwrap()
        .payment
}

fn report(op: UpdateOp, amount: i64) -> StatusReport {
    StatusReport {
        op,
        amount,
        currency: "NOK".into(),
        payment_text: None,
        success: true,
        reported_at: T0 + 10 * SECOND,
        apply_at: T0 + 10 * SECOND,
    }
}

fn init_error(change: impl FnOnce(&mut NewPayment)) -> PspError {
    let mut n = new_payment(1000);
    change(&mut n);
    n.initiate("PSP1", "123456", "tok".into(), T0).unwrap_err()
}

#[test]
fn init_rules_answer_the_documented_codes() {
    assert_eq!(init_error(|n| n.amount = Some(0)).code, "amount");
    assert_eq!(
        init_error(|n| n.amount = Some(0)).message,
        "amount.less.than.one"
    );
    assert_eq!(init_error(|n| n.amount = Some(1 << 40)).code, "amount");
    assert_eq!(
        init_error(|n| n.currency = Some("SEK".into())).code,
        "currency"
    );
    assert_eq!(init_error(|n| n.currency = None).code, "currency");
    assert_eq!(
        init_error(|n| n.make_payment_url = Some("ftp://x".into())).code,
        "makePaymentUrl"
    );
    assert_eq!(
        init_error(|n| n.make_payment_url = None).code,
        "makePaymentUrl"
    );
    let bad_redirect = init_error(|n| n.psp_redirect_url = Some("not a url".into()));
    assert_eq!(bad_redirect.code, "51");
    assert!(bad_redirect.message.contains("pspRedirectUrl"));
    assert_eq!(init_error(|n| n.psp_transaction_id = None).code, "51");
    assert_eq!(
        init_error(|n| n.psp_transaction_id = Some("x".repeat(37))).code,
        "51"
    );
    assert_eq!(
        init_error(|n| n.merchant_order_id = Some("has space".into())).code,
        "51"
    );
    assert_eq!(
        init_error(|n| n.make_payment_token = Some("t".repeat(256))).code,
        "51"
    );
    assert_eq!(init_error(|n| n.skip_landing_page = true).code, "51");
    assert_eq!(
        init_error(|n| n.customer_mobile_number = Some("1234567".into())).code,
        "51"
    );
}

#[test]
fn an_app_payment_may_redirect_to_a_deeplink_vipps_does_not_check() {
    let mut n = new_payment(1000);
    n.is_app = true;
    n.psp_redirect_url = Some("not even a url".into());
    assert!(n.initiate("PSP1", "123456", "tok".into(), T0).is_ok());
}

#[test]
fn approval_waits_for_the_psp_and_ok_reserves_with_a_log_entry() {
    let p = reserved(49900);
    assert_eq!(p.phase, Phase::Reserved);
    assert_eq!(p.log.len(), 1);
    assert_eq!(p.log[0].operation, UpdateOp::Reserved);
    assert!(p.log[0].success);
    let s = p.summary().unwrap();
    assert_eq!(
        (
            s.captured,
            s.remaining_to_capture,
            s.refunded,
            s.remaining_to_refund
        ),
        (0, 49900, 0, 0)
    );
    assert_eq!(p.payer_phone.as_deref(), Some("4712345678"));
}

#[test]
fn magic_amounts_choose_the_documented_tokens() {
    let t = network_token(2200).unwrap();
    assert_eq!(t.number, "5226603115488031");
    assert_eq!(
        (t.expiry_month.as_str(), t.expiry_year.as_str()),
        ("05", "2025")
    );
    assert_eq!(
        (t.token_type.as_str(), t.eci.as_str()),
        ("MASTERCARD", "06")
    );
    assert_eq!(t.bin(), "522660");
    let t = network_token(3200).unwrap();
    assert_eq!(t.number, "4111111111111111");
    assert_eq!((t.token_type.as_str(), t.eci.as_str()), ("VISA", "07"));
    assert_eq!(network_token(4400).unwrap().expiry_year, "2022");
    assert_eq!(network_token(5200).unwrap().number, "5413330089010442");
    assert_eq!(network_token(12345).unwrap().number, "4895370013193500");
    assert!(network_token(3100).is_none());
}

#[test]
fn a_card_that_is_not_eligible_ends_the_payment_and_tells_the_psp_user_cancel() {
    let t = payment(3100).approve("4712345678", T0 + SECOND).unwrap();
    assert!(matches!(t.payment.phase, Phase::Cancelled { .. }));
    assert_eq!(t.notices[0].state, PaymentState::UserCancel);
}

#[test]
fn fail_ends_the_payment_with_the_psps_text() {
    let t = payment(1000).approve("4712345678", T0 + SECOND).unwrap();
    let answer = PspAnswer::Fail {
        error_id: Some("89".into()),
        text: Some("Insufficient funds".into()),
    };
    let p = t
        .payment
        .answered(T0 + SECOND, &answer, T0 + 2 * SECOND)
        .unwrap()
        .payment;
    assert_eq!(
        p.phase,
        Phase::Failed {
            reason: "Insufficient funds".into()
        }
    );
    assert!(!p.log[0].success);
    assert_eq!(p.last_answer().unwrap().error_id.as_deref(), Some("89"));
    assert!(p.summary().is_none());
}

#[test]
fn a_soft_decline_waits_for_three_ds_and_success_sends_make_payment_again() {
    let t = payment(1000).approve("4712345678", T0 + SECOND).unwrap();
    let soft = PspAnswer::SoftDecline {
        url: Some("https://psp.example/3ds".into()),
        error_id: Some("1036".into()),
    };
    let p = t
        .payment
        .answered(T0 + SECOND, &soft, T0 + 2 * SECOND)
        .unwrap()
        .payment;
    assert!(matches!(p.phase, Phase::AwaitingThreeDs { .. }));
    let p = p.three_ds_returned(true, T0 + 5 * SECOND).unwrap().payment;
    assert_eq!(
        p.phase,
        Phase::AwaitingPsp {
            since: T0 + 5 * SECOND,
            after_three_ds: true
        }
    );
    // A second soft decline is a failure.
    let again = p
        .answered(T0 + 5 * SECOND, &soft, T0 + 6 * SECOND)
        .unwrap()
        .payment;
    assert!(matches!(again.phase, Phase::Failed { .. }));
    // An OK reserves.
    let ok = p
        .answered(T0 + 5 * SECOND, &PspAnswer::Ok, T0 + 6 * SECOND)
        .unwrap()
        .payment;
    assert_eq!(ok.phase, Phase::Reserved);
}

#[test]
fn three_ds_cancelled_fails_and_a_soft_decline_without_a_url_fails() {
    let t = payment(1000).approve("4712345678", T0 + SECOND).unwrap();
    let soft = |url: Option<&str>| PspAnswer::SoftDecline {
        url: url.map(str::to_owned),
        error_id: None,
    };
    let no_url = t
        .payment
        .answered(T0 + SECOND, &soft(None), T0 + 2 * SECOND)
        .unwrap();
    assert!(matches!(no_url.payment.phase, Phase::Failed { .. }));
    let waiting = t
        .payment
        .answered(
            T0 + SECOND,
            &soft(Some("https://psp.example/3ds")),
            T0 + 2 * SECOND,
        )
        .unwrap()
        .payment;
    let cancelled = waiting
        .three_ds_returned(false, T0 + 3 * SECOND)
        .unwrap()
        .payment;
    assert!(matches!(cancelled.phase, Phase::Failed { .. }));
    assert!(cancelled.three_ds_returned(true, T0 + 4 * SECOND).is_err());
}

#[test]
fn a_late_or_stale_answer_changes_nothing() {
    let t = payment(1000).approve("4712345678", T0 + SECOND).unwrap();
    assert!(t
        .payment
        .answered(T0, &PspAnswer::Ok, T0 + 2 * SECOND)
        .is_none());
    let r = reserved(1000);
    assert!(r
        .answered(T0 + SECOND, &PspAnswer::Ok, T0 + 3 * SECOND)
        .is_none());
}

#[test]
fn the_payer_window_ends_with_timeout_sent_to_the_psp() {
    let p = payment(1000);
    assert!(p.expire_if_due(T0 + PAYER_WINDOW - 1).is_none());
    let t = p.expire_if_due(T0 + PAYER_WINDOW).unwrap();
    assert_eq!(t.payment.phase, Phase::Expired);
    assert_eq!(t.notices[0].state, PaymentState::Timeout);
    assert!(t.payment.deadline().is_none());
    assert!(p.approve("4712345678", T0 + PAYER_WINDOW).is_err());
}

#[test]
fn a_psp_call_lost_with_its_process_fails_after_the_answer_limit() {
    let p = payment(1000).approve("4712345678", T0).unwrap().payment;
    assert_eq!(p.deadline(), Some(T0 + PSP_ANSWER_LIMIT));
    let t = p.expire_if_due(T0 + PSP_ANSWER_LIMIT).unwrap();
    assert!(matches!(t.payment.phase, Phase::Failed { .. }));
    assert!(t.notices.is_empty());
}

#[test]
fn reject_tells_the_psp_user_cancel() {
    let t = payment(1000).reject(T0 + SECOND).unwrap();
    assert!(matches!(t.payment.phase, Phase::Cancelled { .. }));
    assert_eq!(t.notices[0].state, PaymentState::UserCancel);
    assert!(t.payment.reject(T0 + 2 * SECOND).is_err());
}

#[test]
fn reports_make_the_log_and_the_summary() {
    let p = reserved(10000);
    let p = p
        .report(report(UpdateOp::Captured, 6000), T0 + 10 * SECOND)
        .payment;
    let p = p
        .report(report(UpdateOp::Refunded, 2000), T0 + 10 * SECOND)
        .payment;
    let s = p.summary().unwrap();
    assert_eq!(
        (
            s.captured,
            s.remaining_to_capture,
            s.refunded,
            s.remaining_to_refund
        ),
        (6000, 4000, 2000, 4000)
    );
    let p = p
        .report(report(UpdateOp::Cancelled, 4000), T0 + 10 * SECOND)
        .payment;
    assert_eq!(p.summary().unwrap().remaining_to_capture, 0);
    assert_eq!(p.log.len(), 4);
    assert!(p.flags.is_empty(), "{:?}", p.flags);
}

#[test]
fn a_failed_operation_is_logged_without_moving_money() {
    let p = reserved(10000);
    let mut r = report(UpdateOp::Captured, 6000);
    r.success = false;
    let p = p.report(r, T0 + 10 * SECOND).payment;
    assert_eq!(p.captured, 0);
    assert!(!p.log.last().unwrap().success);
}

#[test]
fn impossible_reports_are_accepted_and_flagged() {
    let p = reserved(10000);
    let p = p
        .report(report(UpdateOp::Captured, 12000), T0 + 10 * SECOND)
        .payment;
    assert_eq!(p.flags.len(), 1);
    assert_eq!(p.summary().unwrap().remaining_to_capture, 0);
    let p = p
        .report(report(UpdateOp::Refunded, 20000), T0 + 10 * SECOND)
        .payment;
    assert_eq!(p.flags.len(), 2);
    let mut sek = report(UpdateOp::Captured, 1);
    sek.currency = "SEK".into();
    let flagged = p.report(sek, T0 + 10 * SECOND).payment.flags;
    assert!(
        flagged.iter().any(|f| f.message.contains("SEK")),
        "{flagged:?}"
    );
    let never = payment(1000)
        .report(report(UpdateOp::Captured, 10), T0 + 10 * SECOND)
        .payment;
    assert_eq!(never.flags.len(), 1);
    assert_eq!(never.captured, 0);
}

#[test]
fn a_delayed_report_applies_when_due() {
    let p = reserved(10000);
    let mut r = report(UpdateOp::Captured, 10000);
    r.apply_at = T0 + 60 * SECOND;
    let p = p.report(r, T0 + 10 * SECOND).payment;
    assert_eq!(p.captured, 0);
    assert_eq!(p.deadline(), Some(T0 + 60 * SECOND));
    assert!(p.expire_if_due(T0 + 59 * SECOND).is_none());
    let t = p.expire_if_due(T0 + 61 * SECOND).unwrap();
    assert_eq!(t.payment.captured, 10000);
    assert_eq!(t.payment.log.last().unwrap().timestamp, T0 + 60 * SECOND);
    assert!(t.payment.pending.is_empty());
    assert!(t.notices.is_empty());
}
