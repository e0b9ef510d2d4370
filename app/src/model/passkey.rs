//! Passkeys as the screens show them, and the rules for their names.

use super::time::UnixTime;
use serde::{Deserialize, Serialize};

/// The longest passkey name, in characters.
pub const NAME_MAX_CHARS: usize = 60;

/// A passkey's name as typed: trimmed, 1–60 characters, no control characters.
pub fn parse_name(typed: &str) -> Result<String, String> {
    let name = typed.trim();
    if name.is_empty() {
        return Err("Give the passkey a name, for example “Laptop” or “Phone”.".into());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("Use at most {NAME_MAX_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("Use letters, digits, spaces and punctuation only.".into());
    }
    Ok(name.to_string())
}

/// A ceremony the browser is to run: the id to answer with, and the options for
/// `navigator.credentials`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Ceremony<T> {
    pub id: String,
    pub options: T,
}

/// One of the caller's passkeys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PasskeyRow {
    pub id: i64,
    pub name: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// The caller's passkeys and sign-in choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PasskeyOverview {
    pub passkeys: Vec<PasskeyRow>,
    /// False when the account signs in with passkeys only.
    pub password_sign_in: bool,
    /// The password or a passkey was proved recently enough for changes.
    pub confirmed: bool,
    /// False when the portal cannot offer passkeys (opened by IP address).
    pub available: bool,
}

/// Passkey-only sign-in needs this many passkeys, so that losing one device does not lock
/// the person out.
pub const PASSKEY_ONLY_MIN: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Laptop "), Ok("Laptop".into()));
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"x".repeat(61)).is_err());
        assert!(parse_name("a\u{7}b").is_err());
        assert!(parse_name(&"é".repeat(60)).is_ok());
    }
}
