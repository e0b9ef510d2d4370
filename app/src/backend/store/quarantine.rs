//! Quarantined messages: the row of each (its file is `<data>/quarantine/<queue_id>`).

use crate::model::{
    list::{offset, PAGE_SIZE},
    time::UnixTime,
};
use sqlx::{SqliteConnection, SqlitePool};

pub use super::reader::Reader;

/// A message being put in quarantine.
#[derive(Debug, Clone)]
pub struct Kept {
    pub queue_id: String,
    pub domain_id: i64,
    pub at: UnixTime,
    pub expires_at: UnixTime,
    pub sender: String,
    pub from_header: String,
    pub subject: String,
    pub score: Option<f64>,
    pub reason: String,
    pub spf_failed: bool,
    pub size: i64,
    pub recipients: Vec<String>,
}

pub async fn insert(conn: &mut SqliteConnection, kept: &Kept) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO quarantine (queue_id, domain_id, at, expires_at, sender, from_header, \
         subject, score, reason, size, spf_failed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&kept.queue_id)
    .bind(kept.domain_id)
    .bind(kept.at)
    .bind(kept.expires_at)
    .bind(&kept.sender)
    .bind(&kept.from_header)
    .bind(&kept.subject)
    .bind(kept.score)
    .bind(&kept.reason)
    .bind(kept.size)
    .bind(kept.spf_failed)
    .fetch_one(&mut *conn)
    .await?;
    for address in &kept.recipients {
        sqlx::query("INSERT INTO quarantine_recipients (quarantine_id, address) VALUES ($1, $2)")
            .bind(id)
            .bind(address)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// `q` is the reader's (binds `$1`–`$3` of `Reader::params`).
const IN_SCOPE: &str = "($1 \
     OR q.domain_id IN (SELECT value FROM json_each($2)) \
     OR q.domain_id IN (SELECT id FROM domains WHERE alias_of IN (SELECT value FROM json_each($2))) \
     OR EXISTS (SELECT 1 FROM quarantine_recipients r WHERE r.quarantine_id = q.id AND r.address = $3))";

const COLUMNS: &str =
    "q.id, q.queue_id, q.domain_id, q.at, q.expires_at, q.sender, q.from_header, \
     q.subject, q.score, q.reason, q.spf_failed, q.size, COALESCE(d.name, '') AS domain, \
     (SELECT group_concat(r.address, ' ') FROM quarantine_recipients r \
      WHERE r.quarantine_id = q.id AND ($3 IS NULL OR r.address = $3)) AS recipients";

/// A kept message as the store holds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stored {
    pub id: i64,
    pub queue_id: String,
    pub domain_id: Option<i64>,
    pub at: i64,
    pub expires_at: i64,
    pub sender: String,
    pub from_header: String,
    pub subject: String,
    pub score: Option<f64>,
    pub reason: String,
    pub spf_failed: bool,
    pub size: i64,
    pub domain: String,
    /// The reader's recipients, space-separated.
    pub recipients: Option<String>,
}

impl Stored {
    /// Who it says it is from: the From header, else the envelope sender (`<>` for a
    /// bounce).
    pub fn from_shown(&self) -> &str {
        if self.from_header.is_empty() {
            crate::model::email::printable_sender(&self.sender)
        } else {
            &self.from_header
        }
    }

    pub fn recipients(&self) -> Vec<String> {
        self.recipients
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// One page of the reader's kept mail, newest first, matching `pattern` (a `LIKE`
/// pattern) in the sender, From, subject or a recipient; and how many match in all.
pub async fn page(
    pool: &SqlitePool,
    reader: &Reader,
    pattern: &str,
    page: i64,
) -> Result<(Vec<Stored>, i64), sqlx::Error> {
    let (all, domains, address) = reader.params();
    let matching = "(q.sender LIKE $4 ESCAPE '\\' OR q.from_header LIKE $4 ESCAPE '\\' \
         OR lower(q.subject) LIKE $4 ESCAPE '\\' OR EXISTS (SELECT 1 FROM quarantine_recipients s \
         WHERE s.quarantine_id = q.id AND s.address LIKE $4 ESCAPE '\\'))";
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quarantine q LEFT JOIN domains d ON d.id = q.domain_id \
         WHERE {IN_SCOPE} AND {matching} ORDER BY q.at DESC, q.id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(all)
    .bind(&domains)
    .bind(address)
    .bind(pattern)
    .bind(PAGE_SIZE)
    .bind(offset(page))
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM quarantine q WHERE {IN_SCOPE} AND {matching}"
    ))
    .bind(all)
    .bind(&domains)
    .bind(address)
    .bind(pattern)
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// The reader's messages kept after `since` until `until`, oldest first, at most `limit`;
/// and how many there are (a digest lists the first and counts the rest).
pub async fn kept_between(
    pool: &SqlitePool,
    reader: &Reader,
    since: UnixTime,
    until: UnixTime,
    limit: usize,
) -> Result<(Vec<Stored>, i64), sqlx::Error> {
    let (all, domains, address) = reader.params();
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quarantine q LEFT JOIN domains d ON d.id = q.domain_id \
         WHERE {IN_SCOPE} AND q.at > $4 AND q.at <= $5 ORDER BY q.at, q.id LIMIT $6"
    ))
    .bind(all)
    .bind(&domains)
    .bind(address)
    .bind(since)
    .bind(until)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM quarantine q WHERE {IN_SCOPE} AND q.at > $4 AND q.at <= $5"
    ))
    .bind(all)
    .bind(&domains)
    .bind(address)
    .bind(since)
    .bind(until)
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// The kept message with this id, when the reader may see it.
pub async fn find(
    pool: &SqlitePool,
    reader: &Reader,
    id: i64,
) -> Result<Option<Stored>, sqlx::Error> {
    let (all, domains, address) = reader.params();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quarantine q LEFT JOIN domains d ON d.id = q.domain_id \
         WHERE {IN_SCOPE} AND q.id = $4"
    ))
    .bind(all)
    .bind(&domains)
    .bind(address)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The reader's kept messages of `domain_id` scoring below or above `score` (unscored
/// ones are neither).
pub async fn by_score(
    pool: &SqlitePool,
    reader: &Reader,
    domain_id: i64,
    above: bool,
    score: f64,
) -> Result<Vec<Stored>, sqlx::Error> {
    let (all, domains, address) = reader.params();
    let side = if above { ">" } else { "<" };
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quarantine q LEFT JOIN domains d ON d.id = q.domain_id \
         WHERE {IN_SCOPE} AND q.domain_id = $4 \
         AND q.score IS NOT NULL AND q.score {side} $5 ORDER BY q.id"
    ))
    .bind(all)
    .bind(&domains)
    .bind(address)
    .bind(domain_id)
    .bind(score)
    .fetch_all(pool)
    .await
}

/// Takes `addresses` off the message; true when none is left (then the row is gone too).
pub async fn remove_recipients(
    conn: &mut SqliteConnection,
    id: i64,
    addresses: &[String],
) -> Result<bool, sqlx::Error> {
    for address in addresses {
        sqlx::query("DELETE FROM quarantine_recipients WHERE quarantine_id = $1 AND address = $2")
            .bind(id)
            .bind(address)
            .execute(&mut *conn)
            .await?;
    }
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM quarantine_recipients WHERE quarantine_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    if left == 0 {
        remove(conn, id).await?;
    }
    Ok(left == 0)
}

/// The message leaves the quarantine (its recipients with it).
pub async fn remove(conn: &mut SqliteConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM quarantine WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Messages kept past their domain's quarantine days: (id, queue id).
pub async fn expired(
    pool: &SqlitePool,
    now: UnixTime,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, queue_id FROM quarantine WHERE expires_at <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}
