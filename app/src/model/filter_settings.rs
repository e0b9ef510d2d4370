//! A domain's filter settings: what happens to mail the thresholds call spam (quarantine
//! or refuse, and for how long it is kept), which checks are skipped (SPF, for some client
//! IPs or all; the line-length limit), how tagged mail's subject is marked, the size limit,
//! and the blocked attachment extensions. Checked the same way in the browser and on the
//! server.

use super::{cidr::Cidr, digest::DigestEvery, mailbox::Quota, route::DomainKind};
use serde::{Deserialize, Serialize};

pub const DEFAULT_QUARANTINE_DAYS: u32 = 28;
pub const MAX_QUARANTINE_DAYS: u32 = 365;
/// Executables and scripts Windows runs on a double click.
pub const DEFAULT_BLOCKED_EXTENSIONS: [&str; 9] = [
    "bat", "btm", "cmd", "com", "cpl", "dll", "exe", "msi", "pif",
];
/// The longest line RFC 5321 allows (characters before CRLF).
pub const RFC_LINE_LIMIT: usize = 998;
pub const MAX_SUBJECT_TAG: usize = 40;
pub const MAX_EXEMPT_IPS: usize = 100;
pub const MAX_EXTENSIONS: usize = 200;

/// What the sender is told when its message goes to quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum QuarantineReply {
    /// 5xx: the sender knows it was not delivered (RFC-conform).
    Refuse,
    /// 2xx: accepted, then kept in quarantine. The sender believes it was delivered, which
    /// RFC 5321 does not allow for mail that is not.
    Accept,
}

/// What happens to a message over the size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Oversize {
    Refuse,
    Quarantine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct FilterSettings {
    /// Spam at the reject level is kept in quarantine (else only refused).
    pub quarantine: bool,
    pub quarantine_days: u32,
    pub quarantine_reply: QuarantineReply,
    /// How often the domain's people are told of their newly quarantined mail.
    pub digest: DigestEvery,
    pub skip_spf: bool,
    /// Client IPs whose mail skips the SPF check (the domain's own gateways, forwarders).
    pub spf_exempt: Vec<Cidr>,
    /// Lines longer than RFC 5321's 998 characters are taken.
    pub skip_line_length: bool,
    /// Put in front of a tagged message's subject, like `[SPAM]`; empty for none.
    pub subject_tag: String,
    /// The largest message taken; unlimited: the server's own limit.
    pub size_limit: Quota,
    pub oversize: Oversize,
    /// Lower case, without dots, sorted.
    pub blocked_extensions: Vec<String>,
}

impl Default for FilterSettings {
    fn default() -> Self {
        FilterSettings {
            quarantine: true,
            quarantine_days: DEFAULT_QUARANTINE_DAYS,
            quarantine_reply: QuarantineReply::Refuse,
            digest: DigestEvery::default(),
            skip_spf: false,
            spf_exempt: Vec::new(),
            skip_line_length: false,
            subject_tag: String::new(),
            size_limit: Quota::UNLIMITED,
            oversize: Oversize::Refuse,
            blocked_extensions: default_extensions(),
        }
    }
}

pub fn default_extensions() -> Vec<String> {
    DEFAULT_BLOCKED_EXTENSIONS.map(String::from).to_vec()
}

/// The Filter settings screen: the domain's name and settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct FilterSettingsView {
    pub domain: String,
    /// Hosted or relayed: which tabs its pages have.
    pub kind: DomainKind,
    pub settings: FilterSettings,
    /// The server's own size limit, for the hint.
    pub server_size_limit: u64,
}

/// The form's text, field by field; check boxes are `true` when ticked.
#[derive(Debug, Clone, Default)]
pub struct FilterForm<'a> {
    pub quarantine: bool,
    pub quarantine_days: &'a str,
    pub quarantine_reply: &'a str,
    pub digest: &'a str,
    pub skip_spf: bool,
    pub spf_exempt: &'a str,
    pub skip_line_length: bool,
    pub subject_tag: &'a str,
    pub size_limit: &'a str,
    pub oversize: &'a str,
}

/// Why a field's value is refused: (field, reason).
pub type FieldError = (&'static str, String);

impl FilterSettings {
    /// The form's settings over `self` (the blocked extensions have their own screen and
    /// stay as they are).
    pub fn with_form(&self, form: &FilterForm<'_>) -> Result<FilterSettings, FieldError> {
        Ok(FilterSettings {
            quarantine: form.quarantine,
            quarantine_days: check_quarantine_days(form.quarantine_days)
                .map_err(|r| ("quarantine_days", r))?,
            quarantine_reply: match form.quarantine_reply {
                "accept" => QuarantineReply::Accept,
                "refuse" | "" => QuarantineReply::Refuse,
                _ => return Err(("quarantine_reply", "Choose one of the replies.".into())),
            },
            digest: DigestEvery::parse(form.digest).map_err(|r| ("digest", r))?,
            skip_spf: form.skip_spf,
            spf_exempt: parse_ip_list(form.spf_exempt).map_err(|r| ("spf_exempt", r))?,
            skip_line_length: form.skip_line_length,
            subject_tag: check_subject_tag(form.subject_tag).map_err(|r| ("subject_tag", r))?,
            size_limit: Quota::parse(form.size_limit).map_err(|r| ("size_limit", r))?,
            oversize: match form.oversize {
                "quarantine" => Oversize::Quarantine,
                "refuse" | "" => Oversize::Refuse,
                _ => return Err(("oversize", "Choose what happens to larger mail.".into())),
            },
            blocked_extensions: self.blocked_extensions.clone(),
        })
    }

    pub fn spf_exempt_text(&self) -> String {
        self.spf_exempt
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn blocks(&self, extension: &str) -> bool {
        self.blocked_extensions.iter().any(|e| e == extension)
    }
}

pub fn check_quarantine_days(text: &str) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_QUARANTINE_DAYS);
    }
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_QUARANTINE_DAYS).contains(&n) => Ok(n),
        _ => Err(format!(
            "Enter a number of days from 1 to {MAX_QUARANTINE_DAYS}."
        )),
    }
}

/// IP addresses and ranges, separated by commas, spaces or lines.
pub fn parse_ip_list(text: &str) -> Result<Vec<Cidr>, String> {
    let mut out: Vec<Cidr> = Vec::new();
    for item in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let cidr = Cidr::parse(item)?.cidr;
        if cidr.is_everything() {
            return Err(format!(
                "{cidr} is every address: tick “Skip the SPF check” instead."
            ));
        }
        if !out.contains(&cidr) {
            out.push(cidr);
        }
    }
    if out.len() > MAX_EXEMPT_IPS {
        return Err(format!(
            "At most {MAX_EXEMPT_IPS} addresses or ranges; use wider ranges."
        ));
    }
    Ok(out)
}

/// A subject tag: one line of printable text, at most `MAX_SUBJECT_TAG` characters.
pub fn check_subject_tag(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > MAX_SUBJECT_TAG {
        return Err(format!(
            "A subject tag has at most {MAX_SUBJECT_TAG} characters."
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("A subject tag is one line of text.".into());
    }
    Ok(text.to_string())
}

/// An extension as typed: `exe`, `.EXE`, `*.exe` all name `exe`.
pub fn parse_extension(text: &str) -> Result<String, String> {
    let ext = text
        .trim()
        .trim_start_matches('*')
        .trim_start_matches('.')
        .to_lowercase();
    if ext.is_empty() {
        return Err("Enter an extension, like exe.".into());
    }
    if ext.chars().count() > 20
        || !ext
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "“{}” is not a file extension: letters and digits after the last dot of a name, like exe.",
            text.trim()
        ));
    }
    Ok(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(f: impl FnOnce(&mut FilterForm<'a>)) -> FilterForm<'a> {
        let mut form = FilterForm {
            quarantine: true,
            ..Default::default()
        };
        f(&mut form);
        form
    }

    #[test]
    fn an_empty_form_is_the_defaults() {
        let base = FilterSettings::default();
        assert_eq!(base.with_form(&form(|_| {})).unwrap(), base);
        assert!(base.blocks("exe"));
        assert!(!base.blocks("txt"));
    }

    #[test]
    fn fields_are_read_and_checked() {
        let s = FilterSettings::default()
            .with_form(&form(|f| {
                f.quarantine_days = "14";
                f.quarantine_reply = "accept";
                f.spf_exempt = "192.0.2.1, 198.51.100.9/24\n2001:db8::/32 192.0.2.1";
                f.subject_tag = " [SPAM] ";
                f.size_limit = "10 MB";
                f.oversize = "quarantine";
            }))
            .unwrap();
        assert_eq!(s.quarantine_days, 14);
        assert_eq!(s.quarantine_reply, QuarantineReply::Accept);
        assert_eq!(
            s.spf_exempt_text(),
            "192.0.2.1\n198.51.100.0/24\n2001:db8::/32"
        );
        assert_eq!(s.subject_tag, "[SPAM]");
        assert_eq!(s.size_limit.bytes(), 10 * 1024 * 1024);
        assert_eq!(s.oversize, Oversize::Quarantine);
        for (f, field) in [
            (form(|f| f.quarantine_days = "0"), "quarantine_days"),
            (form(|f| f.quarantine_days = "366"), "quarantine_days"),
            (form(|f| f.quarantine_reply = "maybe"), "quarantine_reply"),
            (form(|f| f.spf_exempt = "010.0.0.1"), "spf_exempt"),
            (form(|f| f.spf_exempt = "0.0.0.0/0"), "spf_exempt"),
            (form(|f| f.subject_tag = "[SPAM]\r\nBcc: x"), "subject_tag"),
            (form(|f| f.size_limit = "lots"), "size_limit"),
            (form(|f| f.oversize = "drop"), "oversize"),
        ] {
            assert_eq!(
                FilterSettings::default().with_form(&f).unwrap_err().0,
                field
            );
        }
    }

    #[test]
    fn extensions_are_typed_loosely_and_kept_plain() {
        assert_eq!(parse_extension(" *.EXE "), Ok("exe".into()));
        assert_eq!(parse_extension(".js"), Ok("js".into()));
        assert!(parse_extension("").is_err());
        assert!(parse_extension("e x e").is_err());
        assert!(parse_extension("exe/../x").is_err());
    }
}
