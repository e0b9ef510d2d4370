//! Security administration as the screens read it: login history, security incidents and
//! trusted login IPs, with the "Mark as safe" form checked the same way in the browser and
//! on the server.

use super::{cidr::Cidr, time::UnixTime};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What a login proved itself with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Credential {
    /// The account password (portal, or a mail app without a device password).
    Password,
    /// The account password, then a code from the authenticator app.
    PasswordAndCode,
    /// The account password, then one of the printed recovery codes.
    PasswordAndRecoveryCode,
    Passkey,
    /// A mail app's own password.
    DevicePassword,
}

impl Credential {
    pub const ALL: [Credential; 5] = [
        Credential::Password,
        Credential::PasswordAndCode,
        Credential::PasswordAndRecoveryCode,
        Credential::Passkey,
        Credential::DevicePassword,
    ];

    /// As the store keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            Credential::Password => "password",
            Credential::PasswordAndCode => "password_code",
            Credential::PasswordAndRecoveryCode => "password_recovery_code",
            Credential::Passkey => "passkey",
            Credential::DevicePassword => "device_password",
        }
    }

    pub fn parse(s: &str) -> Option<Credential> {
        Credential::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Credential::Password => "Password",
            Credential::PasswordAndCode => "Password and authenticator code",
            Credential::PasswordAndRecoveryCode => "Password and recovery code",
            Credential::Passkey => "Passkey",
            Credential::DevicePassword => "Device password",
        }
    }
}

/// How a stored credential is shown; rows from before credentials were recorded show "—".
pub fn credential_label(stored: &str) -> &'static str {
    Credential::parse(stored).map_or("—", Credential::label)
}

/// How a stored protocol is shown.
pub fn protocol_label(stored: &str) -> String {
    match stored {
        "web" => "Portal".into(),
        "imap" => "IMAP".into(),
        "pop3" => "POP3".into(),
        "smtp" => "SMTP".into(),
        other => other.to_uppercase(),
    }
}

/// How a stored login result is shown.
pub fn result_label(stored: &str) -> &'static str {
    match stored {
        "success" => "Signed in",
        "bad_credentials" => "Wrong address or password",
        "throttled" => "Refused: too many attempts",
        "second_factor_pending" => "Password right, code still to come",
        "bad_second_factor" => "Wrong authenticator or recovery code",
        "bad_passkey" => "Passkey refused",
        "admin_ip_refused" => "Refused: admin from an address not in the admin IP list",
        _ => "Refused",
    }
}

/// One login, newest first in every list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LoginRow {
    pub id: i64,
    pub at: UnixTime,
    pub ip: String,
    /// "Germany (DE)", or "Unknown".
    pub country: String,
    pub protocol: String,
    pub credential: String,
    pub result: String,
    pub success: bool,
    /// The browser, or the mail app's host as the mail proxy named it.
    pub client: String,
    /// The trusted range the IP is in, when it is marked safe.
    pub trusted: Option<String>,
}

/// A security-relevant change to the account (password, recovery address, 2FA, passkeys,
/// device passwords), as the person's Security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SecurityEvent {
    pub at: UnixTime,
    pub what: String,
    pub detail: String,
    pub ip: Option<String>,
}

/// The signed-in person's Security page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MySecurity {
    pub logins: Vec<LoginRow>,
    pub events: Vec<SecurityEvent>,
}

/// An admin's view of one user's logins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct UserLogins {
    pub email: String,
    pub logins: Vec<LoginRow>,
    pub trusted: Vec<TrustedIpRow>,
}

/// A user whose successful logins came from more than one country within the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Incident {
    pub email: String,
    pub domain: Option<String>,
    /// Messages the user sent through submission in the last 24 hours.
    pub sent_24h: i64,
    /// The countries, as shown; unknown ones are not counted.
    pub countries: Vec<String>,
    pub last_login_at: UnixTime,
    /// A login counted in it came after the viewer last opened the incident list.
    pub new: bool,
}

/// An IP range marked safe for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TrustedIpRow {
    pub id: i64,
    pub email: String,
    pub network: String,
    pub description: String,
    pub created_at: UnixTime,
    pub created_by: String,
}

/// The trusted login IPs screen: the caller's domains, the one chosen, and its ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct TrustedIps {
    pub domains: Vec<(i64, String)>,
    pub domain: Option<i64>,
    pub rows: Vec<TrustedIpRow>,
}

/// What the portal knows of one IP: whether logins from it are refused now, and for which
/// of the caller's users it is marked safe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct IpStatus {
    /// As searched, normalised.
    pub ip: String,
    pub country: String,
    /// The mail login check's block after a burst of refused logins: until when, and why.
    pub blocked: Option<(UnixTime, String)>,
    /// Seconds a login from it must still wait (sign-in throttling by IP), and the failures
    /// counted in the current hour.
    pub throttled_secs: Option<u64>,
    pub failures: i64,
    /// The ranges holding it, marked safe for users of the caller's domains.
    pub trusted: Vec<TrustedIpRow>,
    /// The caller's domains, for the "Mark as safe" form.
    pub domains: Vec<(i64, String)>,
}

/// How long a user's logins are looked at for an incident.
pub const INCIDENT_WINDOW_SECS: i64 = 24 * 3600;

/// The ranges "Mark as safe" offers, widest last: the one address, up to a /22 (a small
/// provider's pool), and a /17 for large providers; IPv6 likewise, from the one address to
/// a provider's /32.
pub fn range_choices(ip: IpAddr) -> &'static [u8] {
    match ip {
        IpAddr::V4(_) => &[32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 17],
        IpAddr::V6(_) => &[128, 64, 60, 56, 48, 32],
    }
}

/// The range as a choice reads: "Only 192.0.2.7", "/24: 192.0.2.0 – 192.0.2.255 (256 addresses)".
pub fn range_label(ip: IpAddr, prefix: u8) -> String {
    let Ok(parsed) = Cidr::parse(&format!("{ip}/{prefix}")) else {
        return format!("/{prefix}");
    };
    let net = parsed.cidr;
    match ip {
        IpAddr::V4(_) if prefix == 32 => format!("Only {ip}"),
        IpAddr::V6(_) if prefix == 128 => format!("Only {ip}"),
        IpAddr::V4(_) => {
            let size = 1u64 << (32 - prefix);
            format!("/{prefix}: {net} ({size} addresses)")
        }
        IpAddr::V6(_) => format!("/{prefix}: {net}"),
    }
}

/// The "Mark as safe" form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MarkSafe {
    pub ip: String,
    pub prefix: String,
    pub description: String,
}

impl MarkSafe {
    /// The range to trust and the description, or the field that is wrong and why.
    pub fn check(&self) -> Result<(Cidr, String), (&'static str, String)> {
        let ip: IpAddr = self
            .ip
            .trim()
            .parse()
            .map_err(|_| ("ip", format!("“{}” is not an IP address.", self.ip.trim())))?;
        let ip = ip.to_canonical();
        let prefix: u8 = self
            .prefix
            .trim()
            .trim_start_matches('/')
            .parse()
            .ok()
            .filter(|p| range_choices(ip).contains(p))
            .ok_or_else(|| {
                let offered: Vec<String> =
                    range_choices(ip).iter().map(|p| format!("/{p}")).collect();
                (
                    "prefix",
                    format!("Choose one of the ranges offered: {}.", offered.join(", ")),
                )
            })?;
        let description = super::description::check(&self.description, "Say why you trust this IP")
            .map_err(|e| ("description", e))?;
        let cidr = Cidr::parse(&format!("{ip}/{prefix}"))
            .map_err(|e| ("ip", e))?
            .cidr;
        Ok((cidr, description))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(ip: &str, prefix: &str, description: &str) -> MarkSafe {
        MarkSafe {
            ip: ip.into(),
            prefix: prefix.into(),
            description: description.into(),
        }
    }

    #[test]
    fn ranges_go_from_one_address_to_a_22_and_a_17() {
        let (cidr, why) = form("192.0.2.77", "32", " Office ").check().unwrap();
        assert_eq!(
            (cidr.to_string(), why.as_str()),
            ("192.0.2.77".into(), "Office")
        );
        let (cidr, _) = form("192.0.2.77", "/22", "Office").check().unwrap();
        assert_eq!(cidr.to_string(), "192.0.0.0/22");
        let (cidr, _) = form("198.51.100.9", "17", "Big provider").check().unwrap();
        assert_eq!(cidr.to_string(), "198.51.0.0/17");
        for wider in ["21", "18", "16", "8", "0", "33", "", "x"] {
            let e = form("192.0.2.77", wider, "Office").check().unwrap_err();
            assert_eq!(e.0, "prefix", "/{wider}");
            assert!(e.1.contains("/22, /17"), "{}", e.1);
        }
    }

    #[test]
    fn ipv6_has_its_own_ranges_and_mapped_addresses_are_ipv4() {
        let (cidr, _) = form("2001:db8:1:2::5", "64", "Home").check().unwrap();
        assert_eq!(cidr.to_string(), "2001:db8:1:2::/64");
        assert_eq!(
            form("2001:db8::5", "22", "Home").check().unwrap_err().0,
            "prefix"
        );
        let (cidr, _) = form("::ffff:192.0.2.1", "24", "Home").check().unwrap();
        assert_eq!(cidr.to_string(), "192.0.2.0/24");
    }

    #[test]
    fn the_description_is_mandatory_and_one_line() {
        for bad in ["", " ", "x", " y "] {
            let e = form("192.0.2.1", "32", bad).check().unwrap_err();
            assert_eq!(e.0, "description");
            assert!(e.1.contains("at least 2 characters"));
        }
        assert_eq!(
            form("192.0.2.1", "32", "a\nb").check().unwrap_err().0,
            "description"
        );
        assert_eq!(
            form("192.0.2.1", "32", &"x".repeat(201))
                .check()
                .unwrap_err()
                .0,
            "description"
        );
        assert_eq!(form("not-an-ip", "32", "ok").check().unwrap_err().0, "ip");
    }

    #[test]
    fn range_labels_say_what_is_trusted() {
        let ip: IpAddr = "192.0.2.77".parse().unwrap();
        assert_eq!(range_label(ip, 32), "Only 192.0.2.77");
        assert_eq!(range_label(ip, 24), "/24: 192.0.2.0/24 (256 addresses)");
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(range_label(v6, 48), "/48: 2001:db8::/48");
    }

    #[test]
    fn stored_words_read_back() {
        for c in Credential::ALL {
            assert_eq!(Credential::parse(c.as_str()), Some(c));
        }
        assert_eq!(credential_label(""), "—");
        assert_eq!(protocol_label("web"), "Portal");
        assert_eq!(result_label("success"), "Signed in");
    }
}
