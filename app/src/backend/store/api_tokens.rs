//! API tokens (see migration 0029).

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{grant::Areas, time::UnixTime};

/// A token as the check reads it, with its owner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Found {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub role: String,
    pub enabled: bool,
    pub areas: i64,
    pub may_write: bool,
    pub all_domains: bool,
    pub allowed_ips: String,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
}

/// A token as its owner's list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub areas: i64,
    pub may_write: bool,
    pub all_domains: bool,
    pub allowed_ips: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
}

pub struct NewToken<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub prefix: &'a str,
    pub areas: Areas,
    pub write: bool,
    /// None: every domain of the owner's.
    pub domain_ids: Option<&'a [i64]>,
    /// One network a line.
    pub allowed_ips: &'a str,
    pub expires_at: Option<UnixTime>,
}

pub async fn find(pool: &Db, secret_hash: &str) -> Result<Option<Found>, sqlx::Error> {
    db::query_as(
        "SELECT t.id, t.account_id, a.email, a.role, a.enabled, t.areas, t.may_write, \
                t.all_domains, t.allowed_ips, t.expires_at, t.last_used_at, t.last_used_ip \
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.secret_hash = $1",
    )
    .bind(secret_hash)
    .fetch_optional(pool)
    .await
}

/// The domains a token is limited to.
pub async fn domain_ids(pool: &Db, token_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    db::query_scalar(
        "SELECT domain_id FROM api_token_domains WHERE token_id = $1 ORDER BY domain_id",
    )
    .bind(token_id)
    .fetch_all(pool)
    .await
}

/// The domain names of each of an account's tokens that is limited to some, by token id.
pub async fn domain_names(pool: &Db, account_id: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    db::query_as(
        "SELECT d.token_id, m.name FROM api_token_domains d \
         JOIN api_tokens t ON t.id = d.token_id JOIN domains m ON m.id = d.domain_id \
         WHERE t.account_id = $1 ORDER BY m.name",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

pub async fn list(pool: &Db, account_id: i64) -> Result<Vec<Listed>, sqlx::Error> {
    db::query_as(
        "SELECT id, name, prefix, areas, may_write, all_domains, allowed_ips, created_at, \
                expires_at, last_used_at, last_used_ip \
         FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// Stores a token; `None` when the owner has one by that name already.
pub async fn insert(
    conn: &mut Conn<'_>,
    new: NewToken<'_>,
    now: UnixTime,
) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<i64> = db::query_scalar(
        "INSERT INTO api_tokens (account_id, name, secret_hash, prefix, areas, may_write, \
                                 all_domains, allowed_ips, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (account_id, name) DO NOTHING RETURNING id",
    )
    .bind(new.account_id)
    .bind(new.name)
    .bind(new.secret_hash)
    .bind(new.prefix)
    .bind(new.areas.bits())
    .bind(new.write)
    .bind(new.domain_ids.is_none())
    .bind(new.allowed_ips)
    .bind(now)
    .bind(new.expires_at)
    .fetch_optional(conn.reborrow())
    .await?;
    if let (Some(id), Some(domains)) = (id, new.domain_ids) {
        for domain in domains {
            db::query("INSERT INTO api_token_domains (token_id, domain_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*domain)
                .execute(conn.reborrow())
                .await?;
        }
    }
    Ok(id)
}

/// Deletes one of an account's tokens; its name, or `None` when there was none.
pub async fn delete(pool: &Db, account_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    db::query_scalar("DELETE FROM api_tokens WHERE id = $1 AND account_id = $2 RETURNING name")
        .bind(id)
        .bind(account_id)
        .fetch_optional(pool)
        .await
}

/// Notes a use: written when the address changes or a minute has passed, so that a busy
/// script does not write on every call.
pub async fn mark_used(
    pool: &Db,
    found: &Found,
    ip: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let fresh = found.last_used_at.is_some_and(|at| now - at < 60)
        && found.last_used_ip.as_deref() == Some(ip);
    if !fresh {
        db::query("UPDATE api_tokens SET last_used_at = $1, last_used_ip = $2 WHERE id = $3")
            .bind(now)
            .bind(ip)
            .bind(found.id)
            .execute(pool)
            .await?;
    }
    Ok(())
}
