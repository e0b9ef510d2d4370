//! A person's own whitelist and blacklist (see migration 0021): the one-click fixes write
//! them, the person's account screen lists and removes them, and the pipeline reads them
//! for the mailboxes a message is for.

use crate::backend::store::db::{self, Builder, Db};
use crate::model::{
    sender_fix::PersonalEntry,
    sender_list::{List, Sender},
    time::UnixTime,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    list: String,
    pattern: String,
    created_at: i64,
}

/// The person's entries: whitelist first, then by sender.
pub async fn list(pool: &Db, account_id: i64) -> Result<Vec<PersonalEntry>, sqlx::Error> {
    let rows: Vec<Row> = db::query_as(
        "SELECT id, list, pattern, created_at FROM personal_sender_entries \
         WHERE account_id = $1 ORDER BY list DESC, pattern",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PersonalEntry {
            id: r.id,
            list: List::parse(&r.list).unwrap_or(List::Blacklist),
            sender: r.pattern,
            created_at: r.created_at,
        })
        .collect())
}

/// Puts `sender` on the person's `list`, moving it from the other one; the list it was on
/// before, if any.
pub async fn put(
    pool: &Db,
    account_id: i64,
    list: List,
    sender: &Sender,
    now: UnixTime,
) -> Result<Option<List>, sqlx::Error> {
    let mut tx = super::write(pool).await?;
    let was: Option<String> = db::query_scalar(
        "SELECT list FROM personal_sender_entries WHERE account_id = $1 AND pattern = $2",
    )
    .bind(account_id)
    .bind(sender.to_string())
    .fetch_optional(&mut tx.conn())
    .await?;
    db::query(
        "INSERT INTO personal_sender_entries (account_id, list, kind, pattern, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id, pattern) DO UPDATE SET list = excluded.list, \
         created_at = CASE WHEN personal_sender_entries.list = excluded.list \
         THEN personal_sender_entries.created_at ELSE excluded.created_at END",
    )
    .bind(account_id)
    .bind(list.as_str())
    .bind(sender.kind().as_str())
    .bind(sender.to_string())
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    tx.commit().await?;
    Ok(was.and_then(|w| List::parse(&w).ok()))
}

/// Removes the person's entry `id`; what it was, when it was theirs.
pub async fn remove(
    pool: &Db,
    account_id: i64,
    id: i64,
) -> Result<Option<(List, String)>, sqlx::Error> {
    let removed: Option<(String, String)> = db::query_as(
        "DELETE FROM personal_sender_entries WHERE id = $1 AND account_id = $2 \
         RETURNING list, pattern",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(pool)
    .await?;
    Ok(removed.map(|(list, pattern)| (List::parse(&list).unwrap_or(List::Blacklist), pattern)))
}

/// An entry of one of the mailboxes a message is for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Match {
    pub account_id: i64,
    pub list: String,
    pub pattern: String,
}

/// The entries of `account_ids` that name one of `patterns` (an address, its domain and
/// that domain's parents).
pub async fn matching(
    pool: &Db,
    account_ids: &[i64],
    patterns: &[String],
) -> Result<Vec<Match>, sqlx::Error> {
    if account_ids.is_empty() || patterns.is_empty() {
        return Ok(Vec::new());
    }
    let mut b = Builder::new(
        "SELECT account_id, list, pattern FROM personal_sender_entries WHERE pattern IN (",
    );
    let mut names = b.separated(", ");
    for p in patterns {
        names.push_bind(p.clone());
    }
    b.push(") AND account_id IN (");
    let mut ids = b.separated(", ");
    for id in account_ids {
        ids.push_bind(*id);
    }
    b.push(") ORDER BY account_id, id");
    b.build_query_as().fetch_all(pool).await
}
