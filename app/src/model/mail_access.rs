//! Mail apps' access: the protocols a login check is about, device passwords as the screens
//! show them, and the rules for their names and expiry.

use super::time::UnixTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A mail protocol a login may be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Protocol {
    Imap,
    Pop3,
    Smtp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Imap, Protocol::Pop3, Protocol::Smtp];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::Smtp => "smtp",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Protocol::Imap => "IMAP",
            Protocol::Pop3 => "POP3",
            Protocol::Smtp => "SMTP",
        }
    }

    /// nginx's `Auth-Protocol` values and the stored names.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.trim().to_ascii_lowercase().as_str() {
            "imap" => Some(Protocol::Imap),
            "pop3" => Some(Protocol::Pop3),
            "smtp" => Some(Protocol::Smtp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A set of protocols, stored as space-separated names.
pub fn protocols_to_text(protocols: &[Protocol]) -> String {
    Protocol::ALL
        .iter()
        .filter(|p| protocols.contains(p))
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn protocols_from_text(text: &str) -> Vec<Protocol> {
    text.split_whitespace()
        .filter_map(Protocol::parse)
        .collect()
}

/// The longest device password name, in characters.
pub const NAME_MAX_CHARS: usize = 60;

/// A device password's name as typed: trimmed, 1–60 characters, no control characters.
pub fn parse_name(typed: &str) -> Result<String, String> {
    let name = typed.trim();
    if name.is_empty() {
        return Err("Name the mail app, for example “Thunderbird on laptop”.".into());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("Use at most {NAME_MAX_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("Use letters, digits, spaces and punctuation only.".into());
    }
    Ok(name.to_string())
}

/// A device password as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DevicePasswordRow {
    pub id: i64,
    pub name: String,
    pub protocols: Vec<Protocol>,
    pub created_at: UnixTime,
    /// When it stops working: its own expiry, or the end of the idle period.
    pub expires_at: UnixTime,
    /// True when it expires within two weeks.
    pub expiring_soon: bool,
    pub last_used_at: Option<UnixTime>,
    pub last_used_ip: Option<String>,
    pub last_used_protocol: Option<String>,
}

/// The new device password, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct NewDevicePassword {
    pub name: String,
    /// The password in groups of four, as the person types it.
    pub password: String,
}

/// A mailbox's mail access (the caller's own, or one a domain admin looks after): device
/// passwords and the non-webmail switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MailAccess {
    /// The mailbox's address.
    pub email: String,
    pub device_passwords: Vec<DevicePasswordRow>,
    /// IMAP/POP3/SMTP open (outside webmail).
    pub mail_access: bool,
    /// With a second factor on, the account password no longer works in mail apps.
    pub second_factor: bool,
    /// Days without use after which a device password stops working.
    pub idle_days: i64,
    /// The password was proved recently enough to create a device password.
    pub confirmed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_round_trip_in_a_fixed_order() {
        let text = protocols_to_text(&[Protocol::Smtp, Protocol::Imap]);
        assert_eq!(text, "imap smtp");
        assert_eq!(
            protocols_from_text(&text),
            vec![Protocol::Imap, Protocol::Smtp]
        );
        assert_eq!(Protocol::parse("IMAP"), Some(Protocol::Imap));
        assert_eq!(Protocol::parse("nntp"), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name(" Phone "), Ok("Phone".into()));
        assert!(parse_name("").is_err());
        assert!(parse_name(&"x".repeat(61)).is_err());
    }
}
