//! TOTP factors: the sealed secret, whether it is on, the last used step and the run of
//! wrong codes.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::time::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpFactor {
    pub secret_sealed: Vec<u8>,
    pub enabled_at: Option<UnixTime>,
    pub last_step: Option<i64>,
    pub failures: i64,
    pub locked_at: Option<UnixTime>,
}

pub async fn find(pool: &Db, account_id: i64) -> Result<Option<TotpFactor>, sqlx::Error> {
    db::query_as(
        "SELECT secret_sealed, enabled_at, last_step, failures, locked_at \
         FROM totp_factors WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// True when the account has TOTP turned on.
pub async fn is_enabled(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let on: Option<i64> = db::query_scalar(
        "SELECT CAST(1 AS BIGINT) FROM totp_factors WHERE account_id = $1 AND enabled_at IS NOT NULL",
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await?;
    Ok(on.is_some())
}

/// Offers a new secret, replacing an earlier offer; never touches a factor that is on.
/// Returns false when TOTP is already on.
pub async fn offer(
    pool: &Db,
    account_id: i64,
    sealed: &[u8],
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "INSERT INTO totp_factors (account_id, secret_sealed, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, \
             created_at = excluded.created_at, last_step = NULL, failures = 0, locked_at = NULL \
         WHERE totp_factors.enabled_at IS NULL",
    )
    .bind(account_id)
    .bind(sealed)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records `step` as used, only if it is later than the last used one. Exactly one of any
/// number of concurrent calls with the same step succeeds: the replay guard.
pub async fn claim_step(
    conn: &mut Conn<'_>,
    account_id: i64,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "UPDATE totp_factors SET last_step = $2, failures = 0 \
         WHERE account_id = $1 AND (last_step IS NULL OR last_step < $2)",
    )
    .bind(account_id)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn enable(
    conn: &mut Conn<'_>,
    account_id: i64,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE totp_factors SET enabled_at = $2 WHERE account_id = $1")
        .bind(account_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts a wrong code; locks the codes when the run reaches `lock_after`. Returns the run.
pub async fn record_failure(
    pool: &Db,
    account_id: i64,
    lock_after: i64,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "UPDATE totp_factors SET failures = failures + 1, \
             locked_at = CASE WHEN failures + 1 >= $2 THEN COALESCE(locked_at, $3) ELSE locked_at END \
         WHERE account_id = $1 RETURNING failures",
    )
    .bind(account_id)
    .bind(lock_after)
    .bind(now)
    .fetch_optional(pool)
    .await
    .map(Option::unwrap_or_default)
}

/// Ends a lock and the run of failures. Returns false when there was nothing to unlock.
pub async fn unlock(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "UPDATE totp_factors SET failures = 0, locked_at = NULL \
         WHERE account_id = $1 AND (locked_at IS NOT NULL OR failures > 0)",
    )
    .bind(account_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn<'_>, account_id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM totp_factors WHERE account_id = $1")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}
