//! Second-factor codes as people type them, and what the two-factor screens show.
//!
//! `SecondFactorCode::parse` runs in the browser (on change) and on the server (on
//! submit), so both refuse the same input with the same words.

use super::time::UnixTime;
use serde::{Deserialize, Serialize};

/// Digits in a TOTP code.
pub const TOTP_DIGITS: usize = 6;
/// Characters in a recovery code (base32: 16 × 5 = 80 bits).
pub const RECOVERY_CODE_CHARS: usize = 16;
/// How many recovery codes a set has.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// A code typed at the second step: from the authenticator app, or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorCode {
    /// Six digits.
    Totp(String),
    /// Sixteen base32 characters, lower case, without the grouping hyphens.
    Recovery(String),
}

impl SecondFactorCode {
    /// Spaces and hyphens are ignored: apps show `123 456`, recovery codes come in groups.
    pub fn parse(typed: &str) -> Result<Self, String> {
        let compact: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if compact.is_empty() {
            return Err("Enter the code from your authenticator app.".into());
        }
        if compact.chars().all(|c| c.is_ascii_digit()) {
            return if compact.len() == TOTP_DIGITS {
                Ok(SecondFactorCode::Totp(compact))
            } else {
                Err(format!("An authenticator code has {TOTP_DIGITS} digits."))
            };
        }
        let base32 = |c: char| c.is_ascii_lowercase() || ('2'..='7').contains(&c);
        if compact.len() == RECOVERY_CODE_CHARS && compact.chars().all(base32) {
            Ok(SecondFactorCode::Recovery(compact))
        } else {
            Err(format!(
                "Enter the {TOTP_DIGITS}-digit code from your app, or a recovery code such as abcd-efgh-ijkl-mnop."
            ))
        }
    }

    /// Like `parse`, for places that take only an authenticator code.
    pub fn parse_totp(typed: &str) -> Result<String, String> {
        match Self::parse(typed)? {
            SecondFactorCode::Totp(code) => Ok(code),
            SecondFactorCode::Recovery(_) => Err(format!(
                "Enter the {TOTP_DIGITS}-digit code your authenticator app shows now."
            )),
        }
    }
}

/// A generated secret as shown to the person: groups of four characters, easier to read
/// out and type (`abcd-efgh-…` with `separator` "-").
pub fn group_by_four(compact: &str, separator: &str) -> String {
    compact
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(separator)
}

/// A new TOTP secret, shown once: while setting up, and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct TotpOffer {
    /// The base32 key in groups of four, for typing into an app.
    pub key_groups: String,
    /// `otpauth://totp/…`, what the QR code holds.
    pub uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// The state of the caller's second factors, without any secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct TwoFactorStatus {
    pub totp_enabled_at: Option<UnixTime>,
    pub recovery_codes_left: i64,
    /// Codes are locked after too many wrong ones.
    pub locked: bool,
    /// The password was proved recently enough for changes (no "confirm it's you").
    pub confirmed: bool,
    /// An admin policy requires this account to have a second factor.
    pub required: bool,
}

/// The portal-wide second-factor policy, as the master admin screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct TwoFactorPolicy {
    pub require_for_admins: bool,
    /// Admins (of any kind) who have no second factor yet.
    pub admins_without: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(
            SecondFactorCode::parse(" 123 456 "),
            Ok(SecondFactorCode::Totp("123456".into()))
        );
        assert_eq!(
            SecondFactorCode::parse("ABCD-efgh-2345-6723"),
            Ok(SecondFactorCode::Recovery("abcdefgh23456723".into()))
        );
        assert!(SecondFactorCode::parse("12345")
            .unwrap_err()
            .contains("6 digits"));
        assert!(SecondFactorCode::parse("").is_err());
        assert!(
            SecondFactorCode::parse("abcd-efgh-ijkl-mno1").is_err(),
            "1 is not base32"
        );
        assert!(SecondFactorCode::parse_totp("abcd-efgh-ijkl-mnop").is_err());
    }

    #[test]
    fn secrets_are_shown_in_groups_of_four() {
        assert_eq!(
            group_by_four("abcdefghijklmnop", "-"),
            "abcd-efgh-ijkl-mnop"
        );
        assert_eq!(group_by_four("ABCDEFGHIJ", " "), "ABCD EFGH IJ");
    }
}
