//! What authenticated submission keeps (see migration 0024): the messages each person sent,
//! the people blocked from sending, and the domains' hourly limits.

use super::reader::{push_domain_ids, Reader};
use crate::backend::store::db::{self, Builder, Db};
use crate::model::{submission::BlockedSender, time::UnixTime};

/// The messages `account_id` sent since `since`.
pub async fn sent_since(pool: &Db, account_id: i64, since: UnixTime) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT count(*) FROM sent_mail WHERE account_id = $1 AND at > $2")
        .bind(account_id)
        .bind(since)
        .fetch_one(pool)
        .await
}

/// Counts one message sent to `recipients` recipients.
pub async fn record(
    pool: &Db,
    account_id: i64,
    recipients: usize,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query("INSERT INTO sent_mail (account_id, at, recipients) VALUES ($1, $2, $3)")
        .bind(account_id)
        .bind(now)
        .bind(recipients as i64)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets messages sent before `before`; how many.
pub async fn purge_sent(pool: &Db, before: UnixTime) -> Result<u64, sqlx::Error> {
    Ok(db::query("DELETE FROM sent_mail WHERE at < $1")
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected())
}

/// The hourly limit `account_id` was blocked at, if they are blocked.
pub async fn blocked(pool: &Db, account_id: i64) -> Result<Option<i64>, sqlx::Error> {
    db::query_scalar("SELECT hourly_limit FROM blocked_senders WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(pool)
        .await
}

/// Blocks `account_id` from sending; false when they were blocked already.
pub async fn block(
    pool: &Db,
    account_id: i64,
    limit: i64,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "INSERT INTO blocked_senders (account_id, blocked_at, hourly_limit) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(now)
    .bind(limit)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Lets `account_id` send again; false when they were not blocked.
pub async fn unblock(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let done = db::query("DELETE FROM blocked_senders WHERE account_id = $1")
        .bind(account_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The domain's hourly limit, when it sets one.
pub async fn domain_limit(pool: &Db, domain_id: i64) -> Result<Option<i64>, sqlx::Error> {
    db::query_scalar("SELECT send_limit FROM domains WHERE id = $1")
        .bind(domain_id)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

fn push_scope(b: &mut Builder<'_>, reader: &Reader) {
    match reader {
        Reader::All => {
            b.push("1 = 1");
        }
        Reader::Domains(ids) => {
            b.push("a.domain_id IN ");
            push_domain_ids(b, ids);
        }
        Reader::Address(address) => {
            b.push("a.email = ").push_bind(address.clone());
        }
    }
}

/// The blocked senders the reader may see, with what they sent in the 24 hours before
/// `now`, most recently blocked first.
pub async fn list_blocked(
    pool: &Db,
    reader: &Reader,
    now: UnixTime,
) -> Result<Vec<BlockedSender>, sqlx::Error> {
    let mut b = Builder::new(
        "SELECT a.id, a.email, b.blocked_at, b.hourly_limit, \
         (SELECT count(*) FROM sent_mail s WHERE s.account_id = a.id AND s.at > ",
    );
    b.push_bind(now - 86_400)
        .push(") AS sent_day FROM blocked_senders b JOIN accounts a ON a.id = b.account_id WHERE ");
    push_scope(&mut b, reader);
    b.push(" ORDER BY b.blocked_at DESC, a.email");
    let rows: Vec<(i64, String, i64, i64, i64)> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(
            |(account_id, email, blocked_at, limit, sent_day)| BlockedSender {
                account_id,
                email,
                blocked_at,
                hourly_limit: limit,
                sent_day,
            },
        )
        .collect())
}
