//! What an admin, or an API token, may do: a set of areas of the admin screens, whether
//! they may change things there, and in which domains. A master admin's own rights are
//! every area, read and write, every domain; a sub-admin's and a token's are a part of
//! their owner's, checked by every admin server function (see `api::admin_fn!`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A part of the admin screens; every admin server function belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// Domains, domain aliases, relay routes, SDR, domain settings.
    Domains,
    /// Mailboxes, aliases, sender addresses, local recipients, mail access, import.
    Mailboxes,
    /// Thresholds, sender lists, filter settings, attachments, learning.
    Antispam,
    /// Quarantined mail.
    Quarantine,
    /// The mail log and statistics.
    Logs,
    /// The delivery queue.
    Queue,
    /// Security incidents, logins, trusted IPs, admin 2FA, admin IP access, the audit log,
    /// and who administers what.
    Security,
}

impl Area {
    pub const ALL: [Area; 7] = [
        Area::Domains,
        Area::Mailboxes,
        Area::Antispam,
        Area::Quarantine,
        Area::Logs,
        Area::Queue,
        Area::Security,
    ];

    /// The stored and API spelling (also the form value).
    pub fn key(self) -> &'static str {
        match self {
            Area::Domains => "domains",
            Area::Mailboxes => "mailboxes",
            Area::Antispam => "antispam",
            Area::Quarantine => "quarantine",
            Area::Logs => "logs",
            Area::Queue => "queue",
            Area::Security => "security",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Area::Domains => "Domains and routing",
            Area::Mailboxes => "Mailboxes and aliases",
            Area::Antispam => "Antispam and filters",
            Area::Quarantine => "Quarantine",
            Area::Logs => "Mail log and statistics",
            Area::Queue => "Delivery queue",
            Area::Security => "Security and admins",
        }
    }

    pub fn parse(key: &str) -> Result<Area, String> {
        Area::ALL
            .into_iter()
            .find(|a| a.key() == key.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = Area::ALL.iter().map(|a| a.key()).collect();
                format!("\"{key}\" is not an area; use {}", known.join(", "))
            })
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Reading or changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
}

/// What one admin server function needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Need {
    pub area: Area,
    pub access: Access,
}

/// A set of areas, stored as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas(u8);

impl Areas {
    pub const ALL: Areas = Areas((1 << Area::ALL.len()) - 1);
    pub const NONE: Areas = Areas(0);

    pub fn contains(self, area: Area) -> bool {
        self.0 & area.bit() != 0
    }

    pub fn with(self, area: Area) -> Areas {
        Areas(self.0 | area.bit())
    }

    pub fn without(self, area: Area) -> Areas {
        Areas(self.0 & !area.bit())
    }

    pub fn and(self, other: Areas) -> Areas {
        Areas(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Area> {
        Area::ALL.into_iter().filter(move |a| self.contains(*a))
    }

    /// The stored form; bits of areas this version does not know are dropped.
    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn from_bits(bits: i64) -> Areas {
        Areas((bits & Areas::ALL.bits()) as u8)
    }

    /// Areas from their keys ("quarantine", "logs"); the first unknown one is the error.
    pub fn parse<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<Areas, String> {
        keys.into_iter()
            .filter(|k| !k.trim().is_empty())
            .try_fold(Areas::NONE, |set, k| Ok(set.with(Area::parse(k)?)))
    }

    /// "Quarantine, Mail log and statistics", or "every area".
    pub fn describe(self) -> String {
        if self == Areas::ALL {
            return "every area".into();
        }
        let labels: Vec<&str> = self.iter().map(Area::label).collect();
        if labels.is_empty() {
            "no area".into()
        } else {
            labels.join(", ")
        }
    }
}

impl FromIterator<Area> for Areas {
    fn from_iter<I: IntoIterator<Item = Area>>(iter: I) -> Self {
        iter.into_iter().fold(Areas::NONE, Areas::with)
    }
}

impl Serialize for Areas {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Areas {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Area>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(feature = "ssr")]
impl schemars::JsonSchema for Areas {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Areas".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let area = generator.subschema_for::<Area>();
        schemars::json_schema!({ "type": "array", "items": area, "uniqueItems": true })
    }
}

/// The domains a grant reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Domains {
    All,
    /// These domains by id (a domain alias belongs with its main domain).
    Only(Vec<i64>),
}

impl Domains {
    pub fn covers(&self, id: i64) -> bool {
        match self {
            Domains::All => true,
            Domains::Only(ids) => ids.contains(&id),
        }
    }

    /// The domains both reach.
    pub fn and(&self, other: &Domains) -> Domains {
        match (self, other) {
            (Domains::All, d) | (d, Domains::All) => d.clone(),
            (Domains::Only(a), Domains::Only(b)) => {
                Domains::Only(a.iter().copied().filter(|id| b.contains(id)).collect())
            }
        }
    }
}

/// An admin's (or a token's) rights: areas, read-only or not, domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Grant {
    pub areas: Areas,
    /// False: the grant only reads.
    pub write: bool,
    pub domains: Domains,
}

impl Grant {
    /// Everything a role allows; the role itself still limits (a domain admin reaches their
    /// domains only, whatever the grant says).
    pub fn full() -> Grant {
        Grant {
            areas: Areas::ALL,
            write: true,
            domains: Domains::All,
        }
    }

    pub fn is_full(&self) -> bool {
        *self == Grant::full()
    }

    /// Whether a server function needing `need` may run under this grant.
    pub fn allows(&self, need: Need) -> bool {
        let area = match need {
            // Reading the domains (the list, their settings, their routes) comes with every
            // area kept per domain: the domain list is how their screens are reached.
            Need {
                area: Area::Domains,
                access: Access::Read,
            } => [Area::Domains, Area::Mailboxes, Area::Antispam]
                .into_iter()
                .any(|a| self.areas.contains(a)),
            Need { area, .. } => self.areas.contains(area),
        };
        area && (need.access == Access::Read || self.write)
    }

    /// Whether the grant reads in `area` (a menu entry or a tab is shown).
    pub fn reads(&self, area: Area) -> bool {
        self.allows(Need {
            area,
            access: Access::Read,
        })
    }

    /// What both grants allow: a token's rights within its owner's.
    pub fn and(&self, other: &Grant) -> Grant {
        Grant {
            areas: self.areas.and(other.areas),
            write: self.write && other.write,
            domains: self.domains.and(&other.domains),
        }
    }

    /// Whether rights of `areas` (and `write`) are within this grant, for handing on (a
    /// token, a sub-admin): otherwise the form field that asks too much and why.
    pub fn hands_on(&self, areas: Areas, write: bool) -> Result<(), (&'static str, String)> {
        let beyond: Vec<&str> = areas
            .iter()
            .filter(|a| !self.areas.contains(*a))
            .map(Area::label)
            .collect();
        if !beyond.is_empty() {
            return Err((
                "areas",
                format!(
                    "Your own rights do not include {}: you hand on no more than you have.",
                    beyond.join(", ")
                ),
            ));
        }
        if write && !self.write {
            return Err((
                "write",
                "Your own rights are read-only: you cannot hand on the right to change things."
                    .into(),
            ));
        }
        Ok(())
    }

    /// "Read-only: Quarantine, Mail log and statistics".
    pub fn describe(&self) -> String {
        let how = if self.write {
            "Read and change"
        } else {
            "Read-only"
        };
        format!("{how}: {}", self.areas.describe())
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(area: Area, access: Access) -> Need {
        Need { area, access }
    }

    #[test]
    fn a_grant_allows_its_areas_and_writes_only_when_it_may() {
        let logs = Grant {
            areas: [Area::Quarantine, Area::Logs].into_iter().collect(),
            write: false,
            domains: Domains::All,
        };
        assert!(logs.allows(need(Area::Logs, Access::Read)));
        assert!(!logs.allows(need(Area::Quarantine, Access::Write)));
        assert!(!logs.allows(need(Area::Domains, Access::Read)));
        let mailboxes = Grant {
            areas: Areas::NONE.with(Area::Mailboxes),
            ..logs.clone()
        };
        assert!(
            mailboxes.reads(Area::Domains),
            "the way to a domain's mailboxes"
        );
        assert!(!mailboxes.allows(need(Area::Domains, Access::Write)));
        assert!(Grant::full().allows(need(Area::Security, Access::Write)));
        assert_eq!(
            logs.describe(),
            "Read-only: Quarantine, Mail log and statistics"
        );
    }

    #[test]
    fn two_grants_meet_in_what_both_allow() {
        let token = Grant {
            areas: Areas::ALL,
            write: true,
            domains: Domains::Only(vec![1, 2]),
        };
        let owner = Grant {
            areas: Areas::NONE.with(Area::Quarantine),
            write: false,
            domains: Domains::Only(vec![2, 3]),
        };
        let both = token.and(&owner);
        assert_eq!(both.areas, Areas::NONE.with(Area::Quarantine));
        assert!(!both.write);
        assert_eq!(both.domains, Domains::Only(vec![2]));
        assert_eq!(Grant::full().and(&token), token);
    }

    #[test]
    fn areas_round_trip_through_bits_keys_and_json() {
        let set = Areas::parse(["quarantine", " logs", ""]).unwrap();
        assert_eq!(Areas::from_bits(set.bits()), set);
        assert_eq!(Areas::from_bits(0xff), Areas::ALL);
        #[cfg(feature = "ssr")]
        {
            let json = serde_json::to_string(&set).unwrap();
            assert_eq!(json, r#"["quarantine","logs"]"#);
            assert_eq!(serde_json::from_str::<Areas>(&json).unwrap(), set);
        }
        assert!(Areas::parse(["everything"])
            .unwrap_err()
            .contains("not an area"));
        assert_eq!(Areas::ALL.describe(), "every area");
    }
}
