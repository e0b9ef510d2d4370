//! The admin IP access list as its screen reads it, and the entry form's checks (shared by
//! the browser and the server).

use super::{cidr::Cidr, time::UnixTime};
use serde::{Deserialize, Serialize};

/// One listed IP or network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AdminIpEntry {
    pub id: i64,
    pub network: String,
    pub description: String,
    pub created_at: UnixTime,
    pub created_by: String,
}

/// The screen: the list, whether admin access is restricted to it, and where the caller
/// is (so that they see whether restricting would shut them out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AdminIpAccess {
    pub entries: Vec<AdminIpEntry>,
    pub restricted: bool,
    pub your_ip: String,
    /// The entry holding the caller's address, if one does.
    pub yours: Option<String>,
}

/// The entry form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct NewAdminIp {
    pub network: String,
    pub description: String,
}

impl NewAdminIp {
    /// The network (normalised) and description, or the field that is wrong and why. A
    /// network of everything (`/0`) is refused: it would restrict nothing.
    pub fn check(&self) -> Result<(Cidr, String), (&'static str, String)> {
        let network = Cidr::parse(&self.network).map_err(|e| ("network", e))?.cidr;
        if network.is_everything() {
            return Err((
                "network",
                "A /0 holds every address: it would restrict nothing. Enter your networks.".into(),
            ));
        }
        let description = super::description::check(&self.description, "Say what this network is")
            .map_err(|e| ("description", e))?;
        Ok((network, description))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(network: &str, description: &str) -> NewAdminIp {
        NewAdminIp {
            network: network.into(),
            description: description.into(),
        }
    }

    #[test]
    fn entries_are_networks_with_a_reason() {
        let (net, why) = form("192.0.2.7/24", " Office ").check().unwrap();
        assert_eq!(
            (net.to_string(), why.as_str()),
            ("192.0.2.0/24".into(), "Office")
        );
        assert_eq!(
            form("2001:db8::/32", "VPN").check().unwrap().0.to_string(),
            "2001:db8::/32"
        );
        assert_eq!(form("0.0.0.0/0", "All").check().unwrap_err().0, "network");
        assert_eq!(
            form("010.0.0.1", "Office").check().unwrap_err().0,
            "network"
        );
        assert_eq!(form("192.0.2.1", "x").check().unwrap_err().0, "description");
        assert_eq!(
            form("192.0.2.1", "a\tb").check().unwrap_err().0,
            "description"
        );
    }
}
