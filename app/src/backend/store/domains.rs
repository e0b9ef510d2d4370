//! Domains the portal serves mail for.

use crate::model::{rows::DomainRow, time::UnixTime, DomainName};
use sqlx::{SqliteExecutor, SqlitePool};

/// Inserts a domain with its verification token; an existing name comes back as a unique
/// violation.
pub async fn insert(
    pool: &SqlitePool,
    name: &DomainName,
    token: &str,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO domains (name, verification_token, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name.as_str())
    .bind(token)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Gives a domain made before verification existed its token (only if it still has none).
pub async fn set_token_if_missing(
    pool: &SqlitePool,
    id: i64,
    token: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE domains SET verification_token = $2 WHERE id = $1 AND verification_token IS NULL",
    )
    .bind(id)
    .bind(token)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn mark_verified(pool: &SqlitePool, id: i64, now: UnixTime) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE domains SET verified_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn find(pool: &SqlitePool, id: i64) -> Result<Option<DomainRow>, sqlx::Error> {
    sqlx::query_as(&format!("{LIST} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn find_id<'e>(
    db: impl SqliteExecutor<'e>,
    name: &DomainName,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM domains WHERE name = $1")
        .bind(name.as_str())
        .fetch_optional(db)
        .await
}

/// The names of all domains served here.
pub async fn names(pool: &SqlitePool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM domains ORDER BY name")
        .fetch_all(pool)
        .await
}

const LIST: &str = "SELECT d.id, d.name, d.created_at, d.verification_token, d.verified_at, \
       (SELECT COUNT(*) FROM accounts a WHERE a.domain_id = d.id) AS mailbox_count \
     FROM domains d";

pub async fn list_all(pool: &SqlitePool) -> Result<Vec<DomainRow>, sqlx::Error> {
    sqlx::query_as(&format!("{LIST} ORDER BY d.name"))
        .fetch_all(pool)
        .await
}

/// The domains one domain admin administers.
pub async fn list_administered_by(
    pool: &SqlitePool,
    account_id: i64,
) -> Result<Vec<DomainRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{LIST} JOIN domain_admins da ON da.domain_id = d.id WHERE da.account_id = $1 ORDER BY d.name"
    ))
    .bind(account_id)
    .fetch_all(pool)
    .await
}
