//! Where mail leaves to: a destination server (`host:port`) for relay domains' routes and
//! split domain routing, checked the same way in the browser and on the server.

use super::DomainName;
use serde::{Deserialize, Serialize};
use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
};

/// The SMTP port, used when none is given.
pub const SMTP_PORT: u16 = 25;

/// A mail server to hand mail to: a host name or an IP address, and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Destination {
    pub host: Host,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Host {
    /// A domain name (lower case, punycode), or `localhost`.
    Name(String),
    Ip(IpAddr),
}

impl Destination {
    /// `mx.example.org`, `mx.example.org:587`, `192.0.2.10:25`, `[2001:db8::1]:25` or a bare
    /// IPv6 address. The port is 25 unless given.
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        if text.is_empty() {
            return Err("Enter a server, for example mx.example.org or mx.example.org:25.".into());
        }
        let bad_port = || format!("The port in “{text}” must be a number from 1 to 65535.");
        let port = |p: &str| -> Result<u16, String> {
            match p.parse::<u16>() {
                Ok(0) | Err(_) => Err(bad_port()),
                Ok(n) => Ok(n),
            }
        };
        // [v6]:port, a bare v6 address, host:port, or a host alone.
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (ip, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("“{text}” has a [ without its ]."))?;
            let ip: Ipv6Addr = ip
                .parse()
                .map_err(|_| format!("“{ip}” is not an IPv6 address."))?;
            let port = match after.strip_prefix(':') {
                Some(p) => port(p)?,
                None if after.is_empty() => SMTP_PORT,
                None => return Err(bad_port()),
            };
            (Host::Ip(IpAddr::V6(ip)), port)
        } else if let Ok(ip) = text.parse::<Ipv6Addr>() {
            (Host::Ip(IpAddr::V6(ip)), SMTP_PORT)
        } else {
            let (host, port) = match text.rsplit_once(':') {
                Some((h, p)) => (h, port(p)?),
                None => (text, SMTP_PORT),
            };
            (parse_host(host)?, port)
        };
        Ok(Destination { host, port })
    }

    /// True for a destination on this machine or its link: loopback, link-local, the
    /// unspecified address, multicast. Such routes would let a domain admin reach services
    /// that only the host should (a master admin may allow them, for testing).
    pub fn is_local(&self) -> bool {
        match &self.host {
            Host::Ip(ip) => is_local_ip(*ip),
            Host::Name(name) => name == "localhost" || name.ends_with(".localhost"),
        }
    }
}

fn parse_host(host: &str) -> Result<Host, String> {
    let looks_numeric = host.chars().all(|c| c.is_ascii_digit() || c == '.');
    if looks_numeric {
        // Strict dotted quads only: `0127.0.0.1` or `1.2.3` are not read as an address by
        // one program and a name by another.
        return host
            .parse::<Ipv4Addr>()
            .map(|ip| Host::Ip(IpAddr::V4(ip)))
            .map_err(|_| format!("“{host}” is not an IPv4 address like 192.0.2.10."));
    }
    if host.eq_ignore_ascii_case("localhost") {
        // One label, which DomainName refuses; but people type it.
        return Ok(Host::Name("localhost".into()));
    }
    DomainName::parse(host).map(|d| Host::Name(d.as_str().to_string()))
}

/// Loopback, link-local, unspecified, multicast or broadcast, in IPv4 or IPv6 (IPv4-mapped
/// IPv6 addresses are judged as the IPv4 address they carry).
pub fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_local_ip(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// What a domain is here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum DomainKind {
    /// Its mailboxes are here.
    Hosted,
    /// Another name for a hosted domain: user@alias is user@main.
    Alias,
    /// All its mail goes on to its routes.
    Relay,
}

impl DomainKind {
    /// The word files and the store use.
    pub fn as_str(self) -> &'static str {
        match self {
            DomainKind::Hosted => "hosted",
            DomainKind::Alias => "alias",
            DomainKind::Relay => "relay",
        }
    }

    /// Reads `as_str`'s words back, in any case.
    pub fn parse(text: &str) -> Result<DomainKind, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "hosted" => Ok(DomainKind::Hosted),
            "alias" => Ok(DomainKind::Alias),
            "relay" => Ok(DomainKind::Relay),
            _ => Err(format!(
                "“{}” is not a kind: use hosted, relay or alias.",
                text.trim()
            )),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DomainKind::Hosted => "Hosted here",
            DomainKind::Alias => "Domain alias",
            DomainKind::Relay => "Relayed",
        }
    }
}

/// A relay domain's route, as the Routes page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RouteRow {
    pub id: i64,
    pub destination: String,
}

/// A relay domain's routes, as the Routes page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Routes {
    pub domain: String,
    pub rows: Vec<RouteRow>,
    /// A master admin allowed destinations on this machine or its link.
    pub allow_local: bool,
}

/// A hosted domain's split domain routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Sdr {
    pub domain: String,
    pub enabled: bool,
    pub destination: Option<String>,
}

/// What the "Test" button found: the server's answers, line by line, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RouteTest {
    pub ok: bool,
    /// `S:` lines the server sent and `C:` lines the portal sent.
    pub transcript: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(input: &str) -> String {
        Destination::parse(input).unwrap().to_string()
    }

    #[test]
    fn destinations_read_as_people_write_them() {
        assert_eq!(shown("MX.Example.org"), "mx.example.org:25");
        assert_eq!(shown(" mx.example.org:587 "), "mx.example.org:587");
        assert_eq!(shown("192.0.2.10"), "192.0.2.10:25");
        assert_eq!(shown("192.0.2.10:2525"), "192.0.2.10:2525");
        assert_eq!(shown("[2001:db8::1]:26"), "[2001:db8::1]:26");
        assert_eq!(shown("2001:db8::1"), "[2001:db8::1]:25");
        assert_eq!(shown("localhost:2525"), "localhost:2525");
        assert_eq!(shown("bücher.example"), "xn--bcher-kva.example:25");
        for bad in [
            "",
            "mx.example.org:0",
            "mx.example.org:70000",
            "mx.example.org:smtp",
            "0127.0.0.1",
            "1.2.3",
            "256.1.1.1",
            "[2001:db8::1",
            "[::1]x",
            "mx example.org",
            "http://mx.example.org",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn local_destinations_are_recognised() {
        for local in [
            "127.0.0.1",
            "127.1.2.3:25",
            "localhost",
            "mail.localhost",
            "0.0.0.0",
            "[::1]",
            "[::]",
            "169.254.169.254",
            "[fe80::1]",
            "[::ffff:127.0.0.1]",
            "224.0.0.1",
        ] {
            assert!(Destination::parse(local).unwrap().is_local(), "{local}");
        }
        for remote in ["192.0.2.10", "10.0.0.5", "mx.example.org", "[2001:db8::1]"] {
            assert!(!Destination::parse(remote).unwrap().is_local(), "{remote}");
        }
    }
}
