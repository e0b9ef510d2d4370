//! Single-use links (first-start setup, password reset), stored by the hash of their token.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Setup,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Setup => "setup",
            Purpose::PasswordReset => "password_reset",
        }
    }
}

pub async fn insert(
    conn: &mut Conn<'_>,
    token_hash: &str,
    purpose: Purpose,
    account_id: Option<i64>,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO one_time_links (token_hash, purpose, account_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// True when the link exists, is unused and has not expired.
pub async fn is_usable(
    pool: &Db,
    token_hash: &str,
    purpose: Purpose,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let n: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM one_time_links \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// Marks the link used, in the caller's transaction. `None` when it is unknown, used or
/// expired; the conditional UPDATE makes two concurrent uses yield exactly one success.
/// `Some(account_id)` otherwise (the account is `None` for a setup link).
pub async fn consume(
    conn: &mut Conn<'_>,
    token_hash: &str,
    purpose: Purpose,
    now: UnixTime,
) -> Result<Option<Option<i64>>, sqlx::Error> {
    db::query_scalar(
        "UPDATE one_time_links SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING account_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await
}

/// Voids every unused link of one purpose, e.g. the setup link once an admin exists.
pub async fn void_all(
    conn: &mut Conn<'_>,
    purpose: Purpose,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE one_time_links SET used_at = $1 WHERE purpose = $2 AND used_at IS NULL")
        .bind(now)
        .bind(purpose.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// The account a usable link belongs to (`None` when unknown, used or expired).
pub async fn account_of(
    pool: &Db,
    token_hash: &str,
    purpose: Purpose,
    now: UnixTime,
) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<Option<i64>> = db::query_scalar(
        "SELECT account_id FROM one_time_links \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(id.flatten())
}

/// Issues a link for an account unless one was issued at or after `since`; requests for
/// one account and purpose take turns (`Tx::serialize`), so concurrent ones, on one
/// instance or several, issue one link. True when it was issued.
pub async fn insert_unless_recent(
    pool: &Db,
    token_hash: &str,
    purpose: Purpose,
    account_id: i64,
    now: UnixTime,
    expires_at: UnixTime,
    since: UnixTime,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.write().await?;
    tx.serialize(&format!(
        "{} links of account {account_id}",
        purpose.as_str()
    ))
    .await?;
    let r = db::query(
        "INSERT INTO one_time_links (token_hash, purpose, account_id, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS ( \
           SELECT 1 FROM one_time_links WHERE purpose = $2 AND account_id = $3 AND created_at >= $6)",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .bind(since)
    .execute(&mut tx.conn())
    .await?;
    tx.commit().await?;
    Ok(r.rows_affected() == 1)
}

/// Voids an account's unused links of one purpose except the one just issued.
pub async fn void_others(
    pool: &Db,
    purpose: Purpose,
    account_id: i64,
    keep_hash: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE one_time_links SET used_at = $1 \
         WHERE purpose = $2 AND account_id = $3 AND token_hash <> $4 AND used_at IS NULL",
    )
    .bind(now)
    .bind(purpose.as_str())
    .bind(account_id)
    .bind(keep_hash)
    .execute(pool)
    .await?;
    Ok(())
}
