//! Passkeys and the WebAuthn ceremonies under way.

use crate::backend::store::db::{self, Db};
use crate::model::time::UnixTime;

/// A stored passkey with the webauthn-rs record as JSON.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPasskey {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub passkey: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

const COLUMNS: &str = "id, account_id, name, passkey, created_at, last_used_at";

pub async fn list(pool: &Db, account_id: i64) -> Result<Vec<StoredPasskey>, sqlx::Error> {
    db::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE account_id = $1 ORDER BY created_at, id"
    ))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &Db, account_id: i64) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT COUNT(*) FROM passkeys WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(pool)
        .await
}

pub async fn find_by_credential(
    pool: &Db,
    credential_id: &[u8],
) -> Result<Option<StoredPasskey>, sqlx::Error> {
    db::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(pool)
    .await
}

/// Fails with a UNIQUE violation when the credential is registered already (to anyone).
pub async fn insert(
    pool: &Db,
    account_id: i64,
    credential_id: &[u8],
    name: &str,
    passkey: &str,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO passkeys (account_id, credential_id, name, passkey, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(credential_id)
    .bind(name)
    .bind(passkey)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Stores the record after a sign-in (new counter) and when it was used.
pub async fn record_use(
    pool: &Db,
    id: i64,
    passkey: Option<&str>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE passkeys SET passkey = COALESCE($2, passkey), last_used_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(passkey)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Renames one of the account's passkeys; false when it has no such passkey.
pub async fn rename(pool: &Db, account_id: i64, id: i64, name: &str) -> Result<bool, sqlx::Error> {
    let done = db::query("UPDATE passkeys SET name = $3 WHERE id = $2 AND account_id = $1")
        .bind(account_id)
        .bind(id)
        .bind(name)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes one of the account's passkeys and returns its name; `None` when it has no such passkey.
pub async fn delete(pool: &Db, account_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    db::query_scalar("DELETE FROM passkeys WHERE id = $2 AND account_id = $1 RETURNING name")
        .bind(account_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Register,
    SignIn,
    /// "Confirm it's you" with a passkey.
    Confirm,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Register => "register",
            Kind::SignIn => "sign_in",
            Kind::Confirm => "confirm",
        }
    }
}

pub struct NewCeremony<'a> {
    pub id_hash: &'a str,
    pub kind: Kind,
    pub account_id: Option<i64>,
    pub name: Option<&'a str>,
    pub state: &'a str,
    pub expires_at: UnixTime,
}

pub async fn insert_ceremony(
    pool: &Db,
    c: NewCeremony<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    db::query(
        "INSERT INTO webauthn_ceremonies (id_hash, kind, account_id, name, state, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.id_hash)
    .bind(c.kind.as_str())
    .bind(c.account_id)
    .bind(c.name)
    .bind(c.state)
    .bind(c.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// A ceremony's state, taken out of the store: the row is gone afterwards, so a second
/// answer to the same challenge finds nothing.
#[derive(Debug, sqlx::FromRow)]
pub struct Taken {
    pub account_id: Option<i64>,
    pub name: Option<String>,
    pub state: String,
}

pub async fn take_ceremony(
    pool: &Db,
    id_hash: &str,
    kind: Kind,
    now: UnixTime,
) -> Result<Option<Taken>, sqlx::Error> {
    db::query_as(
        "DELETE FROM webauthn_ceremonies WHERE id_hash = $1 AND kind = $2 AND expires_at > $3 \
         RETURNING account_id, name, state",
    )
    .bind(id_hash)
    .bind(kind.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await
}
