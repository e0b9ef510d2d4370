//! Recipient callouts: each domain's switch and the answers kept (migration 0017).

use crate::backend::store::db::{self, Db};
use crate::model::time::UnixTime;

pub async fn enabled(pool: &Db, domain_id: i64) -> Result<bool, sqlx::Error> {
    let on: Option<bool> = db::query_scalar("SELECT recipient_callouts FROM domains WHERE id = $1")
        .bind(domain_id)
        .fetch_optional(pool)
        .await?;
    Ok(on.unwrap_or(false))
}

pub async fn set_enabled(pool: &Db, domain_id: i64, on: bool) -> Result<(), sqlx::Error> {
    db::query("UPDATE domains SET recipient_callouts = $2 WHERE id = $1")
        .bind(domain_id)
        .bind(on)
        .execute(pool)
        .await?;
    Ok(())
}

/// The kept answer for `address` if it was checked after `since`: (known, reply).
pub async fn cached(
    pool: &Db,
    domain_id: i64,
    address: &str,
) -> Result<Option<(bool, String, UnixTime)>, sqlx::Error> {
    db::query_as(
        "SELECT known, reply, checked_at FROM callout_cache WHERE domain_id = $1 AND address = $2",
    )
    .bind(domain_id)
    .bind(address)
    .fetch_optional(pool)
    .await
}

pub async fn remember(
    pool: &Db,
    domain_id: i64,
    address: &str,
    known: bool,
    reply: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO callout_cache (domain_id, address, known, reply, checked_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain_id, address) DO UPDATE SET \
         known = excluded.known, reply = excluded.reply, checked_at = excluded.checked_at",
    )
    .bind(domain_id)
    .bind(address)
    .bind(known)
    .bind(reply)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Answers kept for the domain.
pub async fn count(pool: &Db, domain_id: i64) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT COUNT(*) FROM callout_cache WHERE domain_id = $1")
        .bind(domain_id)
        .fetch_one(pool)
        .await
}

/// Forgets the domain's answers; how many there were.
pub async fn clear(pool: &Db, domain_id: i64) -> Result<u64, sqlx::Error> {
    let done = db::query("DELETE FROM callout_cache WHERE domain_id = $1")
        .bind(domain_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
