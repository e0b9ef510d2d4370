//! Recovery codes: argon2id hashes, each usable once.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::time::UnixTime;

/// An unused code's row id and hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unused {
    pub id: i64,
    pub code_hash: String,
}

/// Replaces the account's codes with `hashes`: the old set stops working in the same
/// transaction.
pub async fn replace(
    conn: &mut Conn<'_>,
    account_id: i64,
    hashes: &[String],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    delete_all(&mut *conn, account_id).await?;
    for hash in hashes {
        db::query(
            "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(account_id)
        .bind(hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn delete_all(conn: &mut Conn<'_>, account_id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unused(pool: &Db, account_id: i64) -> Result<Vec<Unused>, sqlx::Error> {
    db::query_as(
        "SELECT id, code_hash FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

pub async fn count_unused(pool: &Db, account_id: i64) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await
}

/// Marks a code used; false when another request used it first.
pub async fn use_once(pool: &Db, id: i64, now: UnixTime) -> Result<bool, sqlx::Error> {
    let done =
        db::query("UPDATE recovery_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}
