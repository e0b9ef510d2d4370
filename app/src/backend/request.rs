//! What the backend needs to know about the HTTP request it serves.

use super::{auth::session, Settings};
use axum::http::{header, HeaderMap};
use ipnetwork::IpNetwork;
use std::net::{IpAddr, SocketAddr};

/// The client's address, browser and session cookie, read once per request.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
    pub session_token: Option<String>,
    /// The ticket of a sign-in waiting for its second factor.
    pub pending_token: Option<String>,
    /// The secret of `Authorization: Bearer …`: an API token.
    pub bearer: Option<String>,
}

impl RequestMeta {
    pub fn from_parts(settings: &Settings, headers: &HeaderMap, peer: Option<SocketAddr>) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        let cookies = || {
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
        };
        RequestMeta {
            ip: peer
                .map(|p| client_ip(p.ip(), headers, &settings.trusted_proxies).to_string())
                .unwrap_or_else(|| "unknown".into()),
            user_agent: text(header::USER_AGENT).chars().take(300).collect(),
            session_token: cookies().find_map(|v| session::token_from_cookie_header(settings, v)),
            pending_token: cookies()
                .find_map(|v| session::cookie_value(v, session::pending_cookie_name(settings))),
            bearer: bearer(headers),
        }
    }
}

/// The token of an `Authorization: Bearer` header (the scheme in any case, RFC 9110).
/// Another scheme, or none, is no token; an empty one is kept, and then refused.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address: the socket's peer, unless the peer is a trusted proxy. Then the
/// `X-Forwarded-For` chain is read from its end (the address the last proxy saw) past the
/// trusted proxies; the first address that is not one of them is the client. Anything a
/// client wrote further left is its own claim and not believed, and a chain that does not
/// read as addresses leaves the peer.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    let peer = canonical_ip(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        hops.extend(text.split(',').map(str::trim));
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            return client;
        };
        client = canonical_ip(ip);
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:a.b.c.d`) is that IPv4 client.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// "Firefox on Windows" from a User-Agent, for the session list.
pub fn describe_device(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "Unknown device".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ipv4_is_plain_ipv4() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(canonical_ip(mapped).to_string(), "192.0.2.7");
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(canonical_ip(v6), v6);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNetwork> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let forwarded = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append("x-forwarded-for", v.parse().unwrap());
            }
            h
        };
        let claim = forwarded(&["203.0.113.9"]);
        // A stranger's claim is not believed.
        assert_eq!(
            client_ip(ip("198.51.100.4"), &claim, &trusted),
            ip("198.51.100.4")
        );
        // Through a trusted proxy: the address it saw.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &claim, &trusted),
            ip("203.0.113.9")
        );
        // A client's own claim further left stays a claim; trusted hops are passed over.
        let chain = forwarded(&["192.0.2.66, 203.0.113.9", "10.9.9.9"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &chain, &trusted),
            ip("203.0.113.9")
        );
        // No header, or a chain that is not addresses: the proxy itself.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        let junk = forwarded(&["203.0.113.9, unknown"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &junk, &trusted), ip("10.1.2.3"));
        // Every hop trusted: the leftmost.
        let inner = forwarded(&["10.4.4.4"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &inner, &trusted), ip("10.4.4.4"));
        // Mapped IPv4 is IPv4, on the socket and in the header.
        let mapped = forwarded(&["::ffff:203.0.113.9"]);
        assert_eq!(
            client_ip(ip("::ffff:10.1.2.3"), &mapped, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn devices_are_named() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(describe_device(chrome), "Chrome on Linux");
        assert_eq!(describe_device("curl/8.0"), "curl");
        assert_eq!(describe_device(""), "Unknown device");
    }
}
