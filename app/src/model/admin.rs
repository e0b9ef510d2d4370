//! Security → Admins: the admins and their rights as the screen reads them, and the rights
//! form's checks (shared by the browser and the server).

use super::{
    api_token::items,
    grant::{Areas, Grant},
    Role,
};
use serde::{Deserialize, Serialize};

/// One admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AdminRow {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub rights: Grant,
    /// The domains a domain admin administers, by name; empty for a master admin (all).
    pub domains: Vec<String>,
    pub enabled: bool,
    /// The admin reading the list.
    pub you: bool,
}

/// The screen: every admin, the domains to choose from, and the reader's own rights (what
/// they may hand on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Admins {
    pub admins: Vec<AdminRow>,
    pub domains: Vec<String>,
    pub yours: Grant,
}

/// The rights form as typed: areas and domains as comma- or line-separated keys and names
/// (empty: every area; every domain, which makes a master admin).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RightsForm {
    pub areas: String,
    pub write: bool,
    pub domains: String,
}

/// The form, checked: the areas, write or not, the domain names (lower case; empty: all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    pub areas: Areas,
    pub write: bool,
    pub domains: Vec<String>,
}

impl RightsForm {
    pub fn check(&self) -> Result<Rights, (&'static str, String)> {
        let areas = if self.areas.trim().is_empty() {
            Areas::ALL
        } else {
            Areas::parse(items(&self.areas)).map_err(|e| ("areas", e))?
        };
        Ok(Rights {
            areas,
            write: self.write,
            domains: items(&self.domains).map(str::to_lowercase).collect(),
        })
    }
}

impl Rights {
    /// The role these rights make: every domain is a master admin's reach.
    pub fn role(&self) -> Role {
        if self.domains.is_empty() {
            Role::MasterAdmin
        } else {
            Role::DomainAdmin
        }
    }

    /// "Read-only: Quarantine; one.test, two.test".
    pub fn describe(&self) -> String {
        let how = if self.write {
            "Read and change"
        } else {
            "Read-only"
        };
        let domains = if self.domains.is_empty() {
            "every domain".to_string()
        } else {
            self.domains.join(", ")
        };
        format!("{how}: {}; {domains}", self.areas.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::grant::Area;

    #[test]
    fn empty_means_every_area_and_every_domain() {
        let all = RightsForm::default().check().unwrap();
        assert_eq!(all.areas, Areas::ALL);
        assert_eq!(all.role(), Role::MasterAdmin);
        assert_eq!(all.describe(), "Read-only: every area; every domain");
        let some = RightsForm {
            areas: "quarantine\nlogs".into(),
            write: true,
            domains: "One.test, two.test".into(),
        }
        .check()
        .unwrap();
        assert_eq!(
            some.areas,
            [Area::Quarantine, Area::Logs]
                .into_iter()
                .collect::<Areas>()
        );
        assert_eq!(some.role(), Role::DomainAdmin);
        assert_eq!(
            some.describe(),
            "Read and change: Quarantine, Mail log and statistics; one.test, two.test"
        );
        let bad = RightsForm {
            areas: "root".into(),
            ..RightsForm::default()
        };
        assert_eq!(bad.check().unwrap_err().0, "areas");
    }
}
