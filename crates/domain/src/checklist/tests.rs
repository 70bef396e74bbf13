//! The shared rules over hand-made traffic; whole integrations are judged
//! in the server's HTTP tests.

use super::{common, judge, path_matches, Attempt, Call, Checklist, Delivery, Traffic, Verdict};

fn call(id: i64, at: i64, method: &str, path: &str, status: i64) -> Call {
    Call {
        id,
        at,
        method: method.into(),
        path: path.into(),
        status,
        system_name: true,
        system_version: true,
        body_digest: Some(format!("body-{id}")),
        ..Call::default()
    }
}

#[test]
fn patterns_match_whole_segments() {
    assert!(path_matches(
        "/epayment/v1/payments/abc",
        "/epayment/v1/payments/*"
    ));
    assert!(!path_matches(
        "/epayment/v1/payments/abc/capture",
        "/epayment/v1/payments/*"
    ));
    assert!(!path_matches(
        "/epayment/v1/payments/",
        "/epayment/v1/payments/*"
    ));
    assert!(path_matches(
        "/ecomm/v2/payments/o-1/capture",
        "/ecomm/v2/payments/*/capture"
    ));
}

#[test]
fn an_endpoint_passes_on_a_2xx_and_explains_a_missing_one() {
    let mut t = Traffic::default();
    let j = common::endpoint(&t, "POST", "/ecomm/v2/payments", "initiate one");
    assert_eq!(j.verdict, Verdict::NotYet);
    assert!(j.reason.contains("has not been called"), "{}", j.reason);
    t.calls.push(call(1, 10, "POST", "/ecomm/v2/payments", 400));
    let j = common::endpoint(&t, "POST", "/ecomm/v2/payments", "initiate one");
    assert_eq!(j.verdict, Verdict::NotYet);
    assert!(
        j.reason.contains("never succeeded (last: 400"),
        "{}",
        j.reason
    );
    t.calls.push(call(2, 20, "POST", "/ecomm/v2/payments", 202));
    let j = common::endpoint(&t, "POST", "/ecomm/v2/payments", "initiate one");
    assert_eq!(j.verdict, Verdict::Passed);
    assert_eq!(j.evidence[0].id, "2");
}

#[test]
fn missing_system_headers_are_counted() {
    let mut t = Traffic::default();
    for i in 0..4 {
        let mut c = call(i, i, "GET", "/epayment/v1/payments/r", 200);
        c.system_name = i % 2 == 0;
        t.calls.push(c);
    }
    let j = common::system_headers(&t, &["/epayment/"]);
    assert_eq!(j.verdict, Verdict::Failed);
    assert!(
        j.reason
            .contains("Vipps-System-Name header missing on 2 of 4 calls"),
        "{}",
        j.reason
    );
}

#[test]
fn a_refused_request_repeated_unchanged_fails_error_handling() {
    let mut t = Traffic::default();
    t.calls
        .push(call(1, 0, "POST", "/epayment/v1/payments/r/capture", 400));
    let mut again = call(2, 1000, "POST", "/epayment/v1/payments/r/capture", 400);
    again.body_digest = Some("body-1".into());
    t.calls.push(again);
    let j = common::handles_errors(&t, &["/epayment/"]);
    assert_eq!(j.verdict, Verdict::Failed);
    assert!(j.reason.contains("sent again unchanged"), "{}", j.reason);
    // Changed, it is handled.
    t.calls[1].body_digest = Some("changed".into());
    t.calls[1].status = 200;
    assert_eq!(
        common::handles_errors(&t, &["/epayment/"]).verdict,
        Verdict::Passed
    );
}

#[test]
fn adding_the_missing_request_id_after_a_refusal_is_a_fix() {
    let mut t = Traffic::default();
    t.calls
        .push(call(1, 0, "POST", "/ecomm/v2/payments/o/capture", 400));
    let mut fixed = call(2, 1000, "POST", "/ecomm/v2/payments/o/capture", 200);
    fixed.body_digest = t.calls[0].body_digest.clone();
    fixed.request_id = Some("cap-1".into());
    t.calls.push(fixed);
    assert_eq!(
        common::handles_errors(&t, &["/ecomm/"]).verdict,
        Verdict::Passed
    );
}

#[test]
fn a_retry_of_an_unanswered_change_under_a_new_key_fails() {
    let mut t = Traffic::default();
    let mut first = call(1, 0, "POST", "/epayment/v1/payments/r/capture", 503);
    first.idempotency_key = Some("k1".into());
    let mut retry = call(2, 1000, "POST", "/epayment/v1/payments/r/capture", 200);
    retry.idempotency_key = Some("k2".into());
    retry.body_digest = first.body_digest.clone();
    t.calls = vec![first, retry];
    let j = common::handles_errors(&t, &["/epayment/"]);
    assert_eq!(j.verdict, Verdict::Failed);
    assert!(
        j.reason.contains("different idempotency key"),
        "{}",
        j.reason
    );
    t.calls[1].idempotency_key = Some("k1".into());
    assert_eq!(
        common::handles_errors(&t, &["/epayment/"]).verdict,
        Verdict::Passed
    );
}

#[test]
fn a_retry_sooner_than_a_second_after_a_429_fails() {
    let mut t = Traffic::default();
    let mut limited = call(1, 0, "POST", "/epayment/v1/payments/r/capture", 429);
    limited.fault = Some("rate limit l1".into());
    t.calls.push(limited);
    t.calls
        .push(call(2, 200, "POST", "/epayment/v1/payments/r/capture", 200));
    let j = common::handles_errors(&t, &["/epayment/"]);
    assert_eq!(j.verdict, Verdict::Failed);
    assert!(j.reason.contains("answered 429"), "{}", j.reason);
    assert!(
        j.reason.contains("injected by a fault rule"),
        "{}",
        j.reason
    );
    assert!(j.reason.contains("200 ms later"), "{}", j.reason);
    t.calls[1].at = 1_500;
    assert_eq!(
        common::handles_errors(&t, &["/epayment/"]).verdict,
        Verdict::Passed
    );
}

#[test]
fn polling_faster_than_the_guidance_fails() {
    let mut t = Traffic::default();
    for i in 0..5 {
        t.calls
            .push(call(i, i * 500, "GET", "/epayment/v1/payments/r", 200));
    }
    let decided = vec![("r".to_owned(), 0)];
    let j = common::polls(&t, &[("/epayment/v1/payments/*", 3)], &decided, "GET");
    assert_eq!(j.verdict, Verdict::Failed);
    assert!(
        j.reason.contains("read 5 times within 2000 ms"),
        "{}",
        j.reason
    );
    t.calls.truncate(2);
    let j = common::polls(&t, &[("/epayment/v1/payments/*", 3)], &decided, "GET");
    assert_eq!(j.verdict, Verdict::Passed);
    let unread = vec![("other".to_owned(), 0)];
    let j = common::polls(&t, &[("/epayment/v1/payments/*", 3)], &unread, "GET");
    assert_eq!(j.verdict, Verdict::Failed);
    assert!(j.reason.contains("never read"), "{}", j.reason);
}

fn delivery(id: &str, body: &str, status: i64) -> Delivery {
    Delivery {
        id: id.into(),
        kind: "ecom_callback".into(),
        url: "https://user:pw@shop.example/cb/v2/payments/o".into(),
        event_type: String::new(),
        target_id: None,
        body: body.into(),
        status: "delivered".into(),
        created_at: 0,
        attempts: vec![Attempt {
            at: 0,
            status,
            error_kind: None,
            response: None,
        }],
    }
}

#[test]
fn callbacks_need_both_outcomes_answered_and_name_a_failure() {
    let ok = r#"{"transactionInfo":{"status":"RESERVED"}}"#;
    let no = r#"{"transactionInfo":{"status":"CANCELLED"}}"#;
    let mut t = Traffic::default();
    t.deliveries.push(delivery("d1", ok, 200));
    let r = judge(Checklist::Ecom, "123456", &t);
    let item = r.items.iter().find(|i| i.id == "callback").unwrap();
    assert_eq!(item.verdict, Verdict::NotYet);
    assert!(item.reason.contains("unsuccessful"), "{}", item.reason);
    t.deliveries.push(delivery("d2", no, 500));
    let r = judge(Checklist::Ecom, "123456", &t);
    let item = r.items.iter().find(|i| i.id == "callback").unwrap();
    assert_eq!(item.verdict, Verdict::Failed);
    assert!(
        item.reason
            .contains("to https://shop.example/cb/v2/payments/o answered 500"),
        "{}",
        item.reason
    );
    t.deliveries[1].attempts[0].status = 200;
    let r = judge(Checklist::Ecom, "123456", &t);
    let item = r.items.iter().find(|i| i.id == "callback").unwrap();
    assert_eq!(item.verdict, Verdict::Passed);
}

#[test]
fn every_checklist_has_unique_item_ids_and_judges_empty_traffic() {
    for c in Checklist::ALL {
        let r = judge(c, "123456", &Traffic::default());
        let mut ids: Vec<&str> = r.items.iter().map(|i| i.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), r.items.len(), "{}", c.as_str());
        assert!(!r.is_complete(), "{}", c.as_str());
        assert!(r
            .items
            .iter()
            .all(|i| i.verdict != Verdict::Failed && i.verdict != Verdict::Passed));
        assert_eq!(Checklist::parse(c.as_str()), Some(c));
    }
}
