//! SPF (RFC 7208): whether the domain in MAIL FROM lets the connecting client send its mail.
//!
//! A domain publishes one TXT record such as `v=spf1 ip4:192.0.2.0/24 include:_spf.example.net
//! -all`, the hosts that send its mail; [`check`] runs RFC 7208's check_host() for the client's
//! address and the sender's domain (the HELO name when the sender is null, as for bounces)
//! and answers pass, fail, softfail, neutral, none, temperror or permerror, with a line for
//! the mail log. The scoring stage adds to the spam score on a fail; it does not reject.
//!
//! Whoever sends the message chooses the domain, so the record being evaluated may be an
//! attacker's, and one record can make the evaluator ask many DNS questions about names it
//! picks. The limits stop a message from turning the portal into a DNS amplifier aimed at a
//! third party, and from holding the SMTP session on slow lookups:
//! - at most 10 terms that query DNS (include, a, mx, ptr, exists, redirect) in the whole
//!   evaluation, nested includes and redirects counted too: permerror beyond. This also ends
//!   include and redirect loops;
//! - at most 2 void lookups (a term's query finding no such name, or no records): permerror
//!   beyond, since a record of names that do not exist is a probe or a mistake;
//! - at most 10 MX names for one `mx` (permerror), and the first 10 PTR names for `ptr`;
//! - one deadline for the whole check, whatever the resolver's own timeouts: temperror.
//!
//! Left out: the `exp=` explanation is parsed but never fetched (a filter that scores sends
//! no rejection text); `%{p}` expands to "unknown" instead of costing lookups (RFC 7208
//! §7.3 itself says not to use it).

use crate::backend::dns::{self, MailResolver};
use hickory_resolver::{
    proto::rr::{RData, RecordType},
    Name,
};
use ipnetwork::{Ipv4Network, Ipv6Network};
use std::{
    fmt::Write as _,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    time::Duration,
};

/// DNS-querying terms per check (RFC 7208 §4.6.4).
const MAX_DNS_TERMS: u32 = 10;
/// Terms whose query finds nothing, per check (RFC 7208 §4.6.4).
const MAX_VOID_LOOKUPS: u32 = 2;
/// MX names one `mx` may look up the addresses of: beyond, permerror (RFC 7208 §4.6.4).
const MAX_MX_NAMES: usize = 10;
/// PTR names one `ptr` looks at: the rest are ignored (RFC 7208 §4.6.4).
const MAX_PTR_NAMES: usize = 10;
/// The longest domain name, in the dotted form macros produce (RFC 7208 §7.3).
const MAX_NAME_LEN: usize = 253;

/// What check_host() found (RFC 7208 §2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpfResult {
    /// The domain publishes no SPF record (or is no domain name).
    None,
    /// The record says nothing about this client.
    Neutral,
    /// The client may send the domain's mail.
    Pass,
    /// The client may not.
    Fail,
    /// Probably not, says the domain.
    SoftFail,
    /// DNS did not answer in time; the same check later may succeed.
    TempError,
    /// The record is broken or too expensive to evaluate.
    PermError,
}

impl SpfResult {
    /// The name RFC 7208 gives the result, as Received-SPF and the mail log write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Neutral => "neutral",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::SoftFail => "softfail",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }
}

/// The result of one check, for the scoring stage and the mail log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub result: SpfResult,
    /// The domain checked: the sender's, or the HELO name for a null sender.
    pub domain: String,
    /// Why: which term matched in which record, or what went wrong.
    pub explanation: String,
}

/// Why a lookup brought no records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsError {
    /// NXDOMAIN or NODATA: the name, or its records of that type, do not exist.
    NotFound,
    /// The server failed or did not answer (SERVFAIL, REFUSED, timeout).
    Temporary(String),
}

/// The DNS questions SPF asks. Each answer is a non-empty list or an error.
#[allow(async_fn_in_trait)]
pub trait Lookup {
    /// The TXT records at `name`, each one's strings joined into one text.
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError>;
    /// The AAAA addresses of `name` when `v6`, else its A addresses.
    async fn addrs(&self, name: &str, v6: bool) -> Result<Vec<IpAddr>, DnsError>;
    /// The MX host names of `name`, lowercase, without the trailing dot.
    async fn mx(&self, name: &str) -> Result<Vec<String>, DnsError>;
    /// The PTR names of `ip`, lowercase, without the trailing dot.
    async fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError>;
}

/// The mail plane's resolver (`[dns] resolver` when set, else the system's).
pub struct Dns<'a>(pub &'a MailResolver);

impl Dns<'_> {
    async fn records(&self, name: &str, kind: RecordType) -> Result<Vec<RData>, DnsError> {
        let name = name.strip_suffix('.').unwrap_or(name);
        // A macro can put any character of a local part in a name; a name DNS cannot carry
        // has no records, which is not the server's failure.
        if Name::from_ascii(name).is_err() {
            return Err(DnsError::NotFound);
        }
        match dns::records(self.0, name, kind).await {
            Ok(records) if records.is_empty() => Err(DnsError::NotFound),
            Ok(records) => Ok(records),
            Err(e) => Err(DnsError::Temporary(e)),
        }
    }
}

impl Lookup for Dns<'_> {
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let records = self.records(name, RecordType::TXT).await?;
        Ok(records
            .iter()
            .filter_map(|record| match record {
                // A record's strings are one text (RFC 7208 §3.3).
                RData::TXT(txt) => Some(
                    txt.txt_data()
                        .iter()
                        .map(|part| String::from_utf8_lossy(part))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    async fn addrs(&self, name: &str, v6: bool) -> Result<Vec<IpAddr>, DnsError> {
        let kind = if v6 { RecordType::AAAA } else { RecordType::A };
        let records = self.records(name, kind).await?;
        Ok(records
            .iter()
            .filter_map(|record| match record {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                _ => None,
            })
            .collect())
    }

    async fn mx(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let records = self.records(name, RecordType::MX).await?;
        Ok(records
            .iter()
            .filter_map(|record| match record {
                RData::MX(mx) => Some(host_name(mx.exchange())),
                _ => None,
            })
            .collect())
    }

    async fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        let records = self.records(&reverse_name(ip), RecordType::PTR).await?;
        Ok(records
            .iter()
            .filter_map(|record| match record {
                RData::PTR(ptr) => Some(host_name(&ptr.0)),
                _ => None,
            })
            .collect())
    }
}

fn host_name(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

/// `4.3.2.1.in-addr.arpa` for 1.2.3.4, the nibbles backwards under `ip6.arpa` for IPv6.
fn reverse_name(ip: IpAddr) -> String {
    let dotted = dotted(ip);
    let reversed: Vec<&str> = dotted.split('.').rev().collect();
    let zone = if ip.is_ipv4() { "in-addr" } else { "ip6" };
    format!("{}.{zone}.arpa", reversed.join("."))
}

/// check_host() for the client at `ip`: the MAIL FROM address `sender` names the domain, or,
/// when it is null (`""` or `<>`), the HELO name `helo` does. IPv4-mapped IPv6 clients are
/// matched as IPv4. Never takes much longer than `deadline`: temperror when it runs out.
pub async fn check(
    lookup: &impl Lookup,
    ip: IpAddr,
    sender: &str,
    helo: &str,
    deadline: Duration,
) -> Verdict {
    let sender = sender.trim().trim_start_matches('<').trim_end_matches('>');
    let helo = helo.trim();
    let (local, domain) = match sender.rsplit_once('@') {
        Some((local, domain)) => (local, domain),
        None if sender.is_empty() => ("", helo),
        None => ("", sender),
    };
    // RFC 7208 §4.3: a sender without a local part is postmaster at the domain.
    let local = if local.is_empty() {
        "postmaster"
    } else {
        local
    };
    let domain = domain.strip_suffix('.').unwrap_or(domain).to_string();
    let mut eval = Eval {
        lookup,
        ip: ip.to_canonical(),
        sender: format!("{local}@{domain}"),
        local: local.to_string(),
        sender_domain: domain.clone(),
        helo: helo.to_string(),
        dns_terms: 0,
        void_lookups: 0,
    };
    let (result, explanation) = match tokio::time::timeout(deadline, eval.check_host(&domain)).await
    {
        Ok(Ok(found)) => found,
        Ok(Err(stop)) => (stop.result, stop.why),
        Err(_) => (
            SpfResult::TempError,
            format!("no answer within {} ms", deadline.as_millis()),
        ),
    };
    Verdict {
        result,
        domain,
        explanation,
    }
}

// ---- The record ----

/// A mechanism's qualifier: the result when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

impl Qualifier {
    fn result(self) -> SpfResult {
        match self {
            Self::Pass => SpfResult::Pass,
            Self::Fail => SpfResult::Fail,
            Self::SoftFail => SpfResult::SoftFail,
            Self::Neutral => SpfResult::Neutral,
        }
    }
}

/// A mechanism (RFC 7208 §5). `v4` and `v6` are a/mx's prefix lengths (`a/24//64`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Mechanism {
    All,
    Include(MacroString),
    A {
        domain: Option<MacroString>,
        v4: u8,
        v6: u8,
    },
    Mx {
        domain: Option<MacroString>,
        v4: u8,
        v6: u8,
    },
    Ptr(Option<MacroString>),
    Ip4(Ipv4Network),
    Ip6(Ipv6Network),
    Exists(MacroString),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Directive {
    qualifier: Qualifier,
    mechanism: Mechanism,
    /// As written, for the mail log.
    term: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Record {
    directives: Vec<Directive>,
    redirect: Option<MacroString>,
    exp: Option<MacroString>,
}

/// Whether a TXT text is an SPF record: `v=spf1`, alone or before a space (RFC 7208 §4.5).
fn is_spf1(text: &str) -> bool {
    text.get(..6)
        .is_some_and(|version| version.eq_ignore_ascii_case("v=spf1"))
        && matches!(text.as_bytes().get(6), None | Some(b' '))
}

/// Parses a whole record before any of it runs: one syntax error anywhere is a permerror
/// (RFC 7208 §4.6), not a record evaluated up to the error.
fn parse(text: &str) -> Result<Record, String> {
    let terms = match text.get(6..) {
        Some(terms) if is_spf1(text) => terms,
        _ => return Err("not a v=spf1 record".into()),
    };
    let mut record = Record::default();
    for term in terms.split(' ').filter(|term| !term.is_empty()) {
        match modifier(term) {
            Some((name, value)) => record
                .add_modifier(name, value)
                .map_err(|e| format!("`{term}`: {e}"))?,
            None => record
                .directives
                .push(directive(term).map_err(|e| format!("`{term}`: {e}"))?),
        }
    }
    Ok(record)
}

/// A modifier's name and value: `name=value` with a name as RFC 7208 §12 spells it.
fn modifier(term: &str) -> Option<(&str, &str)> {
    let (name, value) = term.split_once('=')?;
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then_some((name, value))
}

impl Record {
    fn add_modifier(&mut self, name: &str, value: &str) -> Result<(), String> {
        let slot = if name.eq_ignore_ascii_case("redirect") {
            &mut self.redirect
        } else if name.eq_ignore_ascii_case("exp") {
            &mut self.exp
        } else {
            // Unknown modifiers are ignored (RFC 7208 §6) but must still be well formed.
            return macro_string(value, true).map(|_| ());
        };
        if slot.is_some() {
            return Err("may appear only once".into());
        }
        *slot = Some(domain_spec(value)?);
        Ok(())
    }
}

fn directive(term: &str) -> Result<Directive, String> {
    let (qualifier, rest) = match term.as_bytes().first() {
        Some(b'+') => (Qualifier::Pass, &term[1..]),
        Some(b'-') => (Qualifier::Fail, &term[1..]),
        Some(b'~') => (Qualifier::SoftFail, &term[1..]),
        Some(b'?') => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let (name, args) = rest.split_at(rest.find([':', '/']).unwrap_or(rest.len()));
    let mechanism = match name.to_ascii_lowercase().as_str() {
        "all" if args.is_empty() => Mechanism::All,
        "include" => Mechanism::Include(required_spec(args)?),
        "a" => {
            let (domain, v4, v6) = spec_and_cidr(args)?;
            Mechanism::A { domain, v4, v6 }
        }
        "mx" => {
            let (domain, v4, v6) = spec_and_cidr(args)?;
            Mechanism::Mx { domain, v4, v6 }
        }
        "ptr" => Mechanism::Ptr(optional_spec(args)?),
        "ip4" => Mechanism::Ip4(ip4_network(args)?),
        "ip6" => Mechanism::Ip6(ip6_network(args)?),
        "exists" => Mechanism::Exists(required_spec(args)?),
        _ => return Err("unknown mechanism".into()),
    };
    Ok(Directive {
        qualifier,
        mechanism,
        term: term.to_string(),
    })
}

/// `:domain-spec`, which include and exists cannot do without.
fn required_spec(args: &str) -> Result<MacroString, String> {
    optional_spec(args)?.ok_or_else(|| "needs :domain".into())
}

/// Nothing, or `:domain-spec`.
fn optional_spec(args: &str) -> Result<Option<MacroString>, String> {
    if args.is_empty() {
        return Ok(None);
    }
    match args.strip_prefix(':') {
        Some(spec) if !spec.is_empty() => domain_spec(spec).map(Some),
        _ => Err("expected :domain".into()),
    }
}

/// a and mx's `[:domain-spec][/v4][//v6]`. The prefix lengths are cut from the end: a
/// domain-spec may itself hold a `/`, a prefix length only digits.
fn spec_and_cidr(args: &str) -> Result<(Option<MacroString>, u8, u8), String> {
    let (args, v6) = match args.rfind("//") {
        Some(at) => (&args[..at], prefix_len(&args[at + 2..], 128)?),
        None => (args, 128),
    };
    let (args, v4) = match args.rfind('/') {
        Some(at) => (&args[..at], prefix_len(&args[at + 1..], 32)?),
        None => (args, 32),
    };
    Ok((optional_spec(args)?, v4, v6))
}

/// A prefix length: decimal without leading zeros, at most `max` (RFC 7208 §5.6).
fn prefix_len(digits: &str, max: u8) -> Result<u8, String> {
    let canonical = digits == "0" || !digits.starts_with('0');
    match digits.parse::<u8>() {
        Ok(len) if canonical && len <= max && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(len),
        _ => Err(format!("bad prefix length /{digits}")),
    }
}

fn ip4_network(args: &str) -> Result<Ipv4Network, String> {
    let network = args.strip_prefix(':').ok_or("expected :network")?;
    let (addr, len) = match network.split_once('/') {
        Some((addr, len)) => (addr, prefix_len(len, 32)?),
        None => (network, 32),
    };
    // Rust's parser takes only the dotted quad: no leading zeros, no short forms.
    let addr: Ipv4Addr = addr.parse().map_err(|_| "bad IPv4 address")?;
    Ipv4Network::new(addr, len).map_err(|e| e.to_string())
}

fn ip6_network(args: &str) -> Result<Ipv6Network, String> {
    let network = args.strip_prefix(':').ok_or("expected :network")?;
    let (addr, len) = match network.split_once('/') {
        Some((addr, len)) => (addr, prefix_len(len, 128)?),
        None => (network, 128),
    };
    let addr: Ipv6Addr = addr.parse().map_err(|_| "bad IPv6 address")?;
    Ipv6Network::new(addr, len).map_err(|e| e.to_string())
}

// ---- Macros (RFC 7208 §7) ----

/// A parsed macro-string: literal text and macros to expand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct MacroString(Vec<Piece>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Macro(Macro),
}

/// `%{d2r-}`: letter `d`, keep the 2 rightmost parts after reversing, split on `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Macro {
    /// Lowercase.
    letter: char,
    /// The letter was uppercase: URL-escape the expansion.
    escape: bool,
    keep: Option<usize>,
    reverse: bool,
    /// Where to split; empty means `.`.
    delimiters: String,
}

/// Parses a macro-string. `exp` allows the letters only an explanation may use (c, r, t).
fn macro_string(text: &str, exp: bool) -> Result<MacroString, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => match chars.next() {
                Some('%') => literal.push('%'),
                Some('_') => literal.push(' '),
                Some('-') => literal.push_str("%20"),
                Some('{') => {
                    let rest = chars.as_str();
                    let end = rest.find('}').ok_or("unclosed %{")?;
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Macro(macro_body(&rest[..end], exp)?));
                    chars = rest[end + 1..].chars();
                }
                _ => return Err("a % that starts no macro".into()),
            },
            // macro-literal: visible ASCII (RFC 7208 §7.1).
            '!'..='~' => literal.push(c),
            _ => return Err(format!("character {c:?} in a macro-string")),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(MacroString(pieces))
}

/// The inside of `%{…}`: a letter, then digits, `r`, delimiters.
fn macro_body(body: &str, exp: bool) -> Result<Macro, String> {
    let mut chars = body.chars();
    let letter = chars.next().ok_or("empty %{}")?;
    let lower = letter.to_ascii_lowercase();
    let known = matches!(lower, 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v')
        || (exp && matches!(lower, 'c' | 'r' | 't'));
    if !known {
        return Err(format!("unknown macro letter {letter:?}"));
    }
    let rest = chars.as_str();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let keep = match &rest[..digits] {
        "" => None,
        // More parts than any name has: keep them all.
        n => match n.parse::<usize>().unwrap_or(usize::MAX) {
            0 => return Err("%{…0} keeps nothing".into()),
            n => Some(n),
        },
    };
    let rest = &rest[digits..];
    let (reverse, delimiters) = match rest.strip_prefix(['r', 'R']) {
        Some(delimiters) => (true, delimiters),
        None => (false, rest),
    };
    if !delimiters.chars().all(|c| ".-+,/_=".contains(c)) {
        return Err(format!("bad macro %{{{body}}}"));
    }
    Ok(Macro {
        letter: lower,
        escape: letter.is_ascii_uppercase(),
        keep,
        reverse,
        delimiters: delimiters.to_string(),
    })
}

/// A domain-spec: a macro-string that ends in a macro or in `.toplabel` (RFC 7208 §7.1),
/// so `include:example` (one label) is a syntax error, not a lookup.
fn domain_spec(text: &str) -> Result<MacroString, String> {
    let spec = macro_string(text, false)?;
    let ends_well = match spec.0.last() {
        Some(Piece::Macro(_)) => true,
        Some(Piece::Literal(literal)) => {
            let literal = literal.strip_suffix('.').unwrap_or(literal);
            literal
                .rsplit_once('.')
                .is_some_and(|(_, top)| is_toplabel(top))
        }
        None => false,
    };
    if ends_well {
        Ok(spec)
    } else {
        Err(format!("{text} does not end in a domain"))
    }
}

/// Letters, digits and inner hyphens, not all digits unless hyphenated (RFC 7208 §7.1).
fn is_toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.iter().any(|b| b.is_ascii_alphabetic() || *b == b'-')
}

/// What the macro letters stand for (RFC 7208 §7.2).
struct Context<'a> {
    sender: &'a str,
    local: &'a str,
    sender_domain: &'a str,
    domain: &'a str,
    ip: IpAddr,
    helo: &'a str,
}

fn expand(spec: &MacroString, cx: &Context) -> String {
    spec.0
        .iter()
        .map(|piece| match piece {
            Piece::Literal(text) => text.clone(),
            Piece::Macro(m) => expand_macro(m, cx),
        })
        .collect()
}

fn expand_macro(m: &Macro, cx: &Context) -> String {
    let value = match m.letter {
        's' => cx.sender.to_string(),
        'l' => cx.local.to_string(),
        'o' => cx.sender_domain.to_string(),
        'd' => cx.domain.to_string(),
        'i' => dotted(cx.ip),
        'c' => cx.ip.to_string(),
        'v' => if cx.ip.is_ipv4() { "in-addr" } else { "ip6" }.to_string(),
        'h' => cx.helo.to_string(),
        // p: a validated name would cost up to 11 lookups for a macro RFC 7208 advises
        // against; r and t appear only in explanations, which are never expanded.
        _ => "unknown".to_string(),
    };
    let delimiters = if m.delimiters.is_empty() {
        "."
    } else {
        &m.delimiters
    };
    let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
    // Reversed first, then the rightmost parts kept (RFC 7208 §7.3).
    if m.reverse {
        parts.reverse();
    }
    if let Some(keep) = m.keep {
        parts.drain(..parts.len().saturating_sub(keep));
    }
    let joined = parts.join(".");
    if m.escape {
        url_escape(&joined)
    } else {
        joined
    }
}

/// `%{i}`: the IPv4 address as is, an IPv6 address as 32 dotted hex nibbles (RFC 7208 §7.3).
fn dotted(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => {
            let nibbles: Vec<String> = ip
                .octets()
                .iter()
                .flat_map(|b| [b >> 4, b & 0xf])
                .map(|n| format!("{n:x}"))
                .collect();
            nibbles.join(".")
        }
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters (uppercase macro letters).
fn url_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// An expanded name cut to 253 characters by dropping labels on the left (RFC 7208 §7.3).
fn fit_name(name: &str) -> &str {
    let mut name = name.strip_suffix('.').unwrap_or(name);
    while name.len() > MAX_NAME_LEN {
        match name.split_once('.') {
            Some((_, rest)) => name = rest,
            None => break,
        }
    }
    name
}

/// A name DNS can hold, of two labels or more; anything else is "none" without a lookup
/// (RFC 7208 §4.3).
fn is_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.len() <= MAX_NAME_LEN
        && name.contains('.')
        && name
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63)
}

// ---- Evaluation ----

/// A permerror or temperror: it ends the whole evaluation, includes and all.
struct Stop {
    result: SpfResult,
    why: String,
}

impl Stop {
    fn perm(why: String) -> Self {
        Stop {
            result: SpfResult::PermError,
            why,
        }
    }

    fn temp(why: String) -> Self {
        Stop {
            result: SpfResult::TempError,
            why,
        }
    }
}

/// An evaluation under way: the client and sender, and the limits' counters, which every
/// include and redirect of one check share.
struct Eval<'a, L> {
    lookup: &'a L,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: String,
    dns_terms: u32,
    void_lookups: u32,
}

impl<L: Lookup> Eval<'_, L> {
    /// check_host() for one domain: the sender's, an include's or a redirect's. `Ok` holds
    /// none, neutral, pass, fail or softfail; permerror and temperror are `Err` and end it all.
    async fn check_host(&mut self, domain: &str) -> Result<(SpfResult, String), Stop> {
        if !is_domain(domain) {
            return Ok((SpfResult::None, format!("{domain:?} is not a domain name")));
        }
        let Some(text) = self.record(domain).await? else {
            return Ok((SpfResult::None, format!("{domain} has no SPF record")));
        };
        let record = parse(&text).map_err(|e| Stop::perm(format!("{domain}: {e}")))?;
        for directive in &record.directives {
            if self.matches(directive, domain).await? {
                let why = format!("{domain}: {} matched", directive.term);
                return Ok((directive.qualifier.result(), why));
            }
        }
        match &record.redirect {
            Some(spec) => self.redirect(spec, domain).await,
            None => Ok((SpfResult::Neutral, format!("{domain}: no term matched"))),
        }
    }

    /// The one `v=spf1` TXT record at `domain`, if any (RFC 7208 §4.5).
    async fn record(&self, domain: &str) -> Result<Option<String>, Stop> {
        let texts = match self.lookup.txt(domain).await {
            Ok(texts) => texts,
            Err(DnsError::NotFound) => return Ok(None),
            Err(DnsError::Temporary(e)) => {
                return Err(Stop::temp(format!("TXT lookup of {domain}: {e}")))
            }
        };
        let mut records = texts.into_iter().filter(|text| is_spf1(text));
        match (records.next(), records.next()) {
            (None, _) => Ok(None),
            (Some(text), None) => Ok(Some(text)),
            (Some(_), Some(_)) => Err(Stop::perm(format!("{domain} has more than one SPF record"))),
        }
    }

    async fn matches(&mut self, directive: &Directive, domain: &str) -> Result<bool, Stop> {
        let term = &directive.term;
        match &directive.mechanism {
            Mechanism::All => Ok(true),
            Mechanism::Ip4(net) => Ok(matches!(self.ip, IpAddr::V4(ip) if net.contains(ip))),
            Mechanism::Ip6(net) => Ok(matches!(self.ip, IpAddr::V6(ip) if net.contains(ip))),
            Mechanism::Include(spec) => {
                self.count_dns_term(term)?;
                let target = self.target(Some(spec), domain);
                self.include(&target).await
            }
            Mechanism::A {
                domain: spec,
                v4,
                v6,
            } => {
                self.count_dns_term(term)?;
                let target = self.target(spec.as_ref(), domain);
                let answer = self.lookup.addrs(&target, self.ip.is_ipv6()).await;
                let addrs = self.answer(answer, &target, true)?;
                Ok(addrs.iter().any(|a| in_network(self.ip, *a, *v4, *v6)))
            }
            Mechanism::Mx {
                domain: spec,
                v4,
                v6,
            } => {
                self.count_dns_term(term)?;
                let target = self.target(spec.as_ref(), domain);
                self.mx(&target, *v4, *v6).await
            }
            Mechanism::Ptr(spec) => {
                self.count_dns_term(term)?;
                let target = self.target(spec.as_ref(), domain);
                self.ptr(&target).await
            }
            Mechanism::Exists(spec) => {
                self.count_dns_term(term)?;
                let target = self.target(Some(spec), domain);
                // Always an A query, whatever the client's family (RFC 7208 §5.7).
                let answer = self.lookup.addrs(&target, false).await;
                Ok(!self.answer(answer, &target, true)?.is_empty())
            }
        }
    }

    /// Counts a term that queries DNS; the 11th is a permerror. Every include and redirect
    /// counts, so this is also what ends a loop of them.
    fn count_dns_term(&mut self, term: &str) -> Result<(), Stop> {
        self.dns_terms += 1;
        if self.dns_terms > MAX_DNS_TERMS {
            return Err(Stop::perm(format!(
                "more than {MAX_DNS_TERMS} DNS-querying terms (at {term})"
            )));
        }
        Ok(())
    }

    /// A term's answer: the records; none, counted as a void lookup when `void_counts`; or,
    /// when the server failed, the end of the evaluation with temperror.
    fn answer<T>(
        &mut self,
        answer: Result<Vec<T>, DnsError>,
        name: &str,
        void_counts: bool,
    ) -> Result<Vec<T>, Stop> {
        match answer {
            Ok(found) if !found.is_empty() => Ok(found),
            Ok(_) | Err(DnsError::NotFound) => {
                if void_counts {
                    self.count_void(name)?;
                }
                Ok(Vec::new())
            }
            Err(DnsError::Temporary(e)) => Err(Stop::temp(format!("lookup of {name}: {e}"))),
        }
    }

    /// Counts a term's query that found nothing; the third is a permerror.
    fn count_void(&mut self, name: &str) -> Result<(), Stop> {
        self.void_lookups += 1;
        if self.void_lookups > MAX_VOID_LOOKUPS {
            return Err(Stop::perm(format!(
                "more than {MAX_VOID_LOOKUPS} void lookups (at {name})"
            )));
        }
        Ok(())
    }

    /// Where a term looks: its domain-spec expanded, or else the current domain.
    fn target(&self, spec: Option<&MacroString>, domain: &str) -> String {
        let Some(spec) = spec else {
            return domain.to_string();
        };
        let cx = Context {
            sender: &self.sender,
            local: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            helo: &self.helo,
        };
        fit_name(&expand(spec, &cx)).to_string()
    }

    /// include: matches when the included record passes; its fail, softfail and neutral
    /// only mean "not a match", and a name without a record is the includer's error
    /// (RFC 7208 §5.2).
    async fn include(&mut self, target: &str) -> Result<bool, Stop> {
        match Box::pin(self.check_host(target)).await? {
            (SpfResult::Pass, _) => Ok(true),
            (SpfResult::None, why) => Err(Stop::perm(format!("include:{target}: {why}"))),
            _ => Ok(false),
        }
    }

    /// redirect=, when no mechanism matched: the target's record decides, and a target
    /// without one is a permerror (RFC 7208 §6.1).
    async fn redirect(
        &mut self,
        spec: &MacroString,
        domain: &str,
    ) -> Result<(SpfResult, String), Stop> {
        self.count_dns_term("redirect")?;
        let target = self.target(Some(spec), domain);
        match Box::pin(self.check_host(&target)).await? {
            (SpfResult::None, why) => {
                Err(Stop::perm(format!("{domain}: redirect={target}: {why}")))
            }
            found => Ok(found),
        }
    }

    /// mx: the client is one of the domain's MX hosts (RFC 7208 §5.4).
    async fn mx(&mut self, target: &str, v4: u8, v6: u8) -> Result<bool, Stop> {
        let answer = self.lookup.mx(target).await;
        let hosts = self.answer(answer, target, true)?;
        if hosts.len() > MAX_MX_NAMES {
            return Err(Stop::perm(format!(
                "{target} has {} MX names, more than {MAX_MX_NAMES}",
                hosts.len()
            )));
        }
        // An empty name is a null MX (RFC 7505): no host to look up.
        for host in hosts.iter().filter(|host| !host.is_empty()) {
            let answer = self.lookup.addrs(host, self.ip.is_ipv6()).await;
            let addrs = self.answer(answer, host, false)?;
            if addrs.iter().any(|a| in_network(self.ip, *a, v4, v6)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// ptr: one of the client's PTR names that resolves back to the client is the target or
    /// under it (RFC 7208 §5.5). DNS errors here only fail to match.
    async fn ptr(&mut self, target: &str) -> Result<bool, Stop> {
        let names = match self.lookup.ptr(self.ip).await {
            Ok(names) => names,
            Err(DnsError::NotFound) => {
                self.count_void(&reverse_name(self.ip))?;
                return Ok(false);
            }
            Err(DnsError::Temporary(_)) => return Ok(false),
        };
        let target = target.to_ascii_lowercase();
        let under = format!(".{target}");
        // Only names that would match need validating; that also saves lookups.
        let candidates = names
            .iter()
            .take(MAX_PTR_NAMES)
            .filter(|name| **name == target || name.ends_with(&under));
        for name in candidates {
            if let Ok(addrs) = self.lookup.addrs(name, self.ip.is_ipv6()).await {
                if addrs.contains(&self.ip) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

/// Whether `client` is in `addr`'s network of the family's prefix length.
fn in_network(client: IpAddr, addr: IpAddr, v4: u8, v6: u8) -> bool {
    match (client, addr) {
        (IpAddr::V4(client), IpAddr::V4(addr)) => {
            Ipv4Network::new(addr, v4).is_ok_and(|net| net.contains(client))
        }
        (IpAddr::V6(client), IpAddr::V6(addr)) => {
            Ipv6Network::new(addr, v6).is_ok_and(|net| net.contains(client))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Settings;
    use std::{
        net::{SocketAddr, TcpStream, UdpSocket},
        process::{Child, Command, Stdio},
        time::Instant,
    };

    // ---- The parser and macros: pure functions ----

    fn spec(text: &str) -> MacroString {
        domain_spec(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn parsed(text: &str) -> Record {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn records_are_chosen_by_their_version() {
        for spf in [
            "v=spf1",
            "v=spf1 -all",
            "V=SPF1 -all",
            "v=spf1  ip4:192.0.2.1",
        ] {
            assert!(is_spf1(spf), "{spf}");
        }
        for other in [
            "v=spf10 -all",
            " v=spf1 -all",
            "v=spf",
            "spf2.0/pra -all",
            "",
            "é",
        ] {
            assert!(!is_spf1(other), "{other}");
        }
    }

    #[test]
    fn mechanisms_and_qualifiers_parse() {
        let record = parsed(
            "v=spf1 +all -include:_spf.example.com ~a ?A:mail.example.com/24//64 mx/28 \
             MX:example.com//48 ptr ptr:example.com ip4:192.0.2.0/24 ip4:192.0.2.1 \
             ip6:2001:db8::/32 ip6:::ffff:192.0.2.1 exists:%{i}.bl.example.com",
        );
        let got: Vec<(Qualifier, Mechanism)> = record
            .directives
            .into_iter()
            .map(|d| (d.qualifier, d.mechanism))
            .collect();
        let net4 = |s: &str| Mechanism::Ip4(s.parse().expect("a network"));
        let net6 = |s: &str| Mechanism::Ip6(s.parse().expect("a network"));
        use Qualifier::*;
        assert_eq!(
            got,
            vec![
                (Pass, Mechanism::All),
                (Fail, Mechanism::Include(spec("_spf.example.com"))),
                (
                    SoftFail,
                    Mechanism::A {
                        domain: None,
                        v4: 32,
                        v6: 128
                    }
                ),
                (
                    Neutral,
                    Mechanism::A {
                        domain: Some(spec("mail.example.com")),
                        v4: 24,
                        v6: 64
                    }
                ),
                (
                    Pass,
                    Mechanism::Mx {
                        domain: None,
                        v4: 28,
                        v6: 128
                    }
                ),
                (
                    Pass,
                    Mechanism::Mx {
                        domain: Some(spec("example.com")),
                        v4: 32,
                        v6: 48
                    }
                ),
                (Pass, Mechanism::Ptr(None)),
                (Pass, Mechanism::Ptr(Some(spec("example.com")))),
                (Pass, net4("192.0.2.0/24")),
                (Pass, net4("192.0.2.1/32")),
                (Pass, net6("2001:db8::/32")),
                (Pass, net6("::ffff:192.0.2.1/128")),
                (Pass, Mechanism::Exists(spec("%{i}.bl.example.com"))),
            ]
        );
    }

    #[test]
    fn modifiers_parse_and_unknown_ones_are_ignored() {
        let record = parsed(
            "v=spf1 ip4:192.0.2.1 redirect=_spf.%{d} exp=explain.example.com \
             moo=%{c}.cow.example x-vendor.flag=1",
        );
        assert_eq!(record.directives.len(), 1);
        assert_eq!(record.redirect, Some(spec("_spf.%{d}")));
        assert_eq!(record.exp, Some(spec("explain.example.com")));
        assert_eq!(parsed("v=spf1"), Record::default());
        assert_eq!(parsed("v=spf1   -all  ").directives.len(), 1);
    }

    #[test]
    fn syntax_errors_fail_the_record() {
        for bad in [
            "v=spf1 foo",
            "v=spf1 all:example.com",
            "v=spf1 -all é",
            "v=spf1 =x",
            "v=spf1 include",
            "v=spf1 include:",
            "v=spf1 include:example",
            "v=spf1 include:example.com.-bad",
            "v=spf1 exists:%{d}com",
            "v=spf1 ip4",
            "v=spf1 ip4:192.0.2.300",
            "v=spf1 ip4:192.0.2",
            "v=spf1 ip4:192.0.2.0/33",
            "v=spf1 ip4:192.0.2.0/024",
            "v=spf1 ip4:2001:db8::1",
            "v=spf1 ip6:2001:db8::/129",
            "v=spf1 ip6:192.0.2.1",
            "v=spf1 a/33",
            "v=spf1 a//129",
            "v=spf1 a/",
            "v=spf1 a:example.com/24/24",
            "v=spf1 mx:",
            "v=spf1 ptr/24",
            "v=spf1 exists:%{x}.example.com",
            "v=spf1 exists:%{d0}.example.com",
            "v=spf1 exists:%{d2x}.example.com",
            "v=spf1 exists:%{d.example.com",
            "v=spf1 exists:100%.example.com",
            "v=spf1 exists:%{c}.example.com",
            "v=spf1 redirect=a.example.com redirect=b.example.com",
            "v=spf1 exp=a.example.com exp=b.example.com",
            "v=spf1 redirect=",
            "v=spf1 unknown=%",
            "v=spf10 -all",
        ] {
            assert!(parse(bad).is_err(), "{bad} parsed");
        }
    }

    fn rfc_context(ip: IpAddr) -> Context<'static> {
        Context {
            sender: "strong-bad@email.example.com",
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip,
            helo: "mx.example.org",
        }
    }

    fn expanded(text: &str, cx: &Context) -> String {
        let parsed = macro_string(text, true).unwrap_or_else(|e| panic!("{text}: {e}"));
        expand(&parsed, cx)
    }

    /// RFC 7208 §7.4's examples.
    #[test]
    fn macros_expand_as_the_rfc_examples() {
        let cx = rfc_context(IpAddr::from([192, 0, 2, 3]));
        for (text, want) in [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
            (
                "%{ir}.%{v}._spf.%{d2}",
                "3.2.0.192.in-addr._spf.example.com",
            ),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            (
                "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            ),
            (
                "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                "3.2.0.192.in-addr.strong.lp._spf.example.com",
            ),
            (
                "%{d2}.trusted-domains.example.net",
                "example.com.trusted-domains.example.net",
            ),
        ] {
            assert_eq!(expanded(text, &cx), want, "{text}");
        }
        let cx = rfc_context("2001:db8::cb01".parse().expect("an address"));
        assert_eq!(
            expanded("%{ir}.%{v}._spf.%{d2}", &cx),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn macros_escape_and_transform() {
        let cx = rfc_context(IpAddr::from([192, 0, 2, 3]));
        for (text, want) in [
            ("%{h}", "mx.example.org"),
            ("%{S}", "strong-bad%40email.example.com"),
            ("%{d999}", "email.example.com"),
            ("%{dR}", "com.example.email"),
            ("%{l1-}", "bad"),
            ("%{s2r.-}", "bad@email.strong"),
            ("%{p}", "unknown"),
            ("%{c}", "192.0.2.3"),
            ("100%%%_%-", "100% %20"),
            ("%{i}.x", "192.0.2.3.x"),
        ] {
            assert_eq!(expanded(text, &cx), want, "{text}");
        }
        assert_eq!(url_escape("a b/c~d"), "a%20b%2Fc~d");
    }

    #[test]
    fn long_expansions_lose_labels_on_the_left() {
        let long = format!("{}.{}.example.com", "a".repeat(63), "b".repeat(200));
        let fitted = fit_name(&long);
        assert!(fitted.len() <= MAX_NAME_LEN);
        assert_eq!(fitted, format!("{}.example.com", "b".repeat(200)));
        assert_eq!(fit_name("example.com."), "example.com");
        assert!(is_domain("example.com") && is_domain("a.b.c."));
        for not in [
            "example",
            "",
            "a..b",
            ".a.b",
            &format!("{}.com", "x".repeat(64)),
        ] {
            assert!(!is_domain(not), "{not}");
        }
        assert_eq!(
            reverse_name(IpAddr::from([192, 0, 2, 3])),
            "3.2.0.192.in-addr.arpa"
        );
    }

    // ---- Evaluation against a real DNS server: dnsmasq on loopback ----

    /// The test zone: every record the evaluation tests use, under `.test`.
    fn zone_args() -> Vec<String> {
        let mut txt: Vec<(String, String)> = [
            ("ip4.test", "v=spf1 ip4:192.0.2.0/24 -all"),
            ("soft.test", "v=spf1 ip4:192.0.2.1 ~all"),
            ("neutral.test", "v=spf1 ip4:192.0.2.1 ?all"),
            ("noall.test", "v=spf1 ip4:192.0.2.1"),
            // Two strings of one record: only joined without a space do they say ip4.
            ("split.test", "v=spf1 ip4:192.0.2.,1 -all"),
            ("a.test", "v=spf1 a -all"),
            ("a-cidr.test", "v=spf1 a:host.a-cidr.test/24//64 -all"),
            ("mx.test", "v=spf1 mx -all"),
            ("mx11.test", "v=spf1 mx -all"),
            ("ptr.test", "v=spf1 ptr -all"),
            ("include.test", "v=spf1 include:_spf.include.test ?all"),
            ("_spf.include.test", "v=spf1 ip4:192.0.2.0/24 -all"),
            ("none.test", "google-site-verification=abc"),
            ("two.test", "v=spf1 -all"),
            ("two.test", "v=spf1 +all"),
            (
                "void.test",
                "v=spf1 a:n1.void.test a:n2.void.test a:n3.void.test +all",
            ),
            ("void2.test", "v=spf1 a:n1.void.test mx:n2.void.test +all"),
            ("loop1.test", "v=spf1 include:loop2.test -all"),
            ("loop2.test", "v=spf1 include:loop1.test -all"),
            ("rloop.test", "v=spf1 redirect=rloop.test"),
            (
                "redirect.test",
                "v=spf1 -ip4:198.51.100.1 redirect=ip4.test",
            ),
            ("redirect-none.test", "v=spf1 redirect=none.test"),
            ("include-none.test", "v=spf1 include:none.test +all"),
            ("exists.test", "v=spf1 exists:%{ir}.%{l1r-}.allow.%{d} -all"),
            ("ip6.test", "v=spf1 ip6:2001:db8::/32 -all"),
            ("timeout.test", "v=spf1 include:slow.test -all"),
            // dnsmasq has no server for .example: it answers REFUSED.
            ("refused.test", "v=spf1 a:mail.elsewhere.example +all"),
            ("bad.test", "v=spf1 ip4:192.0.2.300 -all"),
            ("bad-late.test", "v=spf1 +all foo"),
        ]
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
        // chain0 → chain1 → … → chain11 (+all): 11 includes from chain0, 10 from chain1.
        for i in 0..11 {
            txt.push((
                format!("chain{i}.test"),
                format!("v=spf1 include:chain{}.test -all", i + 1),
            ));
        }
        txt.push(("chain11.test".into(), "v=spf1 +all".into()));
        let mut args: Vec<String> = txt
            .iter()
            .map(|(name, text)| format!("--txt-record={name},{text}"))
            .collect();
        for host in [
            "a.test,198.51.100.10",
            "host.a-cidr.test,198.51.100.10,2001:db8:1::1",
            "mail.mx.test,203.0.113.25",
            "mail.ptr.test,192.0.2.50",
            "7.2.0.192.john.allow.exists.test,127.0.0.2",
        ] {
            args.push(format!("--host-record={host}"));
        }
        args.push("--mx-host=mx.test,mail.mx.test,10".into());
        for i in 0..11 {
            args.push(format!("--mx-host=mx11.test,m{i}.mx11.test,{i}"));
        }
        args
    }

    /// dnsmasq serving the test zone on 127.0.0.1; stopped when dropped. Names under
    /// slow.test are forwarded to a socket held open that never answers.
    struct Zone {
        dnsmasq: Child,
        settings: Settings,
        _black_hole: UdpSocket,
    }

    impl Zone {
        fn start() -> Zone {
            let black_hole = UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
            let hole = black_hole.local_addr().expect("its address").port();
            // A port found free may be taken before dnsmasq binds it: then try another.
            for _ in 0..5 {
                let port = free_port();
                let mut dnsmasq = Command::new("/usr/sbin/dnsmasq")
                    .args([
                        "--keep-in-foreground",
                        "--conf-file=/dev/null",
                        "--no-resolv",
                        "--no-hosts",
                        "--listen-address=127.0.0.1",
                        "--bind-interfaces",
                        "--pid-file=",
                        // Unknown names answer NXDOMAIN at once instead of being forwarded.
                        "--local=/test/",
                        "--local=/in-addr.arpa/",
                        "--local=/ip6.arpa/",
                    ])
                    .arg(format!("--port={port}"))
                    .arg(format!("--server=/slow.test/127.0.0.1#{hole}"))
                    .args(zone_args())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("dnsmasq (Debian's dnsmasq-base; make test installs it)");
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(10) {
                    if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                        return Zone {
                            dnsmasq,
                            settings: settings(port),
                            _black_hole: black_hole,
                        };
                    }
                    if let Ok(Some(_)) = dnsmasq.try_wait() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                dnsmasq.kill().ok();
                dnsmasq.wait().ok();
            }
            panic!("dnsmasq did not start");
        }

        async fn verdict(&self, sender: &str, ip: &str, deadline: Duration) -> Verdict {
            let ip = ip.parse().expect("an IP address");
            check(
                &Dns(&resolver(&self.settings)),
                ip,
                sender,
                "helo.test",
                deadline,
            )
            .await
        }

        /// Checks `sender` at `ip` and asserts the result.
        async fn expect(&self, sender: &str, ip: &str, want: SpfResult) -> Verdict {
            let verdict = self.verdict(sender, ip, Duration::from_secs(5)).await;
            assert_eq!(verdict.result, want, "{sender} from {ip}: {verdict:?}");
            verdict
        }
    }

    impl Drop for Zone {
        fn drop(&mut self) {
            self.dnsmasq.kill().ok();
            self.dnsmasq.wait().ok();
        }
    }

    fn free_port() -> u16 {
        UdpSocket::bind("127.0.0.1:0")
            .and_then(|socket| socket.local_addr())
            .map(|addr| addr.port())
            .expect("a free port")
    }

    fn resolver(settings: &Settings) -> MailResolver {
        dns::mail_resolver(settings).expect("a resolver")
    }

    fn settings(port: u16) -> Settings {
        Settings {
            public_url: "http://localhost:3000".into(),
            data_dir: ".".into(),
            session_idle_secs: 1800,
            session_absolute_secs: 12 * 3600,
            device_password_idle_secs: 180 * 86_400,
            webmail_ips: vec![],
            trusted_proxies: vec![],
            dns_resolver: Some(SocketAddr::from(([127, 0, 0, 1], port))),
            listen_addrs: vec![],
            max_message_bytes: 1024 * 1024,
            delivery_lease_secs: 600,
            migration: Default::default(),
        }
    }

    #[test]
    fn the_check_can_run_on_any_tokio_worker() {
        fn send<T: Send>(_: T) {}
        let settings = settings(53);
        send(check(
            &Dns(&resolver(&settings)),
            IpAddr::from([192, 0, 2, 1]),
            "a@example.com",
            "example.com",
            Duration::from_secs(1),
        ));
    }

    #[tokio::test]
    async fn ip4_all_qualifiers_and_defaults() {
        let zone = Zone::start();
        let pass = zone
            .expect("alice@ip4.test", "192.0.2.7", SpfResult::Pass)
            .await;
        assert_eq!(pass.domain, "ip4.test");
        assert!(pass.explanation.contains("ip4:192.0.2.0/24"), "{pass:?}");
        let fail = zone
            .expect("alice@ip4.test", "198.51.100.1", SpfResult::Fail)
            .await;
        assert!(fail.explanation.contains("-all"), "{fail:?}");
        zone.expect("x@soft.test", "192.0.2.9", SpfResult::SoftFail)
            .await;
        zone.expect("x@soft.test", "192.0.2.1", SpfResult::Pass)
            .await;
        zone.expect("x@neutral.test", "192.0.2.9", SpfResult::Neutral)
            .await;
        zone.expect("x@noall.test", "192.0.2.9", SpfResult::Neutral)
            .await;
        zone.expect("x@split.test", "192.0.2.1", SpfResult::Pass)
            .await;
        zone.expect("x@split.test", "192.0.2.2", SpfResult::Fail)
            .await;
        // A null sender: the HELO name is checked, as postmaster.
        let helo = check(
            &Dns(&resolver(&zone.settings)),
            IpAddr::from([192, 0, 2, 7]),
            "",
            "ip4.test",
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(
            (helo.result, helo.domain.as_str()),
            (SpfResult::Pass, "ip4.test")
        );
    }

    #[tokio::test]
    async fn ipv6_and_mapped_clients() {
        let zone = Zone::start();
        zone.expect("x@ip6.test", "2001:db8::25", SpfResult::Pass)
            .await;
        zone.expect("x@ip6.test", "2001:db9::25", SpfResult::Fail)
            .await;
        zone.expect("x@ip6.test", "192.0.2.7", SpfResult::Fail)
            .await;
        // An IPv4 client seen through an IPv6 socket is matched as IPv4.
        zone.expect("x@ip4.test", "::ffff:192.0.2.7", SpfResult::Pass)
            .await;
        zone.expect("x@ip4.test", "::ffff:198.51.100.1", SpfResult::Fail)
            .await;
    }

    #[tokio::test]
    async fn a_mx_and_ptr_look_up_hosts() {
        let zone = Zone::start();
        zone.expect("x@a.test", "198.51.100.10", SpfResult::Pass)
            .await;
        zone.expect("x@a.test", "198.51.100.11", SpfResult::Fail)
            .await;
        // a:host/24//64, for each family.
        zone.expect("x@a-cidr.test", "198.51.100.200", SpfResult::Pass)
            .await;
        zone.expect("x@a-cidr.test", "198.51.101.1", SpfResult::Fail)
            .await;
        zone.expect("x@a-cidr.test", "2001:db8:1::ff", SpfResult::Pass)
            .await;
        zone.expect("x@a-cidr.test", "2001:db8:2::1", SpfResult::Fail)
            .await;
        let mx = zone
            .expect("x@mx.test", "203.0.113.25", SpfResult::Pass)
            .await;
        assert!(mx.explanation.contains("mx matched"), "{mx:?}");
        zone.expect("x@mx.test", "203.0.113.26", SpfResult::Fail)
            .await;
        let many = zone
            .expect("x@mx11.test", "203.0.113.25", SpfResult::PermError)
            .await;
        assert!(many.explanation.contains("MX names"), "{many:?}");
        zone.expect("x@ptr.test", "192.0.2.50", SpfResult::Pass)
            .await;
        zone.expect("x@ptr.test", "192.0.2.51", SpfResult::Fail)
            .await;
    }

    #[tokio::test]
    async fn include_redirect_and_exists() {
        let zone = Zone::start();
        let pass = zone
            .expect("x@include.test", "192.0.2.7", SpfResult::Pass)
            .await;
        assert!(
            pass.explanation.contains("include:_spf.include.test"),
            "{pass:?}"
        );
        // The included record fails: not a match, so ?all decides.
        zone.expect("x@include.test", "198.51.100.1", SpfResult::Neutral)
            .await;
        zone.expect("x@include-none.test", "192.0.2.7", SpfResult::PermError)
            .await;
        zone.expect("x@redirect.test", "192.0.2.7", SpfResult::Pass)
            .await;
        zone.expect("x@redirect.test", "198.51.100.1", SpfResult::Fail)
            .await;
        zone.expect("x@redirect.test", "203.0.113.1", SpfResult::Fail)
            .await;
        zone.expect("x@redirect-none.test", "192.0.2.7", SpfResult::PermError)
            .await;
        // exists:%{ir}.%{l1r-}.allow.%{d}: 7.2.0.192.john.allow.exists.test has an A record.
        let exists = zone
            .expect("john-bounces@exists.test", "192.0.2.7", SpfResult::Pass)
            .await;
        assert!(exists.explanation.contains("exists:"), "{exists:?}");
        zone.expect("mary@exists.test", "192.0.2.7", SpfResult::Fail)
            .await;
        zone.expect("john@exists.test", "192.0.2.8", SpfResult::Fail)
            .await;
    }

    #[tokio::test]
    async fn missing_duplicate_and_broken_records() {
        let zone = Zone::start();
        zone.expect("x@none.test", "192.0.2.7", SpfResult::None)
            .await;
        zone.expect("x@nxdomain.test", "192.0.2.7", SpfResult::None)
            .await;
        zone.expect("x@localhost", "192.0.2.7", SpfResult::None)
            .await;
        let two = zone
            .expect("x@two.test", "192.0.2.7", SpfResult::PermError)
            .await;
        assert!(two.explanation.contains("more than one"), "{two:?}");
        zone.expect("x@bad.test", "192.0.2.7", SpfResult::PermError)
            .await;
        // +all comes first, but a syntax error anywhere fails the record.
        zone.expect("x@bad-late.test", "192.0.2.7", SpfResult::PermError)
            .await;
    }

    #[tokio::test]
    async fn lookup_limits_end_in_permerror() {
        let zone = Zone::start();
        let eleven = zone
            .expect("x@chain0.test", "192.0.2.7", SpfResult::PermError)
            .await;
        assert!(
            eleven.explanation.contains("DNS-querying terms"),
            "{eleven:?}"
        );
        zone.expect("x@chain1.test", "192.0.2.7", SpfResult::Pass)
            .await;
        let voids = zone
            .expect("x@void.test", "192.0.2.7", SpfResult::PermError)
            .await;
        assert!(voids.explanation.contains("void lookups"), "{voids:?}");
        zone.expect("x@void2.test", "192.0.2.7", SpfResult::Pass)
            .await;
        // Loops end at the term limit, not in a hang.
        let started = Instant::now();
        zone.expect("x@loop1.test", "192.0.2.7", SpfResult::PermError)
            .await;
        zone.expect("x@rloop.test", "192.0.2.7", SpfResult::PermError)
            .await;
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn a_failing_server_is_a_temperror_not_a_void_lookup() {
        let zone = Zone::start();
        let refused = zone
            .expect("x@refused.test", "192.0.2.7", SpfResult::TempError)
            .await;
        assert!(
            refused.explanation.contains("mail.elsewhere.example"),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn a_slow_server_is_a_temperror_at_the_deadline() {
        let zone = Zone::start();
        let started = Instant::now();
        let verdict = zone
            .verdict("x@timeout.test", "192.0.2.7", Duration::from_millis(200))
            .await;
        let took = started.elapsed();
        assert_eq!(verdict.result, SpfResult::TempError, "{verdict:?}");
        assert!(verdict.explanation.contains("200 ms"), "{verdict:?}");
        assert!(
            took >= Duration::from_millis(200) && took < Duration::from_millis(1500),
            "took {took:?}"
        );
    }
}
