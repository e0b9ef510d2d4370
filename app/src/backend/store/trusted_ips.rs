//! IP ranges marked safe for one user's logins (see migration 0027).

use crate::backend::store::db::{self, Builder, Db};
use crate::model::{security::TrustedIpRow, time::UnixTime};

pub struct NewTrustedIp<'a> {
    pub account_id: i64,
    /// The range as `Cidr` displays it.
    pub network: &'a str,
    pub description: &'a str,
    /// Who marked it (an address, or "command line").
    pub created_by: &'a str,
}

/// Stores the range; `false` when the account has it already.
pub async fn add(pool: &Db, new: NewTrustedIp<'_>, now: UnixTime) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "INSERT INTO trusted_login_ips (account_id, network, description, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, network) DO NOTHING",
    )
    .bind(new.account_id)
    .bind(new.network)
    .bind(new.description)
    .bind(now)
    .bind(new.created_by)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

const SELECT: &str = "SELECT t.id, a.email, t.network, t.description, t.created_at, t.created_by \
     FROM trusted_login_ips t JOIN accounts a ON a.id = t.account_id";

/// The ranges of these accounts, with each one's account id.
pub async fn of_accounts(
    pool: &Db,
    account_ids: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut b: Builder<'_> =
        Builder::new("SELECT account_id, network FROM trusted_login_ips WHERE account_id IN ");
    b.push_ids(account_ids);
    b.build_query_as().fetch_all(pool).await
}

/// One account's ranges, newest first.
pub async fn of_account(pool: &Db, account_id: i64) -> Result<Vec<TrustedIpRow>, sqlx::Error> {
    db::query_as(&format!(
        "{SELECT} WHERE t.account_id = $1 ORDER BY t.id DESC"
    ))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// The ranges of a domain's accounts, by address then newest first.
pub async fn of_domain(pool: &Db, domain_id: i64) -> Result<Vec<TrustedIpRow>, sqlx::Error> {
    db::query_as(&format!(
        "{SELECT} WHERE a.domain_id = $1 ORDER BY a.email, t.id DESC"
    ))
    .bind(domain_id)
    .fetch_all(pool)
    .await
}

/// The range with this id and the account it belongs to.
pub async fn find(pool: &Db, id: i64) -> Result<Option<(i64, TrustedIpRow)>, sqlx::Error> {
    let account: Option<i64> =
        db::query_scalar("SELECT account_id FROM trusted_login_ips WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let Some(account_id) = account else {
        return Ok(None);
    };
    let row: Option<TrustedIpRow> = db::query_as(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| (account_id, r)))
}

/// Deletes the range; `false` when it was gone already.
pub async fn delete(pool: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = db::query("DELETE FROM trusted_login_ips WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
