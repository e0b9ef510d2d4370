//! Quarantined messages: the row of each (its file is `<data>/quarantine/<queue_id>`).

use crate::backend::store::db::{self, Builder, Conn, Db};
use crate::model::{
    list::{offset, PAGE_SIZE},
    time::UnixTime,
};

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

pub async fn insert(conn: &mut Conn<'_>, kept: &Kept) -> Result<i64, sqlx::Error> {
    let id: i64 = db::query_scalar(
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
        db::query("INSERT INTO quarantine_recipients (quarantine_id, address) VALUES ($1, $2)")
            .bind(id)
            .bind(address)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// `SELECT <what> FROM quarantine q … WHERE <q is one the reader may see>`, for more
/// conditions to follow. A mail user's rows list their own recipients only.
fn select<'q>(reader: &'q Reader, count: bool) -> Builder<'q> {
    let mut b = Builder::new("SELECT ");
    if count {
        b.push("COUNT(*)");
    } else {
        b.push(
            "q.id, q.queue_id, q.domain_id, q.at, q.expires_at, q.sender, q.from_header, \
             q.subject, q.score, q.reason, q.spf_failed, q.size, COALESCE(d.name, '') AS domain, \
             (SELECT string_agg(r.address, ' ' ORDER BY r.address) \
              FROM quarantine_recipients r WHERE r.quarantine_id = q.id",
        );
        if let Reader::Address(address) = reader {
            b.push(" AND r.address = ").push_bind(address.as_str());
        }
        b.push(") AS recipients");
    }
    b.push(" FROM quarantine q LEFT JOIN domains d ON d.id = q.domain_id WHERE ");
    match reader {
        Reader::All => {
            b.push("1 = 1");
        }
        Reader::Domains(ids) => {
            b.push("(q.domain_id IN ")
                .push_ids(ids)
                .push(" OR q.domain_id IN (SELECT id FROM domains WHERE alias_of IN ")
                .push_ids(ids)
                .push("))");
        }
        Reader::Address(address) => {
            b.push(
                "EXISTS (SELECT 1 FROM quarantine_recipients r \
                 WHERE r.quarantine_id = q.id AND r.address = ",
            )
            .push_bind(address.as_str())
            .push(")");
        }
    }
    b
}

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
/// pattern, in lower case) in the sender, From, subject or a recipient; and how many match
/// in all.
pub async fn page(
    pool: &Db,
    reader: &Reader,
    pattern: &str,
    page: i64,
) -> Result<(Vec<Stored>, i64), sqlx::Error> {
    // lower(): SQLite's LIKE ignores case, PostgreSQL's does not; the sender is kept as
    // the client spelt it.
    let matching = |b: &mut Builder<'_>| {
        b.push(" AND (lower(q.sender) LIKE ")
            .push_bind(pattern.to_string())
            .push(" ESCAPE '\\' OR lower(q.from_header) LIKE ")
            .push_bind(pattern.to_string())
            .push(" ESCAPE '\\' OR lower(q.subject) LIKE ")
            .push_bind(pattern.to_string())
            .push(
                " ESCAPE '\\' OR EXISTS (SELECT 1 FROM quarantine_recipients s \
                 WHERE s.quarantine_id = q.id AND s.address LIKE ",
            )
            .push_bind(pattern.to_string())
            .push(" ESCAPE '\\'))");
    };
    let mut rows = select(reader, false);
    matching(&mut rows);
    rows.push(" ORDER BY q.at DESC, q.id DESC LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind(offset(page));
    let rows = rows.build_query_as().fetch_all(pool).await?;
    let mut total = select(reader, true);
    matching(&mut total);
    let total = total.build_query_scalar().fetch_one(pool).await?;
    Ok((rows, total))
}

/// The reader's messages kept after `since` until `until`, oldest first, at most `limit`;
/// and how many there are (a digest lists the first and counts the rest).
pub async fn kept_between(
    pool: &Db,
    reader: &Reader,
    since: UnixTime,
    until: UnixTime,
    limit: usize,
) -> Result<(Vec<Stored>, i64), sqlx::Error> {
    let between = |b: &mut Builder<'_>| {
        b.push(" AND q.at > ")
            .push_bind(since)
            .push(" AND q.at <= ")
            .push_bind(until);
    };
    let mut rows = select(reader, false);
    between(&mut rows);
    rows.push(" ORDER BY q.at, q.id LIMIT ")
        .push_bind(limit as i64);
    let rows = rows.build_query_as().fetch_all(pool).await?;
    let mut total = select(reader, true);
    between(&mut total);
    let total = total.build_query_scalar().fetch_one(pool).await?;
    Ok((rows, total))
}

/// The kept message with this id, when the reader may see it.
pub async fn find(pool: &Db, reader: &Reader, id: i64) -> Result<Option<Stored>, sqlx::Error> {
    let mut b = select(reader, false);
    b.push(" AND q.id = ").push_bind(id);
    b.build_query_as().fetch_optional(pool).await
}

/// The reader's kept messages of `domain_id` scoring below or above `score` (unscored
/// ones are neither).
pub async fn by_score(
    pool: &Db,
    reader: &Reader,
    domain_id: i64,
    above: bool,
    score: f64,
) -> Result<Vec<Stored>, sqlx::Error> {
    let side = if above { ">" } else { "<" };
    let mut b = select(reader, false);
    b.push(" AND q.domain_id = ")
        .push_bind(domain_id)
        .push(format!(" AND q.score IS NOT NULL AND q.score {side} "))
        .push_bind(score)
        .push(" ORDER BY q.id");
    b.build_query_as().fetch_all(pool).await
}

/// Takes `addresses` off the message; true when none is left (then the row is gone too).
pub async fn remove_recipients(
    conn: &mut Conn<'_>,
    id: i64,
    addresses: &[String],
) -> Result<bool, sqlx::Error> {
    // Holds the message's row until the transaction ends: two releases of different
    // recipients (two instances) would each count the other's recipient as left, and
    // neither would remove the message.
    db::query("UPDATE quarantine SET queue_id = queue_id WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for address in addresses {
        db::query("DELETE FROM quarantine_recipients WHERE quarantine_id = $1 AND address = $2")
            .bind(id)
            .bind(address)
            .execute(&mut *conn)
            .await?;
    }
    let left: i64 =
        db::query_scalar("SELECT COUNT(*) FROM quarantine_recipients WHERE quarantine_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    if left == 0 {
        remove(conn, id).await?;
    }
    Ok(left == 0)
}

/// The message leaves the quarantine (its recipients with it).
pub async fn remove(conn: &mut Conn<'_>, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM quarantine WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Messages kept past their domain's quarantine days: (id, queue id).
pub async fn expired(
    pool: &Db,
    now: UnixTime,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    db::query_as("SELECT id, queue_id FROM quarantine WHERE expires_at <= $1 ORDER BY id LIMIT $2")
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
}
