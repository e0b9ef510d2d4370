//! Counts for the Statistics screen (see migration 0019): each logged message adds to its
//! domain's hour and verdict.

use super::mail_log::Entry;
use crate::backend::store::db::{self, Builder, Conn, Db};
use crate::model::time::UnixTime;

/// Counts stay this long (a year and a month: the Months view and its comparison).
pub const KEEP_SECS: i64 = 400 * 86_400;

/// Adds a logged message to its domain's hour (inside the caller's transaction). Its
/// domain is its recipients' (a taken one's first); recipients refused at RCPT carry no
/// domain id, so theirs is found by name.
pub async fn count(conn: &mut Conn<'_>, entry: &Entry) -> Result<(), sqlx::Error> {
    let domain_id = entry
        .recipients
        .iter()
        .filter(|r| r.domain_id.is_some())
        .max_by_key(|r| r.accepted)
        .and_then(|r| r.domain_id);
    let domain_name = entry
        .recipients
        .first()
        .and_then(|r| r.address.rsplit_once('@'))
        .map(|(_, d)| d.to_ascii_lowercase());
    db::query(
        "INSERT INTO mail_stats (domain_id, hour, verdict, messages, bytes) \
         VALUES (coalesce((SELECT coalesce(alias_of, id) FROM domains WHERE id = $1), \
                          (SELECT coalesce(alias_of, id) FROM domains WHERE name = $5), 0), \
                 $2, $3, 1, $4) \
         ON CONFLICT (domain_id, hour, verdict) DO UPDATE SET \
             messages = mail_stats.messages + 1, bytes = mail_stats.bytes + excluded.bytes",
    )
    .bind(domain_id)
    .bind(entry.at.div_euclid(3600) * 3600)
    .bind(entry.verdict.as_str())
    .bind(entry.size.max(0))
    .bind(domain_name)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which domains' counts to add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Domains {
    /// Every count, mail of no domain of ours included (a master admin's total).
    All,
    Only(Vec<i64>),
}

/// The counts from `since` to `until` (exclusive), added up per `grain` seconds (3600 or
/// 86 400; a day is UTC) and verdict: (the grain's first second, verdict, messages, bytes).
pub async fn sums(
    pool: &Db,
    domains: &Domains,
    since: UnixTime,
    until: UnixTime,
    grain: i64,
) -> Result<Vec<(i64, String, i64, i64)>, sqlx::Error> {
    let mut b: Builder<'_> = Builder::new("SELECT hour / ");
    b.push_bind(grain)
        .push(" * ")
        .push_bind(grain)
        .push(
            " AS start, verdict, CAST(sum(messages) AS BIGINT), CAST(sum(bytes) AS BIGINT) \
             FROM mail_stats WHERE hour >= ",
        )
        .push_bind(since)
        .push(" AND hour < ")
        .push_bind(until);
    if let Domains::Only(ids) = domains {
        b.push(" AND domain_id IN ").push_ids(ids);
    }
    b.push(" GROUP BY start, verdict ORDER BY start");
    b.build_query_as().fetch_all(pool).await
}

/// Deletes counts older than `KEEP_SECS`; how many hours' rows.
pub async fn purge_expired(pool: &Db, now: UnixTime) -> Result<u64, sqlx::Error> {
    Ok(db::query("DELETE FROM mail_stats WHERE hour < $1")
        .bind(now - KEEP_SECS)
        .execute(pool)
        .await?
        .rows_affected())
}
