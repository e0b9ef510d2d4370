//! Device passwords: found by the keyed hash of the secret.

use crate::backend::store::db::{self, Db, Exec};
use crate::model::time::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredDevicePassword {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub protocols: String,
    pub expires_at: Option<UnixTime>,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    pub last_used_ip: Option<String>,
    pub last_used_protocol: Option<String>,
}

const COLUMNS: &str = "id, account_id, name, protocols, expires_at, created_at, last_used_at, \
                       last_used_ip, last_used_protocol";

pub struct NewDevicePassword<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub secret_mac: &'a str,
    pub protocols: &'a str,
    pub expires_at: Option<UnixTime>,
}

pub async fn insert(
    pool: &Db,
    new: NewDevicePassword<'_>,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO device_passwords (account_id, name, secret_mac, protocols, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.account_id)
    .bind(new.name)
    .bind(new.secret_mac)
    .bind(new.protocols)
    .bind(new.expires_at)
    .bind(now)
    .fetch_one(pool)
    .await
}

pub async fn list(pool: &Db, account_id: i64) -> Result<Vec<StoredDevicePassword>, sqlx::Error> {
    db::query_as(&format!(
        "SELECT {COLUMNS} FROM device_passwords WHERE account_id = $1 ORDER BY created_at, id"
    ))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// The device password whose secret has this keyed hash.
pub async fn find_by_mac(
    pool: &Db,
    secret_mac: &str,
) -> Result<Option<StoredDevicePassword>, sqlx::Error> {
    db::query_as(&format!(
        "SELECT {COLUMNS} FROM device_passwords WHERE secret_mac = $1"
    ))
    .bind(secret_mac)
    .fetch_optional(pool)
    .await
}

pub async fn record_use(
    db: impl Into<Exec<'_>>,
    id: i64,
    ip: &str,
    protocol: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE device_passwords SET last_used_at = $2, last_used_ip = $3, last_used_protocol = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(ip)
    .bind(protocol)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes one of the account's device passwords; its name, or `None` when there is no such one.
pub async fn delete(pool: &Db, account_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    db::query_scalar(
        "DELETE FROM device_passwords WHERE id = $2 AND account_id = $1 RETURNING name",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}
