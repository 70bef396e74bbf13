//! Every URL rule of the sandbox in one place, each parsed with the `url`
//! crate (WHATWG parsing, the one reqwest sends with). A URL the sandbox
//! will call — a webhook, an eCom callback, shipping-details or
//! consent-removal prefix — is accepted only if it is a [`parse_target`],
//! and the delivery worker sends with that same function, so whatever an
//! API accepted when it was registered can be sent to later
//! (docs/compatibility.md#ecom-v2-initiate, docs/compatibility.md#webhooks-v1-registration).

use std::net::IpAddr;

use url::Host;
pub use url::Url;

/// An address the sandbox never calls: link-local (where cloud metadata
/// services live) or unspecified, also as an IPv4-mapped IPv6 address.
pub fn is_never_called(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.is_unspecified()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_link_local() || v4.is_unspecified())
        }
    }
}

/// An address of a private network (10/8, 172.16/12, 192.168/16, the
/// shared 100.64/10, IPv6 unique-local fc00::/7): called only when the
/// operator allows private targets. Loopback is not private here: a sandbox
/// calls the developer's own machine.
pub fn is_private(ip: IpAddr) -> bool {
    let v4_private = |v4: std::net::Ipv4Addr| {
        let [a, b, ..] = v4.octets();
        v4.is_private() || (a == 100 && (64..128).contains(&b))
    };
    match ip {
        IpAddr::V4(v4) => v4_private(v4),
        IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xfe00) == 0xfc00 || v6.to_ipv4_mapped().is_some_and(v4_private)
        }
    }
}

/// Why a private network address is refused where a URL is given.
pub const PRIVATE_REFUSED: &str = "The url must not point at a private network address \
     (start the sandbox with --allow-private-targets to allow it)";

/// The address a URL's host is written as, if it is one (names resolve later).
pub fn literal_address(u: &Url) -> Option<IpAddr> {
    match u.host()? {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        Host::Domain(_) => None,
    }
}

/// Names that reach a cloud provider's instance metadata service.
const METADATA_HOSTS: &[&str] = &["metadata.google.internal", "metadata", "instance-data"];

/// Whether a parsed URL can be called: `http` or `https` with a host, no
/// user name or password in it, and not a link-local or metadata address
/// (docs/compatibility.md#outgoing-requests).
fn is_target(u: &Url) -> bool {
    matches!(u.scheme(), "http" | "https") && refusal(u).is_none()
}

/// Why the sandbox will never call `u`'s host and credentials, if so.
/// Hosts are as the `url` crate normalised them, so decimal, hex and short
/// IPv4 forms (`http://2852039166`) are seen as the address they are.
fn refusal(u: &Url) -> Option<&'static str> {
    if !u.username().is_empty() || u.password().is_some() {
        return Some("The url must not contain a user name or password");
    }
    let link_local = match u.host() {
        None | Some(Host::Domain("")) => return Some("The url must have a host"),
        Some(Host::Domain(d)) => {
            METADATA_HOSTS.contains(&d.trim_end_matches('.').to_ascii_lowercase().as_str())
        }
        Some(Host::Ipv4(v4)) => is_never_called(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => is_never_called(IpAddr::V6(v6)),
    };
    link_local.then_some("The url must not point at a link-local or cloud metadata address")
}

/// An address the sandbox sends requests to: an absolute `http` or `https`
/// URL with a host. The delivery worker sends only to these.
pub fn parse_target(s: &str) -> Option<Url> {
    Url::parse(s).ok().filter(is_target)
}

/// An absolute URL as merchants write them for the eCom and ePayment APIs:
/// `scheme://` and something after it, no whitespace anywhere, and
/// parseable. Any scheme, custom app schemes (`myapp://done`) included.
pub fn parse_absolute(s: &str) -> Option<Url> {
    if s.chars().any(char::is_whitespace) {
        return None;
    }
    let u = Url::parse(s).ok()?;
    let (written, rest) = s.split_once("://")?;
    (written.eq_ignore_ascii_case(u.scheme()) && !rest.is_empty()).then_some(u)
}

/// Where the payer is sent back to: an ePayment `returnUrl` or an eCom
/// `fallBack` (eCom also limits it to 255 characters).
pub fn is_return_url(s: &str) -> bool {
    parse_absolute(s).is_some()
}

/// A URL prefix eCom calls (`callbackPrefix`, `shippingDetailsPrefix`,
/// `consentRemovalPrefix`): absolute `http` or `https` with a host, at most
/// 255 characters. Plain HTTP and loopback hosts are allowed
/// (docs/compatibility.md#ecom-v2-initiate).
pub fn is_ecom_prefix(s: &str) -> bool {
    s.len() <= 255 && parse_absolute(s).is_some_and(|u| is_target(&u))
}

/// A webhook URL: absolute with a host, at most 2048 characters, `https` —
/// or plain `http` to this machine, a sandbox extension so local receivers
/// work (docs/compatibility.md#webhooks-v1-registration). The error says why not.
pub fn check_webhook(s: &str) -> Result<Url, &'static str> {
    if s.len() > 2048 {
        return Err("The url must be at most 2048 characters");
    }
    let url = Url::parse(s).map_err(|_| "The url must be an absolute URL")?;
    if let Some(why) = refusal(&url) {
        return Err(why);
    }
    let host = url.host_str().unwrap_or_default();
    let local = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        _ => Err("The url must use https (http is accepted only for 127.0.0.1 and localhost)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_told_apart_from_loopback_and_public_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip(private)), "{private}");
        }
        for other in [
            "127.0.0.1",
            "::1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_private(ip(other)), "{other}");
        }
        let url = Url::parse("http://167772161/x").unwrap();
        assert_eq!(literal_address(&url), Some(ip("10.0.0.1")));
        assert_eq!(
            literal_address(&Url::parse("https://shop.example/").unwrap()),
            None
        );
    }

    #[test]
    fn credentials_link_local_and_metadata_addresses_are_never_targets() {
        for bad in [
            "https://169.254.169.254/latest/meta-data/",
            "http://2852039166/latest/meta-data/",
            "http://169.254.1/x",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://METADATA.google.internal./x",
            "https://[fe80::1]/x",
            "https://[::ffff:169.254.169.254]/x",
            "http://0.0.0.0/x",
            "https://user:pass@shop.example/cb",
            "https://user@shop.example/cb",
        ] {
            assert!(parse_target(bad).is_none(), "{bad}");
            assert!(!is_ecom_prefix(bad), "{bad}");
            assert!(check_webhook(bad).is_err(), "{bad}");
        }
        for good in [
            "https://shop.example/cb",
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "https://[::1]/cb",
        ] {
            assert!(parse_target(good).is_some(), "{good}");
        }
    }
    use proptest::prelude::*;

    #[test]
    fn ecom_prefixes_are_http_or_https_urls() {
        for ok in [
            "https://shop.example/cb",
            "http://127.0.0.1:8080/vipps/",
            "http://localhost/cb?x=1",
            "http://[::1]:9/cb",
            "HTTPS://shop.example/cb",
        ] {
            assert!(is_ecom_prefix(ok), "{ok}");
        }
        for bad in [
            "shop.example/cb",
            "ftp://shop.example/cb",
            "myapp://cb",
            "https://",
            "https:// shop.example",
            "https://shop.example/a b",
            "http:/shop.example/cb",
            "http:shop.example/cb",
            // Accepted before the url crate checked them; nothing can be sent there.
            "https://[shop.example/cb",
            "http://shop.example:99999/cb",
            "https://?",
            "http://1.2.3.4.5/cb",
        ] {
            assert!(!is_ecom_prefix(bad), "{bad}");
        }
        assert!(is_ecom_prefix(&format!(
            "https://x.example/{}",
            "a".repeat(237)
        )));
        assert!(!is_ecom_prefix(&format!(
            "https://x.example/{}",
            "a".repeat(238)
        )));
    }

    #[test]
    fn return_urls_may_use_app_schemes() {
        for ok in [
            "https://shop.example/done?order=1",
            "http://localhost:3000/done",
            "myshop://order/1",
            "myshop://result",
            "MyApp://done",
            "com.example.app+x://done",
        ] {
            assert!(is_return_url(ok), "{ok}");
        }
        for bad in [
            "not a url",
            "myapp://",
            "myapp:done",
            "/relative",
            "https://shop.example/a b",
            // Accepted before the url crate checked them.
            "1app://done",
            "myapp://[done",
            "https://[shop.example",
        ] {
            assert!(!is_return_url(bad), "{bad}");
        }
    }

    #[test]
    fn webhook_urls_say_why_they_are_refused() {
        assert!(check_webhook("https://shop.example/hooks").is_ok());
        assert!(check_webhook("http://127.0.0.1:9/hooks").is_ok());
        assert!(check_webhook("http://localhost:9/hooks").is_ok());
        assert!(check_webhook("http://[::1]:9/hooks").is_ok());
        assert_eq!(
            check_webhook("/relative/hooks").unwrap_err(),
            "The url must be an absolute URL"
        );
        assert_eq!(
            check_webhook("mailto:hooks@shop.example").unwrap_err(),
            "The url must have a host"
        );
        assert!(check_webhook("http://shop.example/hooks")
            .unwrap_err()
            .contains("https"));
        assert!(check_webhook("ftp://shop.example/hooks").is_err());
        assert!(check_webhook(&format!("https://x.example/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn the_worker_rule_takes_only_http_and_https() {
        assert!(parse_target("https://shop.example/x").is_some());
        assert!(parse_target("myapp://x").is_none());
        assert!(parse_target("not a url").is_none());
    }

    /// The hand-written checks these rules replaced.
    fn former_ecom_url(s: &str) -> bool {
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"));
        s.len() <= 255 && rest.is_some_and(|r| !r.is_empty()) && !s.chars().any(char::is_whitespace)
    }

    fn former_return_url(s: &str) -> bool {
        match s.split_once("://") {
            Some((scheme, rest)) => {
                !rest.is_empty()
                    && !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    && !s.chars().any(char::is_whitespace)
            }
            None => false,
        }
    }

    proptest! {
        /// What the former checks accepted and the url crate can parse is
        /// still accepted; only what it cannot parse is refused now, and, for
        /// prefixes the sandbox calls, what `refusal` names (credentials,
        /// link-local and metadata addresses).
        #[test]
        fn formerly_accepted_parseable_urls_stay_accepted(
            s in "(https?|HTTPS|myapp|my\\.app|1app)(://|:/|:)[a-zA-Z0-9.:@%?#\\[\\]/ -]{0,24}",
        ) {
            let parses = Url::parse(&s).is_ok();
            if former_ecom_url(&s) {
                let callable = Url::parse(&s).is_ok_and(|u| refusal(&u).is_none());
                prop_assert_eq!(is_ecom_prefix(&s), parses && callable, "{}", s);
            }
            if former_return_url(&s) {
                prop_assert_eq!(is_return_url(&s), parses, "{}", s);
            }
        }

        /// Whatever eCom accepts as a prefix, the callback, shipping-details
        /// and consent-removal URLs built from it can be sent to.
        #[test]
        fn accepted_ecom_prefixes_are_sendable(
            s in "(https?|HTTP|ftp|myapp):/{0,3}[a-z0-9.:@%?#\\[\\]/ -]{0,24}",
        ) {
            if is_ecom_prefix(&s) {
                for path in ["/v2/payments/order-1", "/v2/payments/o/shippingDetails", "/v2/consents/ab%3D%3D"] {
                    let url = crate::ecom::join(&s, path);
                    prop_assert!(parse_target(&url).is_some(), "{}", url);
                }
            }
        }

        /// Whatever the webhooks API accepts, the worker can send to.
        #[test]
        fn accepted_webhook_urls_are_sendable(
            s in "(https?|ftp):/{0,3}[a-z0-9.:@%?#\\[\\]/ -]{0,24}",
        ) {
            if check_webhook(&s).is_ok() {
                prop_assert!(parse_target(&s).is_some(), "{}", s);
            }
        }
    }
}

/// What the real APIs refuse that the sandbox accepts by default for local
/// development (plain HTTP, localhost, unusual ports): a merchant with
/// strict URLs gets these refusals (docs/compatibility.md#strict-urls).
/// `called`: a URL the platform calls (callbacks, webhooks, makePayment),
/// which must be HTTPS; otherwise a return URL, where an app's own scheme
/// is allowed too.
pub fn strict_refusal(s: &str, called: bool) -> Option<&'static str> {
    let Ok(url) = Url::parse(s) else {
        return None;
    };
    let web = matches!(url.scheme(), "http" | "https");
    if !web {
        return called.then_some("The URL must use https");
    }
    if url.scheme() == "http" && (called || url.host_str() == Some("localhost")) {
        return Some("The URL must use https (strict URLs)");
    }
    if matches!(url.host_str(), Some("localhost")) {
        return Some("localhost is not accepted (strict URLs)");
    }
    if !matches!(url.port(), None | Some(80) | Some(443) | Some(8080)) {
        return Some("The port must be 80, 443 or 8080 (strict URLs)");
    }
    None
}

#[cfg(test)]
mod strict_tests {
    use super::strict_refusal;

    #[test]
    fn strict_urls_want_https_for_calls_and_no_localhost_or_odd_ports() {
        assert_eq!(strict_refusal("https://shop.example/cb", true), None);
        assert!(strict_refusal("http://shop.example/cb", true).is_some());
        assert!(strict_refusal("https://localhost/cb", true).is_some());
        assert!(strict_refusal("https://shop.example:9000/cb", true).is_some());
        assert_eq!(strict_refusal("https://shop.example:8080/cb", true), None);
        assert_eq!(strict_refusal("myapp://done", false), None);
        assert!(strict_refusal("myapp://done", true).is_some());
        assert_eq!(strict_refusal("http://127.0.0.1/fallback", false), None);
        assert!(strict_refusal("http://localhost/fallback", false).is_some());
    }
}
