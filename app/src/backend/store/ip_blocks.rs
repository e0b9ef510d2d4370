//! Client IPs blocked for a while after a burst of refused logins (see
//! `backend::auth::throttle::record_ip_burst`).

use crate::backend::store::db::{self, Db};
use crate::model::time::UnixTime;

/// Blocks `ip` until `until`, or moves an existing block's end.
pub async fn block(
    pool: &Db,
    ip: &str,
    now: UnixTime,
    until: UnixTime,
    attempts: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO ip_blocks (ip, blocked_at, until, attempts, reason) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (ip) DO UPDATE SET blocked_at = $2, until = $3, attempts = $4, reason = $5",
    )
    .bind(ip)
    .bind(now)
    .bind(until)
    .bind(attempts)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// When the block on `ip` ends, if it is blocked now.
pub async fn blocked_until(
    pool: &Db,
    ip: &str,
    now: UnixTime,
) -> Result<Option<UnixTime>, sqlx::Error> {
    db::query_scalar("SELECT until FROM ip_blocks WHERE ip = $1 AND until > $2")
        .bind(ip)
        .bind(now)
        .fetch_optional(pool)
        .await
}

/// The block on `ip` (until when, why), if it is blocked now.
pub async fn block_of(
    pool: &Db,
    ip: &str,
    now: UnixTime,
) -> Result<Option<(UnixTime, String)>, sqlx::Error> {
    db::query_as("SELECT until, reason FROM ip_blocks WHERE ip = $1 AND until > $2")
        .bind(ip)
        .bind(now)
        .fetch_optional(pool)
        .await
}

/// The IPs blocked now.
pub async fn active(pool: &Db, now: UnixTime) -> Result<Vec<String>, sqlx::Error> {
    db::query_scalar("SELECT ip FROM ip_blocks WHERE until > $1")
        .bind(now)
        .fetch_all(pool)
        .await
}

/// Ends the block on `ip` now; the row stays, saying who lifted it.
pub async fn lift(pool: &Db, ip: &str, now: UnixTime, by: &str) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE ip_blocks SET until = $2, reason = reason || '; lifted by ' || $3 \
         WHERE ip = $1 AND until > $2",
    )
    .bind(ip)
    .bind(now)
    .bind(by)
    .execute(pool)
    .await?;
    Ok(())
}
