//! Where tally may send requests a user configured (alert webhooks): not to this
//! machine, the private network, link-local or cloud metadata addresses, nor Redis's
//! port, unless the operator allows private targets (`TALLY_WEBHOOK_ALLOW_PRIVATE`).
//! A name is resolved once and the caller connects to the addresses checked here, so
//! a second DNS answer cannot point elsewhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::settings::{Environment, InvalidSetting};

pub const ALLOW_PRIVATE_ENV: &str = "TALLY_WEBHOOK_ALLOW_PRIVATE";

/// Redis's port: its protocol tolerates the lines of an HTTP request, so a POST there
/// could run commands.
const REDIS_PORT: u16 = 6379;

/// `TALLY_WEBHOOK_ALLOW_PRIVATE` (`true`/`false`, default `false`).
pub fn allow_private_from(env: &Environment) -> Result<bool, InvalidSetting> {
    env.parse_non_blank(ALLOW_PRIVATE_ENV, |text| match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(format!("must be true or false, got {other:?}")),
    })
    .map(|allowed| allowed.unwrap_or(false))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The target is one tally refuses; the message says which rule.
    #[error("{0}")]
    Refused(String),
    /// The name did not resolve (now): it may later.
    #[error("the host does not resolve: {0}")]
    Unresolved(String),
}

/// Why `address` is refused as a target, if it is.
pub fn refusal(address: SocketAddr, allow_private: bool) -> Option<&'static str> {
    if allow_private {
        return None;
    }
    if address.port() == REDIS_PORT {
        return Some("must not point at port 6379 (Redis)");
    }
    match address.ip() {
        IpAddr::V4(ip) => refusal_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(mapped) => refusal_v4(mapped),
            None => refusal_v6(ip),
        },
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [first, second, ..] = ip.octets();
    if ip.is_loopback() || ip.is_unspecified() || first == 0 {
        Some("must not point at this machine (loopback)")
    } else if ip.is_link_local() {
        Some("must not point at a link-local or cloud metadata address")
    } else if ip.is_private() || (first == 100 && (64..128).contains(&second)) {
        Some("must not point at a private network address")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("must not point at a multicast or broadcast address")
    } else {
        None
    }
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() || ip.is_unspecified() {
        Some("must not point at this machine (loopback)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("must not point at a link-local or cloud metadata address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("must not point at a private network address")
    } else if ip.is_multicast() {
        Some("must not point at a multicast or broadcast address")
    } else {
        None
    }
}

/// Resolves `host:port` and checks every address; all of them must be allowed.
pub async fn checked_addresses(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, TargetError> {
    // `[::1]` as a URL host is `::1` to the resolver.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|error| TargetError::Unresolved(error.to_string()))?
        .collect();
    if addresses.is_empty() {
        return Err(TargetError::Unresolved("no address".to_string()));
    }
    for address in &addresses {
        if let Some(rule) = refusal(*address, allow_private) {
            return Err(TargetError::Refused(rule.to_string()));
        }
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        refusal(text.parse().unwrap(), false).is_some()
    }

    #[test]
    fn internal_targets_are_refused_and_public_ones_allowed() {
        for internal in [
            "127.0.0.1:80",
            "0.0.0.0:80",
            "10.1.2.3:443",
            "172.16.0.1:443",
            "192.168.1.1:80",
            "100.64.0.1:80",
            "169.254.169.254:80",
            "[::1]:80",
            "[fe80::1]:80",
            "[fd00:ec2::254]:80",
            "[::ffff:127.0.0.1]:80",
            "93.184.216.34:6379",
        ] {
            assert!(refused(internal), "{internal}");
        }
        for public in ["93.184.216.34:443", "[2606:2800:220:1::1]:443"] {
            assert!(!refused(public), "{public}");
        }
        assert_eq!(refusal("127.0.0.1:6379".parse().unwrap(), true), None);
    }
}
