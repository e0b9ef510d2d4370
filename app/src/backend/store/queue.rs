//! The delivery queue's rows (see migration 0013); the messages are spool files.

use super::reader::{push_address_in, push_domain_ids, Reader};
use crate::backend::store::db::{self, Builder, Conn, Db, Kind};
use crate::model::{
    list::{offset, PAGE_SIZE},
    time::UnixTime,
};

/// How a queued copy travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The relay domain's routes, in order.
    Routes,
    /// The domain's SDR destination (kept in the row).
    Sdr,
    /// The recipient domain's MX (forwards and bounces).
    Mx,
    /// A mailbox here, handed to the configured LMTP server.
    Lmtp,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Routes => "routes",
            Via::Sdr => "sdr",
            Via::Mx => "mx",
            Via::Lmtp => "lmtp",
        }
    }

    fn parse(text: &str) -> Result<Via, sqlx::Error> {
        match text {
            "routes" => Ok(Via::Routes),
            "sdr" => Ok(Via::Sdr),
            "mx" => Ok(Via::Mx),
            "lmtp" => Ok(Via::Lmtp),
            other => Err(sqlx::Error::Decode(format!("unknown via {other:?}").into())),
        }
    }
}

/// One recipient's copy waiting for delivery.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub queue_id: String,
    pub sender: String,
    pub recipient: String,
    pub domain_id: Option<i64>,
    pub via: Via,
    pub destination: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub attempts: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    queue_id: String,
    sender: String,
    recipient: String,
    domain_id: Option<i64>,
    via: String,
    destination: Option<String>,
    created_at: i64,
    expires_at: i64,
    attempts: i64,
}

impl TryFrom<Row> for Queued {
    type Error = sqlx::Error;
    fn try_from(r: Row) -> Result<Self, Self::Error> {
        Ok(Queued {
            via: Via::parse(&r.via)?,
            id: r.id,
            queue_id: r.queue_id,
            sender: r.sender,
            recipient: r.recipient,
            domain_id: r.domain_id,
            destination: r.destination,
            created_at: r.created_at,
            expires_at: r.expires_at,
            attempts: r.attempts,
        })
    }
}

/// A copy to queue.
#[derive(Debug, Clone)]
pub struct NewCopy {
    pub recipient: String,
    pub domain_id: Option<i64>,
    pub via: Via,
    pub destination: Option<String>,
    pub expires_at: UnixTime,
}

/// Queues every copy of one message (inside the caller's transaction: all or none).
pub async fn enqueue(
    conn: &mut Conn<'_>,
    queue_id: &str,
    sender: &str,
    copies: &[NewCopy],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    for c in copies {
        db::query(
            "INSERT INTO mail_queue (queue_id, sender, recipient, domain_id, via, destination, \
             created_at, expires_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)",
        )
        .bind(queue_id)
        .bind(sender)
        .bind(&c.recipient)
        .bind(c.domain_id)
        .bind(c.via.as_str())
        .bind(&c.destination)
        .bind(now)
        .bind(c.expires_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Takes up to `limit` copies that are due and not held by another delivery, holding them
/// until `lease_until`. With several instances on PostgreSQL, each instance's claim skips
/// the rows another is claiming at that moment, so no copy is taken twice; SQLite has one
/// writer, which is the same guarantee.
pub async fn claim_due(
    pool: &Db,
    now: UnixTime,
    lease_until: UnixTime,
    limit: i64,
) -> Result<Vec<Queued>, sqlx::Error> {
    let lock = match pool.kind() {
        Kind::Sqlite => "",
        Kind::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE mail_queue SET claimed_until = $2 WHERE id IN (\
             SELECT id FROM mail_queue WHERE next_attempt_at <= $1 AND claimed_until <= $1 \
             ORDER BY next_attempt_at, id LIMIT $3{lock}) \
         RETURNING id, queue_id, sender, recipient, domain_id, via, destination, created_at, \
             expires_at, attempts"
    );
    let rows: Vec<Row> = db::query_as(&sql)
        .bind(now)
        .bind(lease_until)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Queued::try_from).collect()
}

/// Lets go of every claim at start on SQLite, where this process is the only one: the
/// attempts that held them died with the process before. On PostgreSQL other instances may
/// hold claims right now; a dead instance's claims end with their lease instead.
pub async fn release_claims(pool: &Db) -> Result<(), sqlx::Error> {
    if pool.kind() == Kind::Postgres {
        return Ok(());
    }
    db::query("UPDATE mail_queue SET claimed_until = 0 WHERE claimed_until > 0")
        .execute(pool)
        .await?;
    Ok(())
}

/// The copy is delivered (or bounced): it leaves the queue.
pub async fn remove(conn: &mut Conn<'_>, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM mail_queue WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The attempt failed for now: try again at `next`.
pub async fn retry_at(
    conn: &mut Conn<'_>,
    id: i64,
    next: UnixTime,
    error: &str,
) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE mail_queue SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
         claimed_until = 0 WHERE id = $1",
    )
    .bind(id)
    .bind(next)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Copies of the message still queued.
pub async fn remaining(pool: &Db, queue_id: &str) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT COUNT(*) FROM mail_queue WHERE queue_id = $1")
        .bind(queue_id)
        .fetch_one(pool)
        .await
}

/// The copies waiting, and when the oldest was queued (`None` when the queue is empty).
pub async fn depth(pool: &Db) -> Result<(i64, Option<UnixTime>), sqlx::Error> {
    db::query_as("SELECT COUNT(*), MIN(created_at) FROM mail_queue")
        .fetch_one(pool)
        .await
}

/// Days the domain's mail is retried before it bounces (its setting, else the default).
pub async fn retry_days(pool: &Db, domain_id: i64) -> Result<u32, sqlx::Error> {
    let days: Option<i64> = db::query_scalar("SELECT retry_days FROM domains WHERE id = $1")
        .bind(domain_id)
        .fetch_optional(pool)
        .await?
        .flatten();
    Ok(days
        .and_then(|d| u32::try_from(d).ok())
        .unwrap_or(crate::model::domain_settings::DEFAULT_RETRY_DAYS))
}

/// A queued copy as the queue screen lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub queue_id: String,
    pub sender: String,
    pub recipient: String,
    pub domain_id: Option<i64>,
    /// The domain's name, when the copy has one.
    pub domain: Option<String>,
    pub via: String,
    pub destination: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub next_attempt_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub claimed_until: i64,
}

/// The copies a reader may see: a domain admin those of their domains, and the forwards
/// and bounces (no domain) from or to an address in them. A mail user sees none.
fn push_scope(b: &mut Builder<'_>, reader: &Reader) {
    let (all, domains, _) = reader.params();
    if all {
        b.push("1 = 1");
        return;
    }
    let Some(ids) = domains else {
        b.push("1 = 0");
        return;
    };
    b.push("(q.domain_id IN ");
    push_domain_ids(b, ids);
    b.push(" OR (q.domain_id IS NULL AND (");
    push_address_in(b, "q.recipient", ids);
    b.push(" OR ");
    push_address_in(b, "q.sender", ids);
    b.push(")))");
}

fn push_filters(b: &mut Builder<'_>, reader: &Reader, pattern: &str) {
    b.push(" FROM mail_queue q LEFT JOIN domains d ON d.id = q.domain_id WHERE ");
    push_scope(b, reader);
    b.push(" AND (lower(q.sender) LIKE ")
        .push_bind(pattern.to_string())
        .push(" ESCAPE '\\' OR lower(q.recipient) LIKE ")
        .push_bind(pattern.to_string())
        .push(" ESCAPE '\\' OR lower(coalesce(q.last_error, '')) LIKE ")
        .push_bind(pattern.to_string())
        .push(" ESCAPE '\\' OR lower(q.queue_id) LIKE ")
        .push_bind(pattern.to_string())
        .push(" ESCAPE '\\')");
}

const LISTED: &str =
    "SELECT q.id, q.queue_id, q.sender, q.recipient, q.domain_id, d.name AS domain, \
     q.via, q.destination, q.created_at, q.expires_at, q.next_attempt_at, q.attempts, \
     q.last_error, q.claimed_until";

/// One page of the reader's queued copies matching `pattern` (a `LIKE` pattern over sender,
/// recipient, last error and message id), the next due first; and how many match in all.
pub async fn page(
    pool: &Db,
    reader: &Reader,
    pattern: &str,
    page: i64,
) -> Result<(Vec<Listed>, i64), sqlx::Error> {
    let mut count = Builder::new("SELECT count(*)");
    push_filters(&mut count, reader, pattern);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut select = Builder::new(LISTED);
    push_filters(&mut select, reader, pattern);
    select
        .push(" ORDER BY q.next_attempt_at, q.id LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind(offset(page));
    let rows = select.build_query_as().fetch_all(pool).await?;
    Ok((rows, total))
}

/// The copy `id`, when the reader may see it.
pub async fn find(pool: &Db, reader: &Reader, id: i64) -> Result<Option<Listed>, sqlx::Error> {
    let mut select = Builder::new(LISTED);
    push_filters(&mut select, reader, "%");
    select.push(" AND q.id = ").push_bind(id);
    select.build_query_as().fetch_optional(pool).await
}

/// Makes the copy due now, unless an attempt holds it; whether it was.
pub async fn retry_now(pool: &Db, id: i64, now: UnixTime) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "UPDATE mail_queue SET next_attempt_at = $2 WHERE id = $1 AND claimed_until <= $2",
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
