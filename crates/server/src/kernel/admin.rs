//! The operator's token (`serve --admin-token`): when it is set, the sandbox
//! API (`/sandbox/…`) and the console pages (`/console…`) require it; the
//! payer's pages, `/health` and the merchant APIs do not.
//!
//! Programs send it as `Authorization: Bearer TOKEN` or `X-Admin-Token:
//! TOKEN`. A browser opens `/console?admin_token=TOKEN` once: the answer is
//! a 303 to the same address without the token, with an HttpOnly,
//! SameSite=Strict cookie holding a value derived from the token, which the
//! later requests carry. The token itself is never logged nor stored.
//!
//! The refusals' bodies are the app's to write (see [`Refusals`]): the
//! sandbox API's problem format and the pages' look are not the kernel's.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use vipps_store::hash_secret;

/// The cookie a browser keeps once it has shown the token.
pub const COOKIE: &str = "vipps_sandbox_admin";
/// The header programs may send the token in (besides `Authorization`).
pub const HEADER: &str = "x-admin-token";
/// The query parameter a browser opens the console with.
pub const QUERY: &str = "admin_token";

/// Writes a refusal (status 401) with a sentence saying what to do.
pub type Refuse = fn(String) -> Response;

/// How refusals look: `api` for `/sandbox/…`, `console` for the pages.
#[derive(Clone, Copy)]
pub struct Refusals {
    pub api: Refuse,
    pub console: Refuse,
}

/// What a request is checked against: hashes only, so that comparisons take
/// the same time whatever the length of what was sent.
#[derive(Clone)]
pub struct Gate {
    token_hash: String,
    cookie: String,
    refusals: Refusals,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate(..)")
    }
}

impl Gate {
    pub fn new(token: &str, refusals: Refusals) -> Arc<Gate> {
        Arc::new(Gate {
            token_hash: hash_secret(token),
            cookie: cookie_value(token),
            refusals,
        })
    }

    fn is_token(&self, given: &str) -> bool {
        same(&hash_secret(given), &self.token_hash)
    }

    fn is_cookie(&self, given: &str) -> bool {
        same(given, &self.cookie)
    }

    /// Whether the request's headers carry the token or the cookie.
    fn admits(&self, h: &HeaderMap) -> bool {
        let bearer = h
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            });
        let header = h
            .get_all(HEADER)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim);
        // Every candidate is checked, so the time taken does not say which
        // one (if any) matched.
        let tokens = bearer
            .chain(header)
            .fold(false, |ok, t| self.is_token(t) | ok);
        let cookies = cookies(h, COOKIE).fold(false, |ok, c| self.is_cookie(c) | ok);
        tokens | cookies
    }
}

/// The cookie's value for `token`: a hash, so the token itself is not
/// stored by the browser.
fn cookie_value(token: &str) -> String {
    hash_secret(&format!("vipps-sandbox admin cookie\n{token}"))
}

/// Equal strings, compared in time that depends only on their lengths.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The values of the cookies called `name`.
fn cookies<'a>(h: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(move |pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"'))
        })
}

/// Which part of the sandbox a path belongs to, as far as the token goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guarded {
    /// `/sandbox/…`: answered in the sandbox API's (ePayment's) format.
    Api,
    /// `/console…`: HTML pages.
    Console,
}

fn guarded(path: &str) -> Option<Guarded> {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if under("/sandbox") {
        Some(Guarded::Api)
    } else if under("/console") {
        Some(Guarded::Console)
    } else {
        None
    }
}

/// The `admin_token` given in `query`, and the query without it.
fn split_query(query: &str) -> (Option<String>, String) {
    let mut token = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == QUERY {
            if token.is_none() {
                let v = v.replace('+', " ");
                token = Some(urlencoding::decode(&v).map(|s| s.into_owned()).unwrap_or(v));
            }
        } else {
            rest.push(pair);
        }
    }
    (token, rest.join("&"))
}

/// The middleware: lets a request through when it is not for the sandbox
/// API or the console, or when it carries the token or the cookie.
pub async fn require(State(gate): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    let Some(part) = guarded(req.uri().path()) else {
        return next.run(req).await;
    };
    if part == Guarded::Console && matches!(*req.method(), Method::GET | Method::HEAD) {
        if let Some(query) = req.uri().query() {
            let (token, rest) = split_query(query);
            if let Some(token) = token {
                if !gate.is_token(&token) {
                    return (gate.refusals.console)(CONSOLE_WRONG.into());
                }
                let path = req.uri().path();
                let location = if rest.is_empty() {
                    path.to_owned()
                } else {
                    format!("{path}?{rest}")
                };
                return open_console(&gate, &location);
            }
        }
    }
    if gate.admits(req.headers()) {
        return next.run(req).await;
    }
    match part {
        Guarded::Api => {
            let h = req.headers();
            let given = h.contains_key(header::AUTHORIZATION) || h.contains_key(HEADER);
            let mut r = (gate.refusals.api)(if given { API_WRONG } else { API_MISSING }.into());
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vipps-sandbox admin\""),
            );
            r
        }
        Guarded::Console => (gate.refusals.console)(CONSOLE_MISSING.into()),
    }
}

const API_MISSING: &str = "The sandbox API requires the admin token. Send the token given to \
     serve with --admin-token as 'Authorization: Bearer TOKEN' or 'X-Admin-Token: TOKEN'";
const API_WRONG: &str = "The admin token is wrong. Send the token given to serve with \
     --admin-token as 'Authorization: Bearer TOKEN' or 'X-Admin-Token: TOKEN'";
const CONSOLE_MISSING: &str = "This sandbox's console requires the admin token. Open \
     /console?admin_token=TOKEN once, with the token given to vipps-sandbox serve with \
     --admin-token (or VIPPS_SANDBOX_ADMIN_TOKEN); this browser then keeps it in a cookie.";
const CONSOLE_WRONG: &str = "That admin token is wrong. Open /console?admin_token=TOKEN with \
     the token given to vipps-sandbox serve with --admin-token (or VIPPS_SANDBOX_ADMIN_TOKEN).";

/// 303 to `location` (the console address without the token), setting the
/// cookie.
fn open_console(gate: &Gate, location: &str) -> Response {
    let Ok(location) = HeaderValue::from_str(location) else {
        return (gate.refusals.console)(CONSOLE_MISSING.into());
    };
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
        gate.cookie
    );
    let cookie = HeaderValue::from_str(&cookie).expect("a hex cookie is a valid header");
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_sandbox_and_console_are_guarded_and_no_others() {
        assert_eq!(guarded("/sandbox/v1/clock"), Some(Guarded::Api));
        assert_eq!(guarded("/sandbox"), Some(Guarded::Api));
        assert_eq!(guarded("/console"), Some(Guarded::Console));
        assert_eq!(guarded("/console/payments/x"), Some(Guarded::Console));
        for open in [
            "/",
            "/landing",
            "/app/pay",
            "/health",
            "/consoles",
            "/sandboxes",
        ] {
            assert_eq!(guarded(open), None, "{open}");
        }
    }

    #[test]
    fn the_token_is_taken_out_of_the_query() {
        assert_eq!(
            split_query("admin_token=a%2Bb+c"),
            (Some("a+b c".into()), "".into())
        );
        assert_eq!(
            split_query("api=epayment&admin_token=t&msn=1"),
            (Some("t".into()), "api=epayment&msn=1".into())
        );
        assert_eq!(split_query("api=ecom"), (None, "api=ecom".into()));
    }

    #[test]
    fn headers_and_cookie_are_checked() {
        let refuse: Refuse = |_| StatusCode::UNAUTHORIZED.into_response();
        let gate = Gate::new(
            "s3cret",
            Refusals {
                api: refuse,
                console: refuse,
            },
        );
        let with = |name: header::HeaderName, value: &str| {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_str(value).unwrap());
            gate.admits(&h)
        };
        assert!(with(header::AUTHORIZATION, "Bearer s3cret"));
        assert!(with(header::AUTHORIZATION, "bearer s3cret"));
        assert!(!with(header::AUTHORIZATION, "Bearer s3cre"));
        assert!(!with(header::AUTHORIZATION, "Basic s3cret"));
        assert!(with(header::HeaderName::from_static(HEADER), "s3cret"));
        assert!(!with(header::HeaderName::from_static(HEADER), ""));
        let cookie = format!("a=b; {COOKIE}={}", cookie_value("s3cret"));
        assert!(with(header::COOKIE, &cookie));
        assert!(!with(header::COOKIE, &format!("{COOKIE}=s3cret")));
        assert!(!gate.admits(&HeaderMap::new()));
    }
}
