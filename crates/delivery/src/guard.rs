//! Which addresses outgoing requests may reach
//! (docs/compatibility.md#outgoing-requests). Names are judged when they
//! resolve, at send time, so a name that pointed somewhere harmless when it
//! was registered and now resolves to a metadata or private address is
//! refused; addresses written in the URL are judged before sending.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use vipps_domain::urls::{self, Url};

/// Whether a request may go to `ip`: never to link-local or unspecified
/// addresses, to private networks only when the operator allows them.
pub fn callable(ip: IpAddr, allow_private: bool) -> bool {
    !urls::is_never_called(ip) && (allow_private || !urls::is_private(ip))
}

/// Why `url`, whose host is written as an address, may not be called.
pub fn refused_literal(url: &Url, allow_private: bool) -> Option<&'static str> {
    urls::literal_address(url)
        .filter(|ip| !callable(*ip, allow_private))
        .map(|_| "refused address")
}

/// The resolver of the delivery client: the operator's fixed entries, else
/// the system's, keeping only callable addresses.
pub struct GuardedResolver {
    allow_private: bool,
    /// Lower-case name → the addresses it stands for.
    fixed: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl GuardedResolver {
    pub fn new(allow_private: bool, fixed: &[(String, IpAddr)]) -> GuardedResolver {
        let mut by_name: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for (name, ip) in fixed {
            by_name
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(*ip);
        }
        GuardedResolver {
            allow_private,
            fixed: Arc::new(by_name),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let fixed = self.fixed.clone();
        Box::pin(async move {
            let host = name.as_str().to_ascii_lowercase();
            let all: Vec<SocketAddr> = match fixed.get(&host) {
                Some(ips) => ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let found: Vec<SocketAddr> = all
                .into_iter()
                .filter(|a| callable(a.ip(), allow_private))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no address the sandbox may call").into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_callable_only_when_allowed() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(callable(ip("127.0.0.1"), false));
        assert!(callable(ip("93.184.216.34"), false));
        assert!(!callable(ip("10.0.0.1"), false));
        assert!(callable(ip("10.0.0.1"), true));
        assert!(!callable(ip("169.254.169.254"), true));
        let url = Url::parse("http://192.168.1.10/cb").unwrap();
        assert_eq!(refused_literal(&url, false), Some("refused address"));
        assert_eq!(refused_literal(&url, true), None);
    }

    #[tokio::test]
    async fn names_resolve_to_callable_addresses_only() {
        let open = GuardedResolver::new(false, &[]);
        let addrs: Vec<SocketAddr> = open
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert!(!addrs.is_empty());
    }

    #[tokio::test]
    async fn fixed_entries_are_judged_like_dns_answers() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let fixed = [
            ("Shop.Test".to_owned(), ip("127.0.0.1")),
            ("metadata.test".to_owned(), ip("169.254.169.254")),
            ("office.test".to_owned(), ip("10.1.2.3")),
        ];
        let strict = GuardedResolver::new(false, &fixed);
        let found: Vec<SocketAddr> = strict
            .resolve("shop.test".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(found, vec![SocketAddr::new(ip("127.0.0.1"), 0)]);
        assert!(strict
            .resolve("metadata.test".parse().unwrap())
            .await
            .is_err());
        assert!(strict
            .resolve("office.test".parse().unwrap())
            .await
            .is_err());
        let open = GuardedResolver::new(true, &fixed);
        assert!(open.resolve("office.test".parse().unwrap()).await.is_ok());
        assert!(open
            .resolve("metadata.test".parse().unwrap())
            .await
            .is_err());
    }
}
