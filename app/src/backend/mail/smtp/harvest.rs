//! Counts recipients refused as unknown per client, to stop directory harvesting: a client
//! that guesses addresses is told to go away for the rest of the hour.
//!
//! IPv4 clients count per address (an IPv4-mapped IPv6 address is the IPv4 address it
//! carries); IPv6 clients per /64, which one host usually has whole.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Clients remembered at most; past this, expired entries are dropped first.
const MAX_CLIENTS: usize = 100_000;

pub struct Harvest {
    max: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Harvest {
    pub fn new(max: u32, window: Duration) -> Self {
        Harvest {
            max,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// True once `ip` had its allowance of unknown recipients this window.
    pub fn exceeded(&self, ip: IpAddr) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&key(ip))
            .is_some_and(|(n, since)| *n >= self.max && since.elapsed() < self.window)
    }

    /// Counts one unknown recipient from `ip`.
    pub fn count(&self, ip: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_CLIENTS {
            let window = self.window;
            seen.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = seen.entry(key(ip)).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

/// The address a client is counted under.
pub fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::from(octets)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_counted_by_address_and_ipv6_by_slash_64() {
        assert_eq!(
            key("::ffff:192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap()
        );
        let h = Harvest::new(2, Duration::from_secs(60));
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        h.count(a);
        assert!(!h.exceeded(b));
        h.count(b);
        assert!(h.exceeded(a), "the same /64");
        assert!(!h.exceeded("192.0.2.1".parse().unwrap()));
    }
}
