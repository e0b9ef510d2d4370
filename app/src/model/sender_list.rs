//! Antispam sender lists: whitelist and blacklist entries, per domain and global. An entry
//! names a sender by address, by domain (its subdomains included) or by the IP network of
//! the sending server. Checked the same way in the browser and on the server.

use super::{
    cidr::Cidr,
    list::Page,
    route::DomainKind,
    time::{parse_date, UnixTime},
    DomainName, EmailAddress,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which list an entry is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum List {
    /// Let through without scoring (the size and attachment checks still apply).
    Whitelist,
    /// Refused with 5xx.
    Blacklist,
}

impl List {
    pub fn as_str(self) -> &'static str {
        match self {
            List::Whitelist => "whitelist",
            List::Blacklist => "blacklist",
        }
    }

    pub fn parse(text: &str) -> Result<List, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "whitelist" | "white" | "allow" => Ok(List::Whitelist),
            "blacklist" | "black" | "block" => Ok(List::Blacklist),
            other => Err(format!(
                "“{other}” is not a list: write whitelist or blacklist."
            )),
        }
    }

    /// "Whitelist", as a heading or a cell shows it.
    pub fn label(self) -> &'static str {
        match self {
            List::Whitelist => "Whitelist",
            List::Blacklist => "Blacklist",
        }
    }
}

/// Who an entry matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Sender {
    /// The MIME From address.
    Address(EmailAddress),
    /// The MIME From domain or any of its subdomains.
    Domain(DomainName),
    /// The connecting server's IP address.
    Network(Cidr),
}

/// The parts of `Sender` the store keeps apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum SenderKind {
    Address,
    Domain,
    Network,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderKind::Address => "address",
            SenderKind::Domain => "domain",
            SenderKind::Network => "network",
        }
    }

    pub fn parse(text: &str) -> Option<SenderKind> {
        [SenderKind::Address, SenderKind::Domain, SenderKind::Network]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// What the form's sender field accepts.
pub const SENDER_HINT: &str = "An address (jane@example.org), a domain with its subdomains \
     (example.org), or the sending server's IP address or range (192.0.2.0/24, 2001:db8::/32).";

/// A sender as typed, and a note when it was saved in another spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSender {
    pub sender: Sender,
    /// Set when host bits were cleared from a range: tells what was saved.
    pub note: Option<String>,
}

impl Sender {
    pub fn parse(input: &str) -> Result<ParsedSender, String> {
        let text = input.trim();
        if text.is_empty() {
            return Err(format!("Enter a sender. {SENDER_HINT}"));
        }
        let plain = |sender| ParsedSender { sender, note: None };
        if let Some(domain) = text.strip_prefix('@') {
            return DomainName::parse(domain).map(|d| plain(Sender::Domain(d)));
        }
        if text.contains('@') {
            return EmailAddress::parse(text).map(|a| plain(Sender::Address(a)));
        }
        // IPv6 has colons; IPv4 and its ranges are digits, dots and a slash. No domain
        // name is only digits (its last label may not be a number).
        let ip_like = text.contains(':')
            || text.contains('/')
            || text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if ip_like {
            let parsed = Cidr::parse(text)?;
            let note = parsed.host_bits_cleared.then(|| {
                format!(
                    "{text} was saved as {}: a range starts at its first address.",
                    parsed.cidr
                )
            });
            return Ok(ParsedSender {
                sender: Sender::Network(parsed.cidr),
                note,
            });
        }
        DomainName::parse(text).map(|d| plain(Sender::Domain(d)))
    }

    pub fn kind(&self) -> SenderKind {
        match self {
            Sender::Address(_) => SenderKind::Address,
            Sender::Domain(_) => SenderKind::Domain,
            Sender::Network(_) => SenderKind::Network,
        }
    }
}

/// The stored spelling: `jane@example.org`, `example.org`, `192.0.2.0/24`.
impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sender::Address(a) => write!(f, "{a}"),
            Sender::Domain(d) => write!(f, "{d}"),
            Sender::Network(n) => write!(f, "{n}"),
        }
    }
}

pub const MAX_DESCRIPTION: usize = 200;

/// An entry's description: optional, one line, at most `MAX_DESCRIPTION` characters.
pub fn check_description(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(format!(
            "A description has at most {MAX_DESCRIPTION} characters."
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("A description is one line of text.".into());
    }
    Ok(text.to_string())
}

/// An expiry date as typed (`YYYY-MM-DD`, empty for never): the entry stops matching at the
/// end of that day (UTC), which must not have passed.
pub fn parse_expiry(text: &str, now: UnixTime) -> Result<Option<UnixTime>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let end = parse_date(text)? + 86_400;
    if end <= now {
        return Err("That day has passed: choose a later one, or leave the field empty for an entry that does not expire.".into());
    }
    Ok(Some(end))
}

/// The warning shown where a domain may be whitelisted.
pub const DOMAIN_WHITELIST_WARNING: &str = "Whitelisting a domain lets in every message that \
     claims to come from it, including forged ones: anyone can write any From address. Prefer \
     the sending server's IP range, or a single address.";

/// One entry as the screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct EntryRow {
    pub id: i64,
    pub list: List,
    pub sender: String,
    pub kind: SenderKind,
    pub description: String,
    /// The address of who added it, or "import" details as the audit log has them.
    pub added_by: String,
    pub created_at: UnixTime,
    /// The entry stops matching at this instant.
    pub expires_at: Option<UnixTime>,
    /// Messages it decided, and when last.
    pub hits: i64,
    pub last_hit_at: Option<UnixTime>,
}

impl EntryRow {
    pub fn expired(&self, now: UnixTime) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

/// A domain's lists (or the global ones), one page of the entries matching the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SenderLists {
    /// `None` for the global lists.
    pub domain: Option<String>,
    /// The domain's kind (hosted for the global lists): which tabs its pages have.
    pub kind: DomainKind,
    pub page: Page<EntryRow>,
    /// The server's clock, to show which entries have expired.
    pub now: UnixTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Sender {
        Sender::parse(text).unwrap().sender
    }

    #[test]
    fn senders_are_told_apart_by_their_shape() {
        assert_eq!(parsed("Jane@Example.ORG").kind(), SenderKind::Address);
        assert_eq!(parsed("example.org").kind(), SenderKind::Domain);
        assert_eq!(parsed("@example.org").to_string(), "example.org");
        assert_eq!(parsed("192.0.2.9").kind(), SenderKind::Network);
        assert_eq!(parsed("2001:db8::/32").to_string(), "2001:db8::/32");
        assert_eq!(parsed("jane@example.org").to_string(), "jane@example.org");
    }

    #[test]
    fn a_range_with_host_bits_says_what_was_saved() {
        let p = Sender::parse("192.0.2.9/24").unwrap();
        assert_eq!(p.sender.to_string(), "192.0.2.0/24");
        assert!(p.note.unwrap().contains("192.0.2.0/24"));
        assert!(Sender::parse("192.0.2.0/24").unwrap().note.is_none());
    }

    #[test]
    fn bad_senders_are_refused_with_a_reason() {
        for bad in [
            "",
            "  ",
            "010.1.1.1",
            "1.2.3",
            "a@",
            "not a domain",
            "@",
            "1.2.3.4/40",
        ] {
            let e = Sender::parse(bad).unwrap_err();
            assert!(!e.is_empty(), "{bad}");
        }
    }

    #[test]
    fn lists_parse_their_names() {
        assert_eq!(List::parse(" Whitelist "), Ok(List::Whitelist));
        assert_eq!(List::parse("blacklist"), Ok(List::Blacklist));
        assert!(List::parse("greylist").is_err());
        assert_eq!(SenderKind::parse("network"), Some(SenderKind::Network));
    }

    #[test]
    fn expiry_is_the_end_of_a_coming_day() {
        let now = 86_400 * 10 + 5;
        assert_eq!(parse_expiry("", now), Ok(None));
        assert_eq!(parse_expiry("1970-01-11", now), Ok(Some(86_400 * 11)));
        assert!(parse_expiry("1970-01-10", now).is_err());
        assert!(parse_expiry("11.01.1970", now).is_err());
    }

    #[test]
    fn descriptions_are_one_short_line() {
        assert_eq!(check_description("  partner  "), Ok("partner".into()));
        assert!(check_description("a\nBcc: x").is_err());
        assert!(check_description(&"x".repeat(MAX_DESCRIPTION + 1)).is_err());
    }
}
