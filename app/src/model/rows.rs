//! What the server functions return to the screens.

use super::{list::Page, route::DomainKind, time::UnixTime, Role};
use serde::{Deserialize, Serialize};

/// The signed-in person, as the shell shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Me {
    pub email: String,
    pub role: Role,
    /// What the menus offer: an admin's areas (a sub-admin's part of them).
    pub rights: super::grant::Grant,
    /// The account came by auto migration: the menu offers its Mail migration screen.
    pub migrated: bool,
}

/// One of the caller's own signed-in sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SessionRow {
    pub id: i64,
    /// The session this list was requested from.
    pub current: bool,
    /// A short description of the browser, e.g. "Chrome on Linux".
    pub device: String,
    pub ip: String,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
}

/// The caller's account settings shown on the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AccountSummary {
    pub email: String,
    pub role: Role,
    pub recovery_email: Option<String>,
    pub password_changed_at: UnixTime,
    pub session_count: i64,
    /// When the authenticator app was turned on, if it is.
    pub totp_enabled_at: Option<UnixTime>,
    pub passkey_count: i64,
}

/// A domain as the admin screens list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DomainRow {
    pub id: i64,
    pub name: String,
    pub mailbox_count: i64,
    pub created_at: UnixTime,
    /// The value of the TXT record that proves the domain is the host's (not secret: it is
    /// published in DNS). Made when the domain is added, or when first shown.
    pub verification_token: Option<String>,
    pub verified_at: Option<UnixTime>,
    pub kind: DomainKind,
    /// For a domain alias: the domain its mail goes to, and that domain's id.
    pub alias_of: Option<String>,
    pub alias_of_id: Option<i64>,
    /// Since when the daily re-check has not found the TXT record of a verified domain.
    pub record_missing_since: Option<UnixTime>,
}

impl DomainRow {
    /// The TXT record's text to publish at the domain's name.
    pub fn verification_record(&self) -> Option<String> {
        self.verification_token
            .as_deref()
            .map(crate::model::domain::verification_record)
    }
}

/// An account that administers a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainAdminRow {
    pub account_id: i64,
    pub email: String,
}

/// A hosted domain's aliases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainAliases {
    pub domain: String,
    pub rows: Vec<DomainRow>,
}

/// One page of the Domains list, and the caller's domains whose DNS record went missing
/// (on any page: they are warned about at the top).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainList {
    pub page: Page<DomainRow>,
    pub missing: Vec<(String, UnixTime)>,
}

/// A domain's admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainAdmins {
    pub domain: String,
    pub kind: DomainKind,
    pub admins: Vec<DomainAdminRow>,
}

/// Whether the signed-in person may open a screen that needs a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PageAccess {
    pub me: Me,
    pub allowed: bool,
    /// An admin who must set up a second factor before admin screens open.
    pub enrol_first: bool,
}
