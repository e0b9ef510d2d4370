//! Portal-wide switches set in the portal (not in the configuration file).

use crate::backend::store::db::{self, Db};

/// A switch's key; stored as text.
#[derive(Debug, Clone, Copy)]
pub enum Switch {
    /// Every admin must have a second factor to use admin screens.
    RequireAdminTwoFactor,
    /// Routes and SDR destinations may point at this machine or its link (for testing).
    AllowLocalRoutes,
    /// Admins may sign in and work only from the addresses in the admin IP access list.
    RestrictAdminIps,
}

impl Switch {
    fn key(self) -> &'static str {
        match self {
            Switch::RequireAdminTwoFactor => "require_admin_two_factor",
            Switch::AllowLocalRoutes => "allow_local_routes",
            Switch::RestrictAdminIps => "restrict_admin_ips",
        }
    }
}

pub async fn get(pool: &Db, switch: Switch) -> Result<bool, sqlx::Error> {
    let value: Option<String> =
        db::query_scalar("SELECT value FROM portal_settings WHERE key = $1")
            .bind(switch.key())
            .fetch_optional(pool)
            .await?;
    Ok(value.as_deref() == Some("on"))
}

pub async fn set(pool: &Db, switch: Switch, on: bool) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO portal_settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(switch.key())
    .bind(if on { "on" } else { "off" })
    .execute(pool)
    .await?;
    Ok(())
}
