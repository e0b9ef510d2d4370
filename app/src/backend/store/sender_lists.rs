//! Antispam sender list entries: the screens' pages and changes, and the pipeline's
//! lookups. An owner is a domain id, or 0 for the global lists (as the unique index spells
//! it, see migration 0015).

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{
    list::{offset, PAGE_SIZE},
    sender_list::{EntryRow, List, Sender, SenderKind},
    time::UnixTime,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    domain_id: Option<i64>,
    list: String,
    kind: String,
    pattern: String,
    description: String,
    added_by: String,
    created_at: i64,
    expires_at: Option<i64>,
    hits: i64,
    last_hit_at: Option<i64>,
}

impl Row {
    fn entry(self) -> (Option<i64>, EntryRow) {
        let list = List::parse(&self.list).unwrap_or(List::Blacklist);
        let kind = SenderKind::parse(&self.kind).unwrap_or(SenderKind::Address);
        let row = EntryRow {
            id: self.id,
            list,
            sender: self.pattern,
            kind,
            description: self.description,
            added_by: self.added_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            hits: self.hits,
            last_hit_at: self.last_hit_at,
        };
        (self.domain_id, row)
    }
}

const SELECT: &str = "SELECT id, domain_id, list, kind, pattern, description, added_by, \
     created_at, expires_at, hits, last_hit_at FROM sender_list_entries";

const MATCHING: &str = "WHERE COALESCE(domain_id, 0) = $1 AND (pattern LIKE $2 ESCAPE '\\' \
     OR LOWER(description) LIKE $2 ESCAPE '\\' OR added_by LIKE $2 ESCAPE '\\' OR list LIKE $2 ESCAPE '\\')";

fn owner(domain_id: Option<i64>) -> i64 {
    domain_id.unwrap_or(0)
}

/// One page of an owner's entries whose sender, description, author or list contains the
/// search (a `like_pattern`): whitelist first, then by sender; and how many match in all.
pub async fn page(
    pool: &Db,
    domain_id: Option<i64>,
    pattern: &str,
    page: i64,
) -> Result<(Vec<EntryRow>, i64), sqlx::Error> {
    let rows: Vec<Row> = db::query_as(&format!(
        "{SELECT} {MATCHING} ORDER BY list DESC, pattern LIMIT $3 OFFSET $4"
    ))
    .bind(owner(domain_id))
    .bind(pattern)
    .bind(PAGE_SIZE)
    .bind(offset(page))
    .fetch_all(pool)
    .await?;
    let total = db::query_scalar(&format!(
        "SELECT COUNT(*) FROM sender_list_entries {MATCHING}"
    ))
    .bind(owner(domain_id))
    .bind(pattern)
    .fetch_one(pool)
    .await?;
    Ok((rows.into_iter().map(|r| r.entry().1).collect(), total))
}

/// Every entry of an owner, for an export.
pub async fn all(pool: &Db, domain_id: Option<i64>) -> Result<Vec<EntryRow>, sqlx::Error> {
    let rows: Vec<Row> = db::query_as(&format!(
        "{SELECT} WHERE COALESCE(domain_id, 0) = $1 ORDER BY list DESC, pattern"
    ))
    .bind(owner(domain_id))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| r.entry().1).collect())
}

/// The entry with this id and its owner's domain id (`None`: global).
pub async fn find(pool: &Db, id: i64) -> Result<Option<(Option<i64>, EntryRow)>, sqlx::Error> {
    let row: Option<Row> = db::query_as(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(Row::entry))
}

/// The owner's entry for this sender, on either list.
pub async fn find_sender(
    conn: &mut Conn<'_>,
    domain_id: Option<i64>,
    sender: &Sender,
) -> Result<Option<EntryRow>, sqlx::Error> {
    let row: Option<Row> = db::query_as(&format!(
        "{SELECT} WHERE COALESCE(domain_id, 0) = $1 AND pattern = $2"
    ))
    .bind(owner(domain_id))
    .bind(sender.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.entry().1))
}

/// A new entry's facts.
pub struct NewEntry<'a> {
    pub domain_id: Option<i64>,
    pub list: List,
    pub sender: &'a Sender,
    pub description: &'a str,
    pub added_by: &'a str,
    pub expires_at: Option<UnixTime>,
}

/// Inserts an entry; a sender the owner has listed already comes back as a unique
/// violation.
pub async fn insert(
    conn: &mut Conn<'_>,
    entry: &NewEntry<'_>,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO sender_list_entries \
         (domain_id, list, kind, pattern, description, added_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(entry.domain_id)
    .bind(entry.list.as_str())
    .bind(entry.sender.kind().as_str())
    .bind(entry.sender.to_string())
    .bind(entry.description)
    .bind(entry.added_by)
    .bind(now)
    .bind(entry.expires_at)
    .fetch_one(conn)
    .await
}

/// Changes an entry's list, description and expiry (an import does).
pub async fn update(
    conn: &mut Conn<'_>,
    id: i64,
    list: List,
    description: &str,
    expires_at: Option<UnixTime>,
) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE sender_list_entries SET list = $2, description = $3, expires_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(list.as_str())
    .bind(description)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(pool: &Db, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM sender_list_entries WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// An entry the pipeline found for a message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Match {
    pub id: i64,
    /// `None`: a global entry.
    pub domain_id: Option<i64>,
    pub list: String,
    pub pattern: String,
}

const LIVE: &str =
    "(domain_id IS NULL OR domain_id = $1) AND (expires_at IS NULL OR expires_at > $2)";

/// The live network entries, global and the domain's, global first.
pub async fn networks(pool: &Db, domain_id: i64, now: UnixTime) -> Result<Vec<Match>, sqlx::Error> {
    db::query_as(&format!(
        "SELECT id, domain_id, list, pattern FROM sender_list_entries \
         WHERE kind = 'network' AND {LIVE} ORDER BY domain_id IS NOT NULL, id"
    ))
    .bind(domain_id)
    .bind(now)
    .fetch_all(pool)
    .await
}

/// The live address and domain entries, global and the domain's, that name one of
/// `patterns` (an address, its domain and that domain's parents), global first.
pub async fn senders(
    pool: &Db,
    domain_id: i64,
    patterns: &[String],
    now: UnixTime,
) -> Result<Vec<Match>, sqlx::Error> {
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let slots: Vec<String> = (0..patterns.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT id, domain_id, list, pattern FROM sender_list_entries \
         WHERE kind IN ('address', 'domain') AND {LIVE} AND pattern IN ({}) \
         ORDER BY domain_id IS NOT NULL, id",
        slots.join(", ")
    );
    let mut query = db::query_as(&sql).bind(domain_id).bind(now);
    for p in patterns {
        query = query.bind(p);
    }
    query.fetch_all(pool).await
}

/// Counts a message an entry decided.
pub async fn record_hit(conn: &mut Conn<'_>, id: i64, at: UnixTime) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE sender_list_entries SET hits = hits + 1, \
         last_hit_at = CASE WHEN last_hit_at IS NULL OR last_hit_at < $2 THEN $2 ELSE last_hit_at END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
