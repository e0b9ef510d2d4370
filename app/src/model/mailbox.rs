//! Mailboxes as domain admins manage them: the form's values and the rows listed.

use super::{list::Page, time::UnixTime, EmailAddress, Role};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How much a mailbox may hold; `Quota(0)` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Quota(u64);

const MIB: u64 = 1024 * 1024;
const UNITS: [(&str, u64); 3] = [("TB", MIB * 1024 * 1024), ("GB", MIB * 1024), ("MB", MIB)];
/// Larger than any disk a mailbox sits on; bounds the arithmetic and typos.
const MAX_QUOTA: u64 = 1024 * 1024 * 1024 * MIB;

impl Quota {
    pub const UNLIMITED: Quota = Quota(0);

    /// "500 MB", "2 GB", "1.5 TB", or "" / "0" / "unlimited" for no limit. Without a unit
    /// the number is in megabytes, as the form's hint says.
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim().to_ascii_uppercase();
        if text.is_empty() || text == "0" || text == "UNLIMITED" {
            return Ok(Quota::UNLIMITED);
        }
        let bad = || format!("“{}” is not a size like 500 MB or 2 GB.", input.trim());
        let (number, unit) = UNITS
            .iter()
            .find_map(|(name, size)| {
                let rest = text.strip_suffix(name).or_else(|| {
                    text.strip_suffix(&name[..1])
                        .filter(|r| r.ends_with(|c: char| c.is_ascii_digit() || c == ' '))
                })?;
                Some((rest.trim().to_string(), *size))
            })
            .unwrap_or((text.clone(), MIB));
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        let bytes = (value * unit as f64).round();
        if bytes < MIB as f64 {
            return Err("A quota is at least 1 MB (or leave it empty for no limit).".into());
        }
        if bytes > MAX_QUOTA as f64 {
            return Err("A quota is at most 1024 TB.".into());
        }
        Ok(Quota(bytes as u64))
    }

    pub fn from_bytes(bytes: i64) -> Self {
        Quota(bytes.max(0) as u64)
    }

    pub fn bytes(self) -> u64 {
        self.0
    }

    pub fn is_unlimited(self) -> bool {
        self.0 == 0
    }

    /// The quota as `parse` reads back to the same bytes ("2 GB", "1331.2 MB",
    /// "unlimited"), for files that are edited and imported again.
    pub fn exact(self) -> String {
        if self.is_unlimited() {
            return "unlimited".into();
        }
        if let Some((name, size)) = UNITS.iter().find(|(_, size)| self.0.is_multiple_of(*size)) {
            return format!("{} {name}", self.0 / size);
        }
        // Nine decimals of a megabyte are finer than one byte, so the rounding in `parse`
        // finds the same number again.
        let mb = format!("{:.9}", self.0 as f64 / MIB as f64);
        format!("{} MB", mb.trim_end_matches('0').trim_end_matches('.'))
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unlimited() {
            f.write_str("No limit")
        } else {
            f.write_str(&format_size(self.0))
        }
    }
}

/// "1.5 GB", "300 MB", "12 KB", "0 B": sizes as the screens show them (binary units,
/// named as mail hosts name them).
pub fn format_size(bytes: u64) -> String {
    for (name, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            return if value >= 100.0 || value.fract() < 0.05 {
                format!("{value:.0} {name}")
            } else {
                format!("{value:.1} {name}")
            };
        }
    }
    if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

/// A person's name as mail clients show it next to the address.
pub fn check_display_name(name: &str) -> Result<(), String> {
    if name.trim().chars().count() > 100 {
        return Err("A display name has at most 100 characters.".into());
    }
    if name.chars().any(char::is_control) {
        return Err("A display name cannot contain line breaks or control characters.".into());
    }
    Ok(())
}

/// The part before the @, typed alone on a domain's screens.
pub fn check_local_part(local: &str) -> Result<(), String> {
    if local.contains('@') {
        return Err("Enter only the part before the @; the domain is added for you.".into());
    }
    EmailAddress::parse(&format!("{}@example.org", local.trim())).map(drop)
}

/// A mailbox in a domain's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MailboxRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub enabled: bool,
    pub quota: Quota,
    pub used_bytes: u64,
    pub created_at: UnixTime,
}

/// A domain's mailboxes, one page of those matching the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Mailboxes {
    pub domain: String,
    pub page: Page<MailboxRow>,
    pub usage: QuotaUsage,
}

/// The domain's storage: what all its mailboxes use, what their quotas allot, and the
/// mailboxes closest to their quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct QuotaUsage {
    pub mailboxes: i64,
    pub used_bytes: u64,
    /// The sum of the quotas of the mailboxes that have one.
    pub allotted_bytes: u64,
    pub unlimited: i64,
    /// Fullest first (by share of their quota), at most `FULLEST`.
    pub fullest: Vec<MailboxRow>,
}

/// How many of the fullest mailboxes the statistics list.
pub const FULLEST: i64 = 5;

impl QuotaUsage {
    /// "1.2 GB used by 12 mailboxes; 10 GB allotted to 10 of them, 2 without a limit."
    pub fn summary(&self) -> String {
        let n = self.mailboxes;
        let limited = n - self.unlimited;
        let mut text = format!(
            "{} used by {n} mailbox{}",
            format_size(self.used_bytes),
            if n == 1 { "" } else { "es" }
        );
        if limited > 0 {
            text.push_str(&format!(
                "; {} allotted to {limited} of them",
                format_size(self.allotted_bytes)
            ));
        }
        if self.unlimited > 0 {
            text.push_str(&format!(", {} without a limit", self.unlimited));
        }
        text.push('.');
        text
    }
}

impl MailboxRow {
    /// "120 MB of 2 GB (6%)", or "120 MB" without a limit.
    pub fn usage(&self) -> String {
        let used = format_size(self.used_bytes);
        match self.percent_used() {
            None => format!("{used} (no limit)"),
            Some(percent) => format!("{used} of {} ({percent}%)", self.quota),
        }
    }

    /// The share of the quota in use; `None` without a limit.
    pub fn percent_used(&self) -> Option<u64> {
        (!self.quota.is_unlimited())
            .then(|| self.used_bytes.saturating_mul(100) / self.quota.bytes().max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_quotas_parse_back_to_the_same_bytes() {
        for text in ["2 GB", "1.3 GB", "500 MB", "1.5 TB", "", "7.77 MB"] {
            let q = Quota::parse(text).unwrap();
            assert_eq!(Quota::parse(&q.exact()), Ok(q), "{text} → {}", q.exact());
        }
        assert_eq!(Quota::parse("2 GB").unwrap().exact(), "2 GB");
        assert_eq!(Quota::UNLIMITED.exact(), "unlimited");
    }

    #[test]
    fn storage_is_summed_up_in_words() {
        let usage = QuotaUsage {
            mailboxes: 12,
            used_bytes: 1536 * MIB,
            allotted_bytes: 10 * 1024 * MIB,
            unlimited: 2,
            fullest: vec![],
        };
        assert_eq!(
            usage.summary(),
            "1.5 GB used by 12 mailboxes; 10 GB allotted to 10 of them, 2 without a limit."
        );
        let one = QuotaUsage {
            mailboxes: 1,
            unlimited: 1,
            ..Default::default()
        };
        assert_eq!(one.summary(), "0 B used by 1 mailbox, 1 without a limit.");
    }

    #[test]
    fn quotas_read_as_people_write_them() {
        assert_eq!(Quota::parse("").unwrap(), Quota::UNLIMITED);
        assert_eq!(Quota::parse(" unlimited ").unwrap(), Quota::UNLIMITED);
        assert_eq!(Quota::parse("500").unwrap().bytes(), 500 * MIB);
        assert_eq!(Quota::parse("500 MB").unwrap().bytes(), 500 * MIB);
        assert_eq!(Quota::parse("2gb").unwrap().bytes(), 2048 * MIB);
        assert_eq!(Quota::parse("2 G").unwrap().bytes(), 2048 * MIB);
        assert_eq!(Quota::parse("1.5 GB").unwrap().bytes(), 1536 * MIB);
        assert_eq!(Quota::parse("1 TB").unwrap().bytes(), 1024 * 1024 * MIB);
        for bad in ["-5 MB", "lots", "5 XB", "0.1 MB", "2000 TB", "1e9", "GB"] {
            assert!(Quota::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn sizes_and_usage_are_shown_short() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(2048), "2 KB");
        assert_eq!(format_size(300 * MIB), "300 MB");
        assert_eq!(format_size(1536 * MIB), "1.5 GB");
        assert_eq!(Quota::parse("2 GB").unwrap().to_string(), "2 GB");
        let row = MailboxRow {
            id: 1,
            email: "a@example.org".into(),
            display_name: String::new(),
            role: Role::MailUser,
            enabled: true,
            quota: Quota::parse("1 GB").unwrap(),
            used_bytes: 256 * MIB,
            created_at: 0,
        };
        assert_eq!(row.usage(), "256 MB of 1 GB (25%)");
    }

    #[test]
    fn local_parts_and_names_are_checked() {
        assert!(check_local_part("sales.team").is_ok());
        assert!(check_local_part("sales@example.org")
            .unwrap_err()
            .contains("only the part before the @"));
        assert!(check_local_part("a..b").is_err());
        assert!(check_display_name("Alice Example").is_ok());
        assert!(check_display_name("Alice\r\nBcc: x@evil.test").is_err());
        assert!(check_display_name(&"x".repeat(101)).is_err());
    }
}
