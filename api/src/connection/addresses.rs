//! Open connections per client address, so that one client cannot take every connection.
//!
//! Counted at accept time, before the TLS handshake, and given back when the connection is
//! dropped, whatever ended it. IPv6 clients are counted per /64: one host usually has a whole
//! /64 to pick source addresses from.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// The open connections of every address with at least one.
pub(super) struct Addresses {
    /// 0: no limit.
    limit: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place in its address's count; given back on drop.
pub struct Slot {
    addresses: Arc<Addresses>,
    key: IpAddr,
}

impl Addresses {
    pub(super) fn new(limit: usize) -> Addresses {
        Addresses {
            limit,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for a connection from `ip`: `Ok(None)` without a limit, `Err` at the limit.
    pub(super) fn take(self: &Arc<Self>, ip: IpAddr) -> Result<Option<Slot>, ()> {
        if self.limit == 0 {
            return Ok(None);
        }
        let key = key(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key).or_default();
        if *count >= self.limit {
            return Err(());
        }
        *count += 1;
        Ok(Some(Slot {
            addresses: self.clone(),
            key,
        }))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .addresses
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// What connections are counted under: the IPv4 address (also when IPv4-mapped), or the
/// IPv6 address's /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_given_back() {
        let addresses = Arc::new(Addresses::new(2));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = addresses.take(a).unwrap();
        let second = addresses.take(a).unwrap();
        assert!(addresses.take(a).is_err());
        assert!(addresses.take(b).unwrap().is_some());
        drop(first);
        assert!(addresses.take(a).unwrap().is_some());
        drop(second);
        assert_eq!(addresses.open.lock().unwrap().len(), 0, "empty counts go");
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4_and_zero_is_no_limit() {
        let k = |s: &str| key(s.parse().unwrap());
        assert_eq!(k("2001:db8:1:2:aaaa::1"), k("2001:db8:1:2:bbbb::2"));
        assert_ne!(k("2001:db8:1:2::1"), k("2001:db8:1:3::1"));
        assert_eq!(k("::ffff:192.0.2.1"), k("192.0.2.1"));
        let unlimited = Arc::new(Addresses::new(0));
        assert!(unlimited.take(k("192.0.2.1")).unwrap().is_none());
    }
}
