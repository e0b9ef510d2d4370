//! An IP network as admins type it into IP lists: `192.0.2.7`, `192.0.2.0/24`,
//! `2001:db8::/32`. Parsed the same way in the browser and on the server, and normalised so
//! that one network has one spelling: host bits cleared, IPv4-mapped IPv6 (`::ffff:a.b.c.d`)
//! read as the IPv4 network it is, and octets with leading zeros refused (some systems read
//! `010` as octal 8, others as 10: the entry would not mean what its author thinks).

use serde::{Deserialize, Serialize};
use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// A parsed network and whether the text had host bits set (then the screen says what
/// was saved instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub cidr: Cidr,
    pub host_bits_cleared: bool,
}

impl Cidr {
    pub fn parse(input: &str) -> Result<Parsed, String> {
        let input = input.trim();
        if input.is_empty() {
            return Err("Enter an IP address or a range like 192.0.2.0/24.".into());
        }
        let (addr_text, prefix_text) = match input.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (input, None),
        };
        let addr = parse_addr(addr_text)?;
        let max = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix_text {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                    format!("“/{p}” is not a prefix length: use /0 to /{max} for {addr_text}.")
                })?
            }
            Some(p) => {
                return Err(format!(
                    "“/{p}” is not a prefix length: use /0 to /{max} for {addr_text}."
                ))
            }
        };
        // An IPv4 client may be seen as `::ffff:a.b.c.d`; its rules are IPv4 rules.
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
        let cidr = Cidr {
            addr: network(addr, prefix),
            prefix,
        };
        Ok(Parsed {
            cidr,
            host_bits_cleared: cidr.addr != addr,
        })
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// `/0`: every address there is. Adding one to a list needs an explicit yes.
    pub fn is_everything(&self) -> bool {
        self.prefix == 0
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                network(ip, self.prefix) == self.addr
            }
            _ => false,
        }
    }

    /// Networks read back from the store; one that no longer parses (kept under an older
    /// rule) is skipped rather than failing the whole list.
    pub fn parse_stored<'a>(stored: impl IntoIterator<Item = &'a str>) -> Vec<Cidr> {
        stored
            .into_iter()
            .filter_map(|n| Cidr::parse(n).ok().map(|p| p.cidr))
            .collect()
    }

    /// The first of `networks` holding `ip` (as text: an address that does not parse is
    /// held by none).
    pub fn holding(networks: &[Cidr], ip: &str) -> Option<Cidr> {
        let ip = ip.parse().ok()?;
        networks.iter().copied().find(|n| n.contains(ip))
    }
}

/// `192.0.2.0/24`; a single address is written without its prefix.
impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let single = match self.addr {
            IpAddr::V4(_) => self.prefix == 32,
            IpAddr::V6(_) => self.prefix == 128,
        };
        if single {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

fn parse_addr(text: &str) -> Result<IpAddr, String> {
    let bad = || format!("“{text}” is not an IP address.");
    if text.contains(':') {
        return text.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| bad());
    }
    let octets: Vec<&str> = text.split('.').collect();
    if octets.len() != 4 {
        return Err(bad());
    }
    for octet in &octets {
        if octet.len() > 1 && octet.starts_with('0') {
            return Err(format!(
                "“{text}” has an octet with a leading zero ({octet}): write it without, as some systems read it as an octal number."
            ));
        }
    }
    text.parse::<Ipv4Addr>().map(IpAddr::V4).map_err(|_| bad())
}

/// `addr` with every bit after the first `prefix` cleared.
fn network(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap().cidr
    }

    #[test]
    fn host_bits_are_cleared_and_reported() {
        let p = Cidr::parse("192.0.2.77/24").unwrap();
        assert!(p.host_bits_cleared);
        assert_eq!(p.cidr.to_string(), "192.0.2.0/24");
        let p = Cidr::parse(" 2001:db8::1:2/64 ").unwrap();
        assert!(p.host_bits_cleared);
        assert_eq!(p.cidr.to_string(), "2001:db8::/64");
        let p = Cidr::parse("192.0.2.0/24").unwrap();
        assert!(!p.host_bits_cleared);
    }

    #[test]
    fn single_addresses_are_shown_without_a_prefix() {
        assert_eq!(cidr("192.0.2.7").to_string(), "192.0.2.7");
        assert_eq!(cidr("192.0.2.7/32").to_string(), "192.0.2.7");
        assert_eq!(cidr("2001:DB8::7").to_string(), "2001:db8::7");
    }

    #[test]
    fn leading_zeros_and_junk_are_refused() {
        for bad in [
            "010.0.0.1",
            "10.00.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.4/33",
            "1.2.3.4/",
            "1.2.3.4/-1",
            "1.2.3.4/ 8",
            "2001:db8::/129",
            "example.com",
            "",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
        let e = Cidr::parse("010.0.0.1").unwrap_err();
        assert!(e.contains("leading zero"), "{e}");
    }

    #[test]
    fn mapped_ipv6_is_the_ipv4_network() {
        assert_eq!(cidr("::ffff:192.0.2.7"), cidr("192.0.2.7"));
        assert_eq!(cidr("::ffff:192.0.2.0/120"), cidr("192.0.2.0/24"));
        let v4 = cidr("192.0.2.0/24");
        assert!(v4.contains("192.0.2.200".parse().unwrap()));
        assert!(v4.contains("::ffff:192.0.2.200".parse().unwrap()));
        assert!(!v4.contains("192.0.3.1".parse().unwrap()));
        assert!(!v4.contains("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn ipv6_ranges_contain_their_addresses() {
        let net = cidr("2001:db8:1::/48");
        assert!(net.contains("2001:db8:1:ffff::9".parse().unwrap()));
        assert!(!net.contains("2001:db8:2::1".parse().unwrap()));
        assert!(!net.contains("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn slash_zero_is_everything() {
        let all = cidr("0.0.0.0/0");
        assert!(all.is_everything());
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert_eq!(cidr("8.8.8.8/0").to_string(), "0.0.0.0/0");
        assert!(cidr("::/0").is_everything());
        assert!(!cidr("10.0.0.0/8").is_everything());
    }
}
