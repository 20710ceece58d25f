//! Where the download links in a boot answer point.
//!
//! A phone fetches its branding and firmware from the URLs it is given, so they must name rcs
//! as the operator set it up, never a host the request claims: `Host`, `X-Forwarded-Host` and
//! `Forwarded` are whatever the sender wrote. In order:
//! 1. `device_url`, else `public_url`: what the operator configured;
//! 2. behind a proxy the operator trusts (`trust_forwarded_for`), the host the proxy forwarded;
//! 3. otherwise the local address and port the phone's connection arrived on
//!    ([`ArrivedAt`](crate::device::ArrivedAt), kept with the connection when it is
//!    accepted): an address of this host that the phone demonstrably reaches.

use std::net::{IpAddr, SocketAddr};

use crate::config::Settings;

/// The base of download links, without a trailing slash.
///
/// `forwarded_host` is the host a trusted proxy forwarded (`None` unless
/// `trust_forwarded_for`); `arrived_at` is the connection's local address; `fallback` is
/// start-up's header-free base (`AppState::public_url`), for a connection whose local address
/// could not be read.
pub fn base(
    settings: &Settings,
    fallback: &str,
    forwarded_host: Option<&str>,
    arrived_at: Option<SocketAddr>,
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
    match arrived_at {
        Some(local) => format!("https://{}", host_and_port(local)),
        None => fallback.to_string(),
    }
}

/// `ip:port`, IPv6 in brackets; a dual-stack listener's IPv4-mapped address in IPv4.
fn host_and_port(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr.ip(), IpAddr::V4),
        v4 => v4,
    };
    SocketAddr::new(ip, addr.port()).to_string()
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

    fn at(addr: &str) -> Option<SocketAddr> {
        Some(addr.parse().unwrap())
    }

    #[test]
    fn configured_urls_win_over_everything() {
        let s = settings(|s| {
            s.public_url = Some("https://rcs.example".into());
            s.trust_forwarded_for = true;
        });
        assert_eq!(
            base(&s, FALLBACK, Some("proxy.example"), at("127.0.0.1:8443")),
            "https://rcs.example"
        );
        let s = settings(|s| {
            s.public_url = Some("https://rcs.example".into());
            s.device_url = Some("https://phones.example:9443".into());
        });
        assert_eq!(
            base(&s, FALLBACK, None, at("127.0.0.1:8443")),
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
                at("10.0.0.5:8443")
            ),
            "https://proxy.example"
        );
        let wary = settings(|_| {});
        assert_eq!(
            base(&wary, FALLBACK, Some("evil.example"), at("10.0.0.5:8443")),
            "https://10.0.0.5:8443"
        );
    }

    #[test]
    fn otherwise_the_address_the_connection_arrived_on() {
        let s = settings(|_| {});
        assert_eq!(
            base(&s, FALLBACK, None, at("127.0.0.1:40123")),
            "https://127.0.0.1:40123"
        );
        assert_eq!(
            base(&s, FALLBACK, None, at("[::1]:8443")),
            "https://[::1]:8443"
        );
        assert_eq!(
            base(&s, FALLBACK, None, at("[::ffff:192.0.2.7]:8443")),
            "https://192.0.2.7:8443"
        );
        // Nothing to go on: start-up's header-free default.
        assert_eq!(base(&s, FALLBACK, None, None), FALLBACK);
    }
}
