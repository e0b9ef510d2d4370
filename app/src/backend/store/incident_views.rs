//! When each admin last opened the security incident list: what came after is new to them.

use crate::backend::store::db::{self, Db};
use crate::model::time::UnixTime;

/// When the admin last opened the incident list (0: never).
pub async fn seen_at(pool: &Db, viewer: i64) -> Result<UnixTime, sqlx::Error> {
    let at: Option<UnixTime> =
        db::query_scalar("SELECT seen_at FROM incident_views WHERE account_id = $1")
            .bind(viewer)
            .fetch_optional(pool)
            .await?;
    Ok(at.unwrap_or(0))
}

pub async fn mark_seen(pool: &Db, viewer: i64, now: UnixTime) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO incident_views (account_id, seen_at) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO UPDATE SET seen_at = CASE \
         WHEN excluded.seen_at > incident_views.seen_at THEN excluded.seen_at \
         ELSE incident_views.seen_at END",
    )
    .bind(viewer)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
