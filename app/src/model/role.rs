//! The three roles of the portal. Stored as text; the order is one of increasing rights.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Role {
    MailUser,
    DomainAdmin,
    MasterAdmin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::MailUser, Role::DomainAdmin, Role::MasterAdmin];

    /// The stored and command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::MailUser => "mailuser",
            Role::DomainAdmin => "domainadmin",
            Role::MasterAdmin => "masteradmin",
        }
    }

    /// How the role is named on screen.
    pub fn label(self) -> &'static str {
        match self {
            Role::MailUser => "Mail user",
            Role::DomainAdmin => "Domain admin",
            Role::MasterAdmin => "Master admin",
        }
    }

    /// True when this role includes everything `other` may do.
    pub fn includes(self, other: Role) -> bool {
        self >= other
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role \"{s}\": use mailuser, domainadmin or masteradmin")
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_order() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!(Role::MasterAdmin.includes(Role::DomainAdmin));
        assert!(!Role::MailUser.includes(Role::DomainAdmin));
        assert!("root".parse::<Role>().is_err());
    }
}
