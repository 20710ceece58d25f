//! Where the download links in a boot answer point.
//!
//! A phone fetches its branding and firmware from the URLs it is given, so they must name rcs
//! as the operator set it up, never a host the request claims: `Host`, `X-Forwarded-Host` and
//! `Forwarded` are whatever the sender wrote. In order:
//! 1. `device_url`, else `public_url`: what the operator configured;
//! 2. behind a proxy the operator trusts (`trust_forwarded_for`), the host the proxy forwarded;
//! 3. otherwise the address the phone's connection arrived on, on the bound HTTPS port.
//!
//! For 3, the listener's own address when it listens on one; when it listens on all of them
//! (`0.0.0.0`, `::`), the local address the kernel routes to the phone's address (asked by
//! connecting a UDP socket, which sends nothing). That is the address the connection arrived
//! on whenever routing is symmetric, and in any case an address of this host on which the
//! listener answers and which reaches the phone. The connection's own local address is not
//! available to handlers: the listeners are assembled by hand (`startup::serve_app`) and the
//! `AppConfig` they get is actix's default (`127.0.0.1:8080`), not the socket's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use crate::config::Settings;

/// The base of download links, without a trailing slash.
///
/// `fallback` is the header-free base start-up derived from the bound listener
/// (`https://localhost:<bound HTTPS port>`, `AppState::public_url` when `public_url` is
/// unset); `forwarded_host` is the host a trusted proxy forwarded (`None` unless
/// `trust_forwarded_for`); `peer` is the address the phone connects from.
pub fn base(
    settings: &Settings,
    fallback: &str,
    forwarded_host: Option<&str>,
    peer: Option<SocketAddr>,
) -> String {
    if let Some(url) = settings
        .device_url
        .as_ref()
        .or(settings.public_url.as_ref())
    {
        return url.clone();
    }
    if let Some(host) = forwarded_host.filter(|_| settings.trust_forwarded_for) {
        return format!("https://{host}");
    }
    let port = fallback
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse::<u16>().ok());
    let host = arrival_host(&settings.https_addr, peer);
    match (host, port) {
        (Some(host), Some(port)) => format!("https://{host}:{port}"),
        _ => fallback.to_string(),
    }
}

/// The host part of the address a phone connected to: the listener's, or (for a wildcard
/// listener) the local address that routes to `peer`. IPv6 in brackets.
fn arrival_host(https_addr: &str, peer: Option<SocketAddr>) -> Option<String> {
    let ip = match https_addr.parse::<SocketAddr>() {
        Ok(listen) if !listen.ip().is_unspecified() => listen.ip(),
        Ok(_) => route_to(peer?.ip())?,
        // A host name (`rcs.lan:8443`): the name the operator chose to listen on.
        Err(_) => {
            return https_addr
                .rsplit_once(':')
                .map(|(host, _)| host.to_string())
        }
    };
    Some(match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    })
}

/// The local address the kernel would use to reach `peer` (a dual-stack listener's
/// IPv4-mapped peers are answered in IPv4).
fn route_to(peer: IpAddr) -> Option<IpAddr> {
    let peer = match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        v4 => v4,
    };
    let any: IpAddr = match peer {
        IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let socket = UdpSocket::bind((any, 0)).ok()?;
    // The discard port; connecting a UDP socket only chooses the route.
    socket.connect((peer, 9)).ok()?;
    Some(socket.local_addr().ok()?.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tweak: impl FnOnce(&mut Settings)) -> Settings {
        let mut s = Settings::with_data_dir("/nowhere");
        tweak(&mut s);
        s
    }

    const FALLBACK: &str = "https://localhost:8443";

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 50_000))
    }

    #[test]
    fn configured_urls_win_over_everything() {
        let s = settings(|s| {
            s.public_url = Some("https://rcs.example".into());
            s.trust_forwarded_for = true;
        });
        assert_eq!(
            base(&s, FALLBACK, Some("proxy.example"), peer("127.0.0.1")),
            "https://rcs.example"
        );
        let s = settings(|s| {
            s.public_url = Some("https://rcs.example".into());
            s.device_url = Some("https://phones.example:9443".into());
        });
        assert_eq!(
            base(&s, FALLBACK, None, peer("127.0.0.1")),
            "https://phones.example:9443"
        );
    }

    #[test]
    fn a_forwarded_host_counts_only_when_the_proxy_is_trusted() {
        let trusting = settings(|s| s.trust_forwarded_for = true);
        assert_eq!(
            base(
                &trusting,
                FALLBACK,
                Some("proxy.example"),
                peer("127.0.0.1")
            ),
            "https://proxy.example"
        );
        let wary = settings(|s| s.https_addr = "127.0.0.1:8443".into());
        assert_eq!(
            base(&wary, FALLBACK, Some("evil.example"), peer("127.0.0.1")),
            "https://127.0.0.1:8443"
        );
    }

    #[test]
    fn otherwise_the_address_the_connection_arrived_on() {
        // The listener's own address, on the bound port (port 0 was configured).
        let s = settings(|s| s.https_addr = "127.0.0.1:0".into());
        assert_eq!(
            base(&s, "https://localhost:40123", None, peer("127.0.0.1")),
            "https://127.0.0.1:40123"
        );
        let s = settings(|s| s.https_addr = "[::1]:8443".into());
        assert_eq!(base(&s, FALLBACK, None, None), "https://[::1]:8443");
        let s = settings(|s| s.https_addr = "rcs.lan:8443".into());
        assert_eq!(base(&s, FALLBACK, None, None), "https://rcs.lan:8443");
        // All addresses: the one that routes to the phone.
        let s = settings(|s| s.https_addr = "0.0.0.0:8443".into());
        assert_eq!(
            base(&s, FALLBACK, None, peer("127.0.0.1")),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            base(&s, FALLBACK, None, peer("::ffff:127.0.0.1")),
            "https://127.0.0.1:8443"
        );
        // Nothing to go on: start-up's header-free default.
        assert_eq!(base(&s, FALLBACK, None, None), FALLBACK);
    }
}
