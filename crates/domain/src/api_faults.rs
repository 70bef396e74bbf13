//! Faults a merchant injects into its own incoming API calls (a sandbox
//! extension): which calls a rule matches, what it does to them, and how
//! a rule as sent is checked. No I/O: the server's middleware applies them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{checklist::path_matches, Millis, SECOND};

/// One operation: method, path pattern (`*` = one segment), name.
pub type Operation = (&'static str, &'static str, &'static str);

/// The APIs a rule can name, with each one's operations.
pub const OPERATIONS: &[(&str, &[Operation])] = &[
    ("accesstoken", &[("POST", "/accesstoken/get", "token")]),
    (
        "epayment",
        &[
            ("POST", "/epayment/v1/payments", "create"),
            ("GET", "/epayment/v1/payments/*", "get"),
            ("GET", "/epayment/v1/payments/*/events", "events"),
            ("POST", "/epayment/v1/payments/*/capture", "capture"),
            ("POST", "/epayment/v1/payments/*/refund", "refund"),
            ("POST", "/epayment/v1/payments/*/cancel", "cancel"),
            ("POST", "/epayment/v1/test/payments/*/approve", "approve"),
            ("POST", "/epayment/v1/payments/*/approve", "approve"),
        ],
    ),
    (
        "ecom",
        &[
            ("POST", "/ecomm/v2/payments", "initiate"),
            ("GET", "/ecomm/v2/payments/*/details", "details"),
            ("GET", "/ecomm/v2/payments/*/status", "status"),
            ("POST", "/ecomm/v2/payments/*/capture", "capture"),
            ("POST", "/ecomm/v2/payments/*/refund", "refund"),
            ("PUT", "/ecomm/v2/payments/*/cancel", "cancel"),
            (
                "POST",
                "/ecomm/v2/integration-test/payments/*/approve",
                "approve",
            ),
        ],
    ),
    (
        "checkout",
        &[
            ("POST", "/checkout/v3/session", "create"),
            ("GET", "/checkout/v3/session/*", "get"),
        ],
    ),
    (
        "psp",
        &[
            ("POST", "/psp/v3/psppayments/init", "init"),
            ("POST", "/psp/v3/psppayments/updatestatus", "updatestatus"),
            ("GET", "/psp/v3/psppayments/*/details", "details"),
            (
                "POST",
                "/psp/v3/integration-test/psppayments/*/approve",
                "approve",
            ),
        ],
    ),
    (
        "order-management",
        &[
            ("POST", "/order-management/v1/images", "image"),
            ("PUT", "/order-management/v2/*/categories/*", "category"),
            ("POST", "/order-management/v2/*/receipts/*", "receipt"),
            ("GET", "/order-management/v2/*/*", "get"),
        ],
    ),
    (
        "webhooks",
        &[
            ("POST", "/webhooks/v1/webhooks", "register"),
            ("GET", "/webhooks/v1/webhooks", "list"),
            ("DELETE", "/webhooks/v1/webhooks/*", "delete"),
        ],
    ),
];

/// The API a path belongs to, by its prefix.
pub fn api_of(path: &str) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        ("/accesstoken/", "accesstoken"),
        ("/accessToken/", "accesstoken"),
        ("/epayment/", "epayment"),
        ("/ecomm/", "ecom"),
        ("/checkout/", "checkout"),
        ("/psp/", "psp"),
        ("/order-management/", "order-management"),
        ("/webhooks/", "webhooks"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|(_, api)| *api)
}

/// The operation of a call of `api`, if it is one a rule can name.
pub fn operation_of(api: &str, method: &str, path: &str) -> Option<&'static str> {
    let (_, ops) = OPERATIONS.iter().find(|(name, _)| *name == api)?;
    ops.iter()
        .find(|(m, pattern, _)| *m == method && path_matches(path, pattern))
        .map(|(_, _, op)| *op)
}

/// Which calls a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    pub api: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

impl Match {
    pub fn matches(&self, api: &str, operation: Option<&str>, method: &str) -> bool {
        self.api == api
            && self
                .operation
                .as_deref()
                .is_none_or(|o| Some(o) == operation)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// What a rule does to a call it fires on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Refused without effect, with the body the real API (or its gateway)
    /// sends for `status`.
    Error { status: u16 },
    /// Applied normally, answered `ms` later.
    Latency { ms: u64 },
    /// Applied and committed, then the connection is closed without an
    /// answer — or, `as: "504"`, answered with the gateway's timeout.
    LoseResponse {
        #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
        answer_as: Option<String>,
    },
    /// The connection is closed before anything is applied.
    Reset,
}

impl Action {
    pub fn label(&self) -> String {
        match self {
            Action::Error { status } => format!("error {status}"),
            Action::Latency { ms } => format!("latency {ms} ms"),
            Action::LoseResponse { answer_as: Some(a) } => format!("lose_response as {a}"),
            Action::LoseResponse { answer_as: None } => "lose_response".into(),
            Action::Reset => "reset".into(),
        }
    }
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    #[serde(rename = "match")]
    pub matcher: Match,
    pub action: Action,
    /// How many more times it may fire; `None` = no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Seeds the probability draws, so a test sees the same sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// When it stops applying, on the sandbox clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Millis>,
}

/// The longest latency a rule may add: beyond it clients time out anyway.
pub const MAX_LATENCY_MS: u64 = 120_000;

/// A rule refused: the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub why: String,
}

fn invalid(field: &'static str, why: impl Into<String>) -> Invalid {
    Invalid {
        field,
        why: why.into(),
    }
}

/// Checks a rule as sent (`{"match", "action", "times", "probability",
/// "seed", "expiresAfterSeconds"}`) and makes it a [`Rule`] with `id`.
pub fn parse_rule(body: &Value, id: String, now: Millis) -> Result<Rule, Invalid> {
    let obj = body
        .as_object()
        .ok_or_else(|| invalid("body", "the rule must be a JSON object"))?;
    let m = obj
        .get("match")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("match", "match must be an object with api"))?;
    let api = m
        .get("api")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("match.api", "match.api is required"))?;
    let Some((api, ops)) = OPERATIONS.iter().find(|(name, _)| *name == api) else {
        let known: Vec<&str> = OPERATIONS.iter().map(|(n, _)| *n).collect();
        return Err(invalid(
            "match.api",
            format!("match.api must be one of {}", known.join(", ")),
        ));
    };
    let operation = match m.get("operation") {
        None | Some(Value::Null) => None,
        Some(Value::String(op)) => {
            if !ops.iter().any(|(_, _, o)| o == op) {
                let mut known: Vec<&str> = ops.iter().map(|(_, _, o)| *o).collect();
                known.dedup();
                return Err(invalid(
                    "match.operation",
                    format!(
                        "match.operation of {api} must be one of {}",
                        known.join(", ")
                    ),
                ));
            }
            Some(op.clone())
        }
        Some(_) => {
            return Err(invalid(
                "match.operation",
                "match.operation must be a string",
            ))
        }
    };
    let method = match m.get("method") {
        None | Some(Value::Null) => None,
        Some(Value::String(me))
            if ["GET", "POST", "PUT", "DELETE", "PATCH"]
                .contains(&me.to_ascii_uppercase().as_str()) =>
        {
            Some(me.to_ascii_uppercase())
        }
        Some(_) => {
            return Err(invalid(
                "match.method",
                "match.method must be GET, POST, PUT, DELETE or PATCH",
            ))
        }
    };
    let action = parse_action(obj.get("action"))?;
    let times = match obj.get("times") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) if n >= 1 => Some(n),
            _ => return Err(invalid("times", "times must be a whole number from 1 up")),
        },
    };
    let probability = match obj.get("probability") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Some(p),
            _ => return Err(invalid("probability", "probability must be from 0 to 1")),
        },
    };
    let seed = match obj.get("seed") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| invalid("seed", "seed must be a whole number from 0 up"))?,
        ),
    };
    let expires_at = match obj.get("expiresAfterSeconds") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(s) if (1..=365 * 24 * 3600).contains(&s) => Some(now + s * SECOND),
            _ => {
                return Err(invalid(
                    "expiresAfterSeconds",
                    "expiresAfterSeconds must be a whole number of seconds from 1 up",
                ))
            }
        },
    };
    Ok(Rule {
        id,
        matcher: Match {
            api: api.to_string(),
            operation,
            method,
        },
        action,
        times,
        probability,
        seed,
        expires_at,
    })
}

fn parse_action(v: Option<&Value>) -> Result<Action, Invalid> {
    let a = v
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("action", "action must be an object with kind"))?;
    match a.get("kind").and_then(Value::as_str) {
        Some("error") => match a.get("status").and_then(Value::as_u64) {
            Some(s) if (400..=599).contains(&s) => Ok(Action::Error { status: s as u16 }),
            _ => Err(invalid(
                "action.status",
                "action.status must be an HTTP status from 400 to 599",
            )),
        },
        Some("latency") => match a.get("ms").and_then(Value::as_u64) {
            Some(ms) if ms <= MAX_LATENCY_MS => Ok(Action::Latency { ms }),
            _ => Err(invalid(
                "action.ms",
                format!("action.ms must be a whole number from 0 to {MAX_LATENCY_MS}"),
            )),
        },
        Some("lose_response") => {
            if let Some(after) = a.get("after") {
                if after != "commit" {
                    return Err(invalid("action.after", "action.after must be \"commit\""));
                }
            }
            match a.get("as") {
                None | Some(Value::Null) => Ok(Action::LoseResponse { answer_as: None }),
                Some(Value::String(s)) if s == "504" => Ok(Action::LoseResponse {
                    answer_as: Some("504".into()),
                }),
                Some(_) => Err(invalid("action.as", "action.as must be \"504\"")),
            }
        }
        Some("reset") => Ok(Action::Reset),
        _ => Err(invalid(
            "action.kind",
            "action.kind must be error, latency, lose_response or reset",
        )),
    }
}

/// A merchant's rate limit: at most `requests` matching calls per window
/// of `per_seconds`; the rest get the gateway's 429.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub id: String,
    #[serde(rename = "match")]
    pub matcher: Match,
    pub requests: u32,
    pub per_seconds: u32,
}

/// Checks a rate limit as sent: `{"match": {...}, "requests": N, "perSeconds": S}`.
pub fn parse_rate_limit(body: &Value, id: String) -> Result<RateLimit, Invalid> {
    // The match is checked exactly as a rule's.
    let probe = serde_json::json!({"match": body.get("match").cloned().unwrap_or(Value::Null),
        "action": {"kind": "reset"}});
    let matcher = parse_rule(&probe, String::new(), 0)?.matcher;
    let count = |field: &'static str, max: u64| match body.get(field).and_then(Value::as_u64) {
        Some(n) if (1..=max).contains(&n) => Ok(n as u32),
        _ => Err(invalid(
            field,
            format!("{field} must be a whole number from 1 to {max}"),
        )),
    };
    Ok(RateLimit {
        id,
        matcher,
        requests: count("requests", 1_000_000)?,
        per_seconds: count("perSeconds", 86_400)?,
    })
}

impl Rule {
    /// Whether the rule still applies at `now` to a call of `api`.
    pub fn applies(&self, api: &str, operation: Option<&str>, method: &str, now: Millis) -> bool {
        self.expires_at.is_none_or(|e| now < e)
            && self.times.is_none_or(|t| t > 0)
            && self.matcher.matches(api, operation, method)
    }

    /// Whether the `n`-th matching call (from 0) is drawn, for a rule with a
    /// probability: a fixed function of seed (or id) and `n`, so one
    /// sequence of calls always fires the same way.
    pub fn drawn(&self, n: u64) -> bool {
        let Some(p) = self.probability else {
            return true;
        };
        let seed = self.seed.unwrap_or_else(|| {
            self.id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
            })
        });
        // splitmix64 of (seed, n): uniform enough, and the same everywhere.
        let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(body: Value) -> Result<Rule, Invalid> {
        parse_rule(&body, "r1".into(), 1_000)
    }

    #[test]
    fn calls_are_classified_by_api_and_operation() {
        assert_eq!(api_of("/epayment/v1/payments/x/capture"), Some("epayment"));
        assert_eq!(
            operation_of("epayment", "POST", "/epayment/v1/payments/x/capture"),
            Some("capture")
        );
        assert_eq!(
            operation_of("epayment", "GET", "/epayment/v1/payments/x"),
            Some("get")
        );
        assert_eq!(
            operation_of("ecom", "PUT", "/ecomm/v2/payments/o/cancel"),
            Some("cancel")
        );
        assert_eq!(
            operation_of("epayment", "GET", "/epayment/v1/nothing/here/x"),
            None
        );
        assert_eq!(api_of("/sandbox/v1/clock"), None);
    }

    #[test]
    fn a_good_rule_parses_with_its_expiry() {
        let r = rule(
            json!({"match": {"api": "epayment", "operation": "capture", "method": "post"},
            "action": {"kind": "lose_response", "after": "commit"}, "times": 1, "probability": 0.5,
            "expiresAfterSeconds": 60}),
        )
        .unwrap();
        assert_eq!(r.matcher.method.as_deref(), Some("POST"));
        assert_eq!(r.expires_at, Some(61_000));
        assert!(r.applies("epayment", Some("capture"), "POST", 60_999));
        assert!(!r.applies("epayment", Some("capture"), "POST", 61_000));
        assert!(!r.applies("epayment", Some("refund"), "POST", 0));
    }

    #[test]
    fn bad_rules_name_their_field() {
        let cases = [
            (
                json!({"match": {"api": "recurring"}, "action": {"kind": "reset"}}),
                "match.api",
            ),
            (
                json!({"match": {"api": "ecom", "operation": "create"}, "action": {"kind": "reset"}}),
                "match.operation",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "error", "status": 302}}),
                "action.status",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "error", "status": 600}}),
                "action.status",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "latency", "ms": -5}}),
                "action.ms",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "explode"}}),
                "action.kind",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "reset"}, "probability": 1.5}),
                "probability",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "reset"}, "probability": -0.1}),
                "probability",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "reset"}, "times": 0}),
                "times",
            ),
            (
                json!({"match": {"api": "ecom"}, "action": {"kind": "reset"}, "expiresAfterSeconds": -1}),
                "expiresAfterSeconds",
            ),
            (json!({"action": {"kind": "reset"}}), "match"),
            (json!({"match": {"api": "ecom"}}), "action"),
            (json!([1]), "body"),
        ];
        for (body, field) in cases {
            assert_eq!(rule(body.clone()).unwrap_err().field, field, "{body}");
        }
    }

    #[test]
    fn rate_limits_check_their_match_and_counts() {
        let ok = parse_rate_limit(&json!({"match": {"api": "epayment", "operation": "capture"}, "requests": 2, "perSeconds": 60}), "l1".into()).unwrap();
        assert_eq!((ok.requests, ok.per_seconds), (2, 60));
        let e = parse_rate_limit(
            &json!({"match": {"api": "nope"}, "requests": 2, "perSeconds": 60}),
            "l".into(),
        );
        assert_eq!(e.unwrap_err().field, "match.api");
        let e = parse_rate_limit(
            &json!({"match": {"api": "ecom"}, "requests": 0, "perSeconds": 60}),
            "l".into(),
        );
        assert_eq!(e.unwrap_err().field, "requests");
        let e = parse_rate_limit(
            &json!({"match": {"api": "ecom"}, "requests": 1}),
            "l".into(),
        );
        assert_eq!(e.unwrap_err().field, "perSeconds");
    }

    #[test]
    fn draws_are_fixed_by_the_seed_and_near_the_probability() {
        let r = rule(json!({"match": {"api": "ecom"}, "action": {"kind": "reset"}, "probability": 0.3, "seed": 7}))
            .unwrap();
        let first: Vec<bool> = (0..1000).map(|n| r.drawn(n)).collect();
        let again: Vec<bool> = (0..1000).map(|n| r.drawn(n)).collect();
        assert_eq!(first, again);
        let fired = first.iter().filter(|d| **d).count();
        assert!((250..350).contains(&fired), "{fired}");
        let other = Rule { seed: Some(8), ..r };
        assert_ne!(first, (0..1000).map(|n| other.drawn(n)).collect::<Vec<_>>());
    }
}
