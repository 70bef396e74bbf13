//! Rules every checklist shares, parameterised by the API they look at:
//! endpoints called, `Vipps-System-*` headers, error handling, callbacks
//! answered, polling.

use std::collections::HashMap;

use super::{some_of, Call, Delivery, Evidence, Judgement, Traffic};
use crate::{time_fmt::rfc3339, Millis, SECOND};

/// At most this many pieces of evidence per item: enough to look up.
pub const EVIDENCE_SHOWN: usize = 5;

/// A call to the API counts as a retry of an earlier one within this time.
const RETRY_WINDOW: Millis = 10 * 60 * SECOND;

/// The polling guidance: start after 5 s, then every 2 s
/// (<https://developer.vippsmobilepay.com/docs/knowledge-base/polling-guidelines/>).
/// A merchant polls too fast when this many reads of one payment fall
/// within [`POLL_BURST_WINDOW`] (a few quick reads are normal: callback,
/// return page and a status check may meet).
const POLL_BURST: usize = 5;
const POLL_BURST_WINDOW: Millis = 5 * SECOND;

/// Whether a call is one of the test environment's own (force approve):
/// a test suite's stand-in for the payer, not part of the integration.
pub fn is_test_only(c: &Call) -> bool {
    c.path.contains("/integration-test/")
        || c.path.contains("/test/payments/")
        || (c.path.starts_with("/epayment/") && c.path.ends_with("/approve"))
}

/// The integration's calls whose path starts with one of `prefixes`.
pub fn calls_to<'a>(t: &'a Traffic, prefixes: &'a [&str]) -> impl Iterator<Item = &'a Call> {
    t.calls
        .iter()
        .filter(move |c| prefixes.iter().any(|p| c.path.starts_with(p)) && !is_test_only(c))
}

/// "Integrate the endpoint": passed by a successful call of `method` on
/// `pattern`; `how` says how to make one.
pub fn endpoint(t: &Traffic, method: &str, pattern: &str, how: &str) -> Judgement {
    endpoint_where(t, method, pattern, how, |_| true)
}

/// [`endpoint`] for the calls `also` accepts (e.g. a partial capture).
pub fn endpoint_where(
    t: &Traffic,
    method: &str,
    pattern: &str,
    how: &str,
    also: impl Fn(&Call) -> bool,
) -> Judgement {
    let tried: Vec<&Call> = t
        .calls
        .iter()
        .filter(|c| c.is(method, pattern) && also(c))
        .collect();
    let ok: Vec<Evidence> = tried
        .iter()
        .filter(|c| c.ok())
        .take(EVIDENCE_SHOWN)
        .map(|c| Evidence::request(c))
        .collect();
    let shown = pattern.replace('*', "…");
    if !ok.is_empty() {
        let n = tried.iter().filter(|c| c.ok()).count();
        return Judgement::passed(format!("{method} {shown} answered 2xx {n} time(s)."), ok);
    }
    match tried.last() {
        Some(last) => Judgement::not_yet(format!(
            "{method} {shown} was called {} time(s) but never succeeded (last: {} at {}); {how}.",
            tried.len(),
            last.status,
            rfc3339(last.at)
        )),
        None => Judgement::not_yet(format!("{method} {shown} has not been called yet; {how}.")),
    }
}

/// "Include HTTP headers": `Vipps-System-Name` and `-Version` on every
/// call to the API; the plugin pair on every call once any call sends it.
pub fn system_headers(t: &Traffic, prefixes: &[&str]) -> Judgement {
    let calls: Vec<&Call> = calls_to(t, prefixes).collect();
    // Token calls alone say nothing of how the API itself is called.
    if calls.iter().all(|c| c.path.starts_with("/accesstoken/")) {
        return Judgement::not_yet("No call to this API has been recorded yet.");
    }
    let uses_plugin = calls.iter().any(|c| c.plugin_name || c.plugin_version);
    let mut missing: Vec<(&str, Vec<&Call>)> = vec![
        (
            "Vipps-System-Name",
            calls.iter().copied().filter(|c| !c.system_name).collect(),
        ),
        (
            "Vipps-System-Version",
            calls
                .iter()
                .copied()
                .filter(|c| !c.system_version)
                .collect(),
        ),
    ];
    if uses_plugin {
        missing.push((
            "Vipps-System-Plugin-Name",
            calls.iter().copied().filter(|c| !c.plugin_name).collect(),
        ));
        missing.push((
            "Vipps-System-Plugin-Version",
            calls
                .iter()
                .copied()
                .filter(|c| !c.plugin_version)
                .collect(),
        ));
    }
    missing.retain(|(_, lacking)| !lacking.is_empty());
    if missing.is_empty() {
        let plugin = if uses_plugin {
            " and the Vipps-System-Plugin-* headers"
        } else {
            ""
        };
        return Judgement::passed(
            format!(
                "All {} calls sent Vipps-System-Name and Vipps-System-Version{plugin}.",
                calls.len()
            ),
            calls
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|c| Evidence::request(c))
                .collect(),
        );
    }
    let reason = missing
        .iter()
        .map(|(header, lacking)| {
            format!(
                "{header} header missing on {} of {} calls",
                lacking.len(),
                calls.len()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let evidence = missing[0]
        .1
        .iter()
        .take(EVIDENCE_SHOWN)
        .map(|c| Evidence::request(c))
        .collect();
    Judgement::failed(
        format!(
            "{reason} (first: {} {}).",
            missing[0].1[0].method, missing[0].1[0].path
        ),
        evidence,
    )
}

/// Each call's next try: the next call of the same method and path within
/// the retry window, found in one pass.
fn next_tries<'a>(calls: &[&'a Call]) -> Vec<Option<&'a Call>> {
    let mut next = vec![None; calls.len()];
    let mut last_of: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, c) in calls.iter().enumerate() {
        if let Some(prev) = last_of.insert((c.method.as_str(), c.path.as_str()), i) {
            if c.at - calls[prev].at <= RETRY_WINDOW {
                next[prev] = Some(*c);
            }
        }
    }
    next
}

/// The least a merchant must wait after a 429 (the gateway's Retry-After
/// is at least a second).
const RATE_LIMIT_WAIT: Millis = SECOND;

/// " (injected by the sandbox)" for a call a fault rule answered.
fn injected_note(c: &Call) -> &'static str {
    if c.fault.is_some() {
        " (injected by a fault rule)"
    } else {
        ""
    }
}

/// A refusal whose cause the request itself carries: trying it again
/// unchanged cannot succeed. (401 is a token to renew, 408/429 ask to
/// retry later.)
fn refusal_of_the_request(status: i64) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 408 | 429)
}

/// "Handle errors": no refused request repeated unchanged, no retry of an
/// unanswered change under a new idempotency key, and at least one error
/// met (showing it to users is for the integrator to check).
pub fn handles_errors(t: &Traffic, prefixes: &[&str]) -> Judgement {
    let calls: Vec<&Call> = calls_to(t, prefixes).collect();
    let mut repeated = Vec::new();
    let mut rekeyed = Vec::new();
    let mut hasty = Vec::new();
    for (c, next) in calls.iter().zip(next_tries(&calls)) {
        if let (429, Some(next)) = (c.status, next) {
            if next.at - c.at < RATE_LIMIT_WAIT {
                hasty.push((*c, next));
            }
        }
        if c.method == "GET" {
            continue;
        }
        let Some(next) = next else {
            continue;
        };
        let same_body = c.body_digest.is_some() && c.body_digest == next.body_digest;
        // Adding the X-Request-Id a partial eCom operation lacked is a fix.
        let same_headers = c.request_id.is_some() == next.request_id.is_some();
        if refusal_of_the_request(c.status) && same_body && same_headers {
            repeated.push((*c, next));
        }
        let unknown_outcome = c.status >= 500 || c.status == 0;
        let key = |c: &Call| c.idempotency_key.clone().or_else(|| c.request_id.clone());
        if unknown_outcome && same_body && key(c).is_some() && key(c) != key(next) {
            rekeyed.push((*c, next));
        }
    }
    if let Some((first, next)) = repeated.first() {
        return Judgement::failed(
            format!(
                "{} {} was refused with {} at {} and sent again unchanged at {} ({} time(s) in all): \
                 a refused request must be corrected, not repeated.",
                first.method,
                first.path,
                first.status,
                rfc3339(first.at),
                rfc3339(next.at),
                repeated.len()
            ),
            repeated
                .iter()
                .flat_map(|(a, b)| [Evidence::request(a), Evidence::request(b)])
                .take(EVIDENCE_SHOWN * 2)
                .collect(),
        );
    }
    if let Some((first, next)) = rekeyed.first() {
        return Judgement::failed(
            format!(
                "{} {} got no usable answer ({}) at {}{} and was retried with a different idempotency key \
                 at {}: had the first taken effect, the retry would do it twice. Retry with the same key.",
                first.method,
                first.path,
                first.status,
                rfc3339(first.at),
                injected_note(first),
                rfc3339(next.at)
            ),
            vec![Evidence::request(first), Evidence::request(next)],
        );
    }
    if let Some((first, next)) = hasty.first() {
        return Judgement::failed(
            format!(
                "{} {} was answered 429 at {}{} and sent again {} ms later: wait as long as \
                 Retry-After says before trying again.",
                first.method,
                first.path,
                rfc3339(first.at),
                injected_note(first),
                next.at - first.at
            ),
            vec![Evidence::request(first), Evidence::request(next)],
        );
    }
    let errors: Vec<&&Call> = calls.iter().filter(|c| c.status >= 400).collect();
    match errors.first() {
        None => Judgement::not_yet(
            "No call has been refused yet: send one invalid request (e.g. capture more than \
             was authorized) and check that your integration logs the error and shows it.",
        ),
        Some(first) => Judgement::passed(
            format!(
                "{} error answer(s) met (first: {} on {} {}), none repeated unchanged; \
                 showing errors to users and staff is for you to check.",
                errors.len(),
                first.status,
                first.method,
                first.path
            ),
            errors
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|c| Evidence::request(c))
                .collect(),
        ),
    }
}

/// Whether a delivery reports a successful payment (`Some(true)`), an
/// unsuccessful one (`Some(false)`), or neither.
pub type Outcome = fn(&Delivery) -> Option<bool>;

/// "Handle callbacks, both for successful and unsuccessful payments":
/// every finished delivery of `kinds` answered 2xx, and one of each
/// outcome seen.
pub fn callbacks_answered(t: &Traffic, kinds: &[&str], outcome: Outcome, what: &str) -> Judgement {
    let sent: Vec<&Delivery> = t
        .deliveries
        .iter()
        .filter(|d| kinds.contains(&d.kind.as_str()) && !d.attempts.is_empty())
        .collect();
    let bad: Vec<&Delivery> = sent
        .iter()
        .copied()
        .filter(|d| d.first_bad_attempt().is_some_and(|a| !injected(a)))
        .collect();
    if let Some(first) = bad.first() {
        let attempt = first.first_bad_attempt().expect("filtered on it");
        let answer = match (attempt.status, &attempt.error_kind) {
            (0, Some(kind)) => format!("failed ({kind})"),
            (status, _) => format!("answered {status}"),
        };
        return Judgement::failed(
            format!(
                "{what} to {} {answer} at {} ({} of {} {what}s not answered 2xx).",
                strip_userinfo(&first.url),
                rfc3339(attempt.at),
                bad.len(),
                sent.len()
            ),
            bad.iter()
                .take(EVIDENCE_SHOWN)
                .map(|d| Evidence::delivery(d))
                .collect(),
        );
    }
    let good = sent
        .iter()
        .find(|d| outcome(d) == Some(true) && d.answered_ok());
    let failed = sent
        .iter()
        .find(|d| outcome(d) == Some(false) && d.answered_ok());
    match (good, failed) {
        (Some(g), Some(f)) => Judgement::passed(
            format!(
                "{} {what}s answered 2xx, for successful and for unsuccessful payments.",
                sent.len()
            ),
            vec![Evidence::delivery(g), Evidence::delivery(f)],
        ),
        (None, _) => Judgement::not_yet(format!(
            "No {what} for a successful payment has been answered 2xx yet: approve a payment as the payer."
        )),
        (_, None) => Judgement::not_yet(format!(
            "No {what} for an unsuccessful payment has been answered 2xx yet: reject a payment as the \
             payer (or let one expire) and answer its {what}."
        )),
    }
}

/// Whether an attempt failed by the sandbox's own delivery faults (which
/// the merchant asked for), not by the merchant's answer.
fn injected(a: &super::Attempt) -> bool {
    a.error_kind
        .as_deref()
        .is_some_and(|k| k.contains("fault injection"))
}

/// A URL as it may be shown: without `user:password@`.
pub fn strip_userinfo(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme && !url[scheme + 3..at].contains('/') => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// "Don't rely on callback or redirect alone; poll": every order the payer
/// acted on (`decided`: id, when created) was read with a successful GET
/// matching one of `reads` (pattern, and the path segment that names the
/// order) after it was created, and no order was read faster than the
/// guidance.
pub fn polls(
    t: &Traffic,
    reads: &[(&str, usize)],
    decided: &[(String, Millis)],
    what: &str,
) -> Judgement {
    let mut by_order: HashMap<&str, Vec<&Call>> = HashMap::new();
    for c in t.calls.iter().filter(|c| c.method == "GET" && c.ok()) {
        for (pattern, id_segment) in reads {
            if let (true, Some(id)) = (c.is("GET", pattern), c.segment(*id_segment)) {
                by_order.entry(id).or_default().push(c);
            }
        }
    }
    for (order, list) in &by_order {
        if let Some(w) = list
            .windows(POLL_BURST)
            .find(|w| w[POLL_BURST - 1].at - w[0].at < POLL_BURST_WINDOW)
        {
            return Judgement::failed(
                format!(
                    "{order} was read {POLL_BURST} times within {} ms from {}: poll every 2 seconds at most, \
                     starting after 5 seconds.",
                    w[POLL_BURST - 1].at - w[0].at,
                    rfc3339(w[0].at)
                ),
                w.iter().map(|c| Evidence::request(c)).collect(),
            );
        }
    }
    if decided.is_empty() {
        return Judgement::not_yet(format!(
            "No payment has been approved or rejected by a payer yet: make one and read it with {what}."
        ));
    }
    let unread: Vec<&str> = decided
        .iter()
        .filter(|(id, created)| {
            !by_order
                .get(id.as_str())
                .is_some_and(|l| l.iter().any(|c| c.at >= *created))
        })
        .map(|(id, _)| id.as_str())
        .collect();
    if !unread.is_empty() {
        return Judgement::failed(
            format!(
                "{} of {} payments the payer acted on were never read with {what} ({}): the callback or \
                 redirect alone is not enough.",
                unread.len(),
                decided.len(),
                some_of(unread.iter().copied())
            ),
            decided
                .iter()
                .filter(|(id, _)| unread.contains(&id.as_str()))
                .take(EVIDENCE_SHOWN)
                .map(|(id, at)| Evidence::order(id, *at))
                .collect(),
        );
    }
    Judgement::passed(
        format!(
            "All {} payments the payer acted on were read with {what}.",
            decided.len()
        ),
        decided
            .iter()
            .take(EVIDENCE_SHOWN)
            .map(|(id, at)| Evidence::order(id, *at))
            .collect(),
    )
}
