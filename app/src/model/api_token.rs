//! API tokens as their screen (My account → API tokens) reads them, and the new-token
//! form's checks, shared by the browser and the server.

use super::{
    cidr::Cidr,
    grant::{Areas, Grant},
    time::{parse_date, UnixTime},
};
use serde::{Deserialize, Serialize};

/// A token's name at most, in characters.
pub const MAX_NAME: usize = 80;
/// Client networks one token may list at most.
pub const MAX_NETWORKS: usize = 50;
/// What every token's secret starts with, so that a leaked one is recognised (secret
/// scanners, logs) for what it is.
pub const SECRET_PREFIX: &str = "mpt_";

/// One token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ApiTokenRow {
    pub id: i64,
    pub name: String,
    /// The secret's first characters, to tell tokens apart.
    pub prefix: String,
    pub areas: Areas,
    pub write: bool,
    /// The domains by name; empty when the token reaches all of its owner's.
    pub domains: Vec<String>,
    /// Client networks the token may be used from; empty: any.
    pub allowed_ips: Vec<String>,
    pub created_at: UnixTime,
    pub expires_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
    pub last_used_ip: Option<String>,
    pub expired: bool,
}

/// The screen: the caller's tokens, and what a new one may reach (their own rights).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ApiTokens {
    pub tokens: Vec<ApiTokenRow>,
    /// The caller's domains by name; empty for one who reaches every domain.
    pub domains: Vec<String>,
    /// The caller's own rights: a token gets at most these.
    pub rights: Grant,
    /// Whether the caller proved their password lately: making a token asks for it.
    pub confirmed: bool,
}

/// A token just made: its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CreatedApiToken {
    pub secret: String,
    pub token: ApiTokenRow,
}

/// The new-token form as typed: areas and domains as comma- or line-separated keys and
/// names (empty: all of one's own), networks likewise, the last day as `2027-01-31` (empty: never).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewApiToken {
    pub name: String,
    pub areas: String,
    pub write: bool,
    pub domains: String,
    pub allowed_ips: String,
    pub expires: String,
}

/// The form, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedApiToken {
    pub name: String,
    pub areas: Areas,
    pub write: bool,
    /// Domain names as typed (lower case); the server finds them among the caller's.
    pub domains: Vec<String>,
    pub allowed_ips: Vec<Cidr>,
    /// The end of the last day, when one was given.
    pub expires_at: Option<UnixTime>,
}

/// Splits a list typed with commas, spaces or one item a line.
pub fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

impl NewApiToken {
    /// The checked form, or the field that is wrong and why. `today` is the start of the
    /// current day: the last day may be today or later. No area named means `own`, all of
    /// the admin's own.
    pub fn check(
        &self,
        today: UnixTime,
        own: Areas,
    ) -> Result<CheckedApiToken, (&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err((
                "name",
                "Give the token a name, such as the script that uses it.".into(),
            ));
        }
        if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
            return Err((
                "name",
                format!("Use at most {MAX_NAME} characters, without line breaks."),
            ));
        }
        let areas = if self.areas.trim().is_empty() {
            own
        } else {
            Areas::parse(items(&self.areas)).map_err(|e| ("areas", e))?
        };
        let domains = items(&self.domains).map(str::to_lowercase).collect();
        let mut allowed_ips = Vec::new();
        for text in items(&self.allowed_ips) {
            let cidr = Cidr::parse(text).map_err(|e| ("allowed_ips", format!("{text}: {e}")))?;
            if !allowed_ips.contains(&cidr.cidr) {
                allowed_ips.push(cidr.cidr);
            }
        }
        if allowed_ips.len() > MAX_NETWORKS {
            return Err((
                "allowed_ips",
                format!("List at most {MAX_NETWORKS} networks; use wider ranges."),
            ));
        }
        let expires_at = match self.expires.trim() {
            "" => None,
            day => {
                let start = parse_date(day).map_err(|e| ("expires", e))?;
                if start < today {
                    return Err(("expires", "The last day has passed already.".into()));
                }
                Some(start + 86_400 - 1)
            }
        };
        Ok(CheckedApiToken {
            name: name.to_string(),
            areas,
            write: self.write,
            domains,
            allowed_ips,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::grant::Area;

    fn form() -> NewApiToken {
        NewApiToken {
            name: "Nightly export".into(),
            ..NewApiToken::default()
        }
    }

    #[test]
    fn an_empty_form_means_all_of_ones_areas_and_domains_any_address_no_end() {
        let own = Areas::NONE.with(Area::Quarantine);
        let t = form().check(0, own).unwrap();
        assert_eq!(t.areas, own);
        assert!(!t.write);
        assert!(t.domains.is_empty() && t.allowed_ips.is_empty());
        assert_eq!(t.expires_at, None);
    }

    #[test]
    fn lists_are_split_and_checked_field_by_field() {
        let t = NewApiToken {
            areas: "quarantine, logs".into(),
            domains: "Example.ORG\nexample.net".into(),
            allowed_ips: "192.0.2.7, 2001:db8::/32 192.0.2.7".into(),
            expires: "2027-01-31".into(),
            ..form()
        }
        .check(0, Areas::ALL)
        .unwrap();
        assert_eq!(
            t.areas,
            [Area::Quarantine, Area::Logs]
                .into_iter()
                .collect::<Areas>()
        );
        assert_eq!(t.domains, ["example.org", "example.net"]);
        assert_eq!(t.allowed_ips.len(), 2, "the repeated address is one");
        let day = parse_date("2027-01-31").unwrap();
        assert_eq!(t.expires_at, Some(day + 86_399));

        let field = |f: NewApiToken| f.check(day, Areas::ALL).unwrap_err().0;
        assert_eq!(
            field(NewApiToken {
                name: " ".into(),
                ..form()
            }),
            "name"
        );
        let areas = NewApiToken {
            areas: "all".into(),
            ..form()
        };
        assert_eq!(field(areas), "areas");
        let ips = NewApiToken {
            allowed_ips: "010.0.0.1".into(),
            ..form()
        };
        assert_eq!(field(ips), "allowed_ips");
        let past = NewApiToken {
            expires: "2027-01-30".into(),
            ..form()
        };
        assert_eq!(field(past), "expires");
        let today = NewApiToken {
            expires: "2027-01-31".into(),
            ..form()
        };
        assert!(today.check(day, Areas::ALL).is_ok());
    }
}
