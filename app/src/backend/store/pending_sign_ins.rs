//! Sign-ins whose password was right and whose second factor is still to come.

use crate::backend::store::db::{self, Db};
use crate::model::time::UnixTime;

pub async fn insert(
    pool: &Db,
    token_hash: &str,
    account_id: i64,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    // Old tickets of the account go: only the newest password step counts.
    db::query("DELETE FROM pending_sign_ins WHERE account_id = $1 OR expires_at <= $2")
        .bind(account_id)
        .bind(now)
        .execute(pool)
        .await?;
    db::query(
        "INSERT INTO pending_sign_ins (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The account waiting behind a live ticket.
pub async fn account_of(
    pool: &Db,
    token_hash: &str,
    now: UnixTime,
) -> Result<Option<i64>, sqlx::Error> {
    db::query_scalar(
        "SELECT account_id FROM pending_sign_ins WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Ends the ticket; false when it was already used (or never existed).
pub async fn take(pool: &Db, token_hash: &str) -> Result<bool, sqlx::Error> {
    let done = db::query("DELETE FROM pending_sign_ins WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
