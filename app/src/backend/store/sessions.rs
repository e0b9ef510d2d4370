//! Web sessions, looked up by the hash of the cookie's token.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{time::UnixTime, Role};

/// A session joined with the account it belongs to.
#[derive(Debug, Clone)]
pub struct SessionWithAccount {
    pub id: i64,
    pub account_id: i64,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub authenticated_at: UnixTime,
    pub email: String,
    pub role: Role,
    pub enabled: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    account_id: i64,
    created_at: i64,
    last_seen_at: i64,
    authenticated_at: i64,
    email: String,
    role: String,
    enabled: bool,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account_id: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert(
    conn: &mut Conn<'_>,
    new: NewSession<'_>,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, authenticated_at, ip, user_agent) \
         VALUES ($1, $2, $3, $3, $3, $4, $5) RETURNING id",
    )
    .bind(new.token_hash)
    .bind(new.account_id)
    .bind(now)
    .bind(new.ip)
    .bind(new.user_agent)
    .fetch_one(conn)
    .await
}

pub async fn find(pool: &Db, token_hash: &str) -> Result<Option<SessionWithAccount>, sqlx::Error> {
    let row: Option<Row> = db::query_as(
        "SELECT s.id, s.account_id, s.created_at, s.last_seen_at, s.authenticated_at, \
                a.email, a.role, a.enabled \
         FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionWithAccount {
            id: r.id,
            account_id: r.account_id,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            authenticated_at: r.authenticated_at,
            role: r
                .role
                .parse()
                .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
            email: r.email,
            enabled: r.enabled,
        })
    })
    .transpose()
}

pub async fn touch(pool: &Db, id: i64, now: UnixTime) -> Result<(), sqlx::Error> {
    db::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn mark_authenticated(pool: &Db, id: i64, now: UnixTime) -> Result<(), sqlx::Error> {
    db::query("UPDATE sessions SET authenticated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete(pool: &Db, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_by_token_hash(pool: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes one of an account's sessions; false when it is not that account's.
pub async fn delete_owned(pool: &Db, account_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let r = db::query("DELETE FROM sessions WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Ends every session of an account but `keep` (the caller's own, when given).
pub async fn delete_all_for_account(
    conn: &mut Conn<'_>,
    account_id: i64,
    keep: Option<i64>,
) -> Result<u64, sqlx::Error> {
    let r = db::query("DELETE FROM sessions WHERE account_id = $1 AND id <> $2")
        .bind(account_id)
        .bind(keep.unwrap_or(-1))
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionListing {
    pub id: i64,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// An account's sessions that have not timed out, most recently used first.
pub async fn list_live(
    pool: &Db,
    account_id: i64,
    idle_cutoff: UnixTime,
    absolute_cutoff: UnixTime,
) -> Result<Vec<SessionListing>, sqlx::Error> {
    db::query_as(
        "SELECT id, ip, user_agent, created_at, last_seen_at FROM sessions \
         WHERE account_id = $1 AND last_seen_at >= $2 AND created_at >= $3 \
         ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(account_id)
    .bind(idle_cutoff)
    .bind(absolute_cutoff)
    .fetch_all(pool)
    .await
}

/// Removes sessions past either timeout (run now and then; expiry itself is checked per request).
pub async fn purge_expired(
    pool: &Db,
    idle_cutoff: UnixTime,
    absolute_cutoff: UnixTime,
) -> Result<u64, sqlx::Error> {
    let r = db::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(idle_cutoff)
        .bind(absolute_cutoff)
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}
