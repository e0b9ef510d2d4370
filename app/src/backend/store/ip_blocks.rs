//! Client IPs blocked for a while after a burst of refused logins (see
//! `backend::auth::throttle::record_ip_burst`).

use crate::model::time::UnixTime;
use sqlx::SqlitePool;

/// Blocks `ip` until `until`, or moves an existing block's end.
pub async fn block(
    pool: &SqlitePool,
    ip: &str,
    now: UnixTime,
    until: UnixTime,
    attempts: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
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
    pool: &SqlitePool,
    ip: &str,
    now: UnixTime,
) -> Result<Option<UnixTime>, sqlx::Error> {
    sqlx::query_scalar("SELECT until FROM ip_blocks WHERE ip = $1 AND until > $2")
        .bind(ip)
        .bind(now)
        .fetch_optional(pool)
        .await
}
