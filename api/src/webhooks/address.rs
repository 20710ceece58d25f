//! Which addresses a webhook may reach.
//!
//! A webhook's URL is chosen by an account's Super User, and rcs calls it from inside the
//! operator's network: without a check, a URL could make rcs talk to its database, the cloud
//! provider's metadata service or anything else only reachable from there (server-side
//! request forgery). Every address a delivery would connect to is checked here, at connect
//! time (the resolver and literal-IP URLs), not only when the URL is saved: a name that
//! resolved to a public address yesterday may resolve to 127.0.0.1 today (DNS rebinding).
//! `webhook_allow_private = true` turns the check off, for receivers on the operator's own
//! network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused, in words for `last_error` and the 422 message; `None` for a
/// public address.
pub fn refused(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_unspecified() || a == 0 => "an unspecified (\"this network\") address",
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_private() => "a private (RFC 1918) address",
        _ if ip.is_link_local() => "a link-local address",
        (100, 64..=127, _) => "a shared (CGNAT, 100.64.0.0/10) address",
        (192, 0, 0) => "an IETF protocol assignment address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        _ if ip.is_multicast() => "a multicast address",
        _ if ip.is_broadcast() || a >= 240 => "a reserved address",
        _ => return None,
    })
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    // The IPv4 forms inside IPv6 are judged as the IPv4 address they carry.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    let seg = ip.segments();
    // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96) carry one too.
    if seg[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return refused_v4(embedded_v4(&seg));
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return refused_v4(embedded_v4(&seg));
    }
    Some(match seg[0] {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        s if s & 0xfe00 == 0xfc00 => "a unique-local (fc00::/7) address",
        s if s & 0xffc0 == 0xfe80 => "a link-local address",
        s if s & 0xffc0 == 0xfec0 => "a site-local address",
        s if s & 0xff00 == 0xff00 => "a multicast address",
        0x2001 if seg[1] == 0x0db8 => "a documentation address",
        0x3fff if seg[1] & 0xf000 == 0 => "a documentation address",
        0x0100 if seg[1..4] == [0, 0, 0] => "a discard-only address",
        _ => return None,
    })
}

fn embedded_v4(seg: &[u16; 8]) -> Ipv4Addr {
    let [a, b] = seg[6].to_be_bytes();
    let [c, d] = seg[7].to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(s: &str) -> Option<&'static str> {
        refused(s.parse().unwrap())
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(judged(ip), None, "{ip}");
        }
    }

    #[test]
    fn loopback_private_and_link_local_v4_are_refused() {
        for (ip, why) in [
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.0.0.1", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "CGNAT"),
            ("100.127.255.255", "CGNAT"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "reserved"),
            ("240.0.0.1", "reserved"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("192.0.0.8", "IETF"),
        ] {
            let got = judged(ip).unwrap_or_else(|| panic!("{ip} allowed"));
            assert!(got.contains(why), "{ip}: {got}");
        }
    }

    #[test]
    fn loopback_unique_local_link_local_and_special_v6_are_refused() {
        for (ip, why) in [
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fc00::1", "unique-local"),
            ("fd12:3456:789a::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("100::1", "discard"),
        ] {
            let got = judged(ip).unwrap_or_else(|| panic!("{ip} allowed"));
            assert!(got.contains(why), "{ip}: {got}");
        }
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_as_ipv4() {
        for (ip, why) in [
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:0.0.0.0", "unspecified"),
            ("::127.0.0.1", "loopback"),
            ("::192.168.0.1", "private"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
        ] {
            let got = judged(ip).unwrap_or_else(|| panic!("{ip} allowed"));
            assert!(got.contains(why), "{ip}: {got}");
        }
    }
}
