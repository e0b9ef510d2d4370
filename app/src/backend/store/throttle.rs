//! Failed sign-in counters (see `backend::auth::throttle` for the policy).

use crate::backend::store::db::{self, Db};
use crate::model::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Counter {
    pub failures: i64,
    pub window_started_at: i64,
    pub last_failure_at: i64,
}

pub async fn get(pool: &Db, key: &str) -> Result<Option<Counter>, sqlx::Error> {
    db::query_as(
        "SELECT failures, window_started_at, last_failure_at FROM login_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await
}

/// Counts one failure in one statement, starting a new window when the old one is over,
/// so concurrent failures are all counted; answers the failures now in the window.
pub async fn record_failure(
    pool: &Db,
    key: &str,
    now: UnixTime,
    window_secs: i64,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO login_throttle (key, failures, window_started_at, last_failure_at) VALUES ($1, 1, $2, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_started_at <= $3 THEN 1 ELSE login_throttle.failures + 1 END, \
           window_started_at = CASE WHEN login_throttle.window_started_at <= $3 THEN $2 ELSE login_throttle.window_started_at END, \
           last_failure_at = $2 \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_secs)
    .fetch_one(pool)
    .await
}

pub async fn clear(pool: &Db, key: &str) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}
