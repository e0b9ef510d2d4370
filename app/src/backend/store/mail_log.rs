//! The incoming mail log (see migration 0013).

use super::reader::{push_address_in, push_domain_ids, Reader};
use crate::backend::mail::bayes::Sample;
use crate::backend::store::db::{self, Builder, Conn, Db};
use crate::model::{
    domain_settings::DEFAULT_LOG_DAYS,
    list::{offset, PAGE_SIZE},
    mail_log::{Evidence, LogQuery, LogRow, Verdict},
    time::UnixTime,
};

/// One message's row, as the SMTP listener writes it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: UnixTime,
    pub queue_id: String,
    pub client_ip: String,
    pub helo: String,
    pub sender: String,
    pub from_header: String,
    pub subject: String,
    pub size: i64,
    pub verdict: Verdict,
    /// The spam score, when the message was scored.
    pub score: Option<f64>,
    /// The verdict in plain words (`model::verdict_words`).
    pub summary: String,
    /// The sender failed SPF: allowing it asks first.
    pub spf_failed: bool,
    pub reply: String,
    pub evidence: Vec<Evidence>,
    pub recipients: Vec<Recipient>,
    /// What learning needs of the message, once it passed the data checks.
    pub sample: Option<Sample>,
}

#[derive(Debug, Clone)]
pub struct Recipient {
    pub address: String,
    pub domain_id: Option<i64>,
    pub accepted: bool,
}

/// Writes one message's row and its recipients (inside the caller's transaction).
pub async fn insert(conn: &mut Conn<'_>, entry: &Entry) -> Result<i64, sqlx::Error> {
    let evidence =
        serde_json::to_string(&entry.evidence).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let id: i64 = db::query_scalar(
        "INSERT INTO mail_log (at, queue_id, client_ip, helo, sender, from_header, subject, \
         size, verdict, reply, evidence, score, summary, spf_failed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(entry.at)
    .bind(&entry.queue_id)
    .bind(&entry.client_ip)
    .bind(&entry.helo)
    .bind(&entry.sender)
    .bind(&entry.from_header)
    .bind(&entry.subject)
    .bind(entry.size)
    .bind(entry.verdict.as_str())
    .bind(&entry.reply)
    .bind(evidence)
    .bind(entry.score)
    .bind(&entry.summary)
    .bind(entry.spf_failed)
    .fetch_one(&mut *conn)
    .await?;
    for r in &entry.recipients {
        db::query(
            "INSERT INTO mail_log_recipients (log_id, address, domain_id, accepted) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&r.address)
        .bind(r.domain_id)
        .bind(r.accepted)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(sample) = &entry.sample {
        db::query(
            "INSERT INTO mail_log_samples (log_id, at, digest, tokens) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(entry.at)
        .bind(&sample.digest)
        .bind(sample.token_bytes())
        .execute(&mut *conn)
        .await?;
    }
    super::stats::count(conn, entry).await?;
    Ok(id)
}

/// `r` (a `mail_log_recipients` row) is one the reader may see. A domain admin also sees
/// the recipients of their domains refused at RCPT, which carry no domain id.
fn push_scope(b: &mut Builder<'_>, reader: &Reader) {
    let (all, domains, address) = reader.params();
    if all {
        b.push("1 = 1");
        return;
    }
    if let Some(address) = address {
        b.push("r.address = ").push_bind(address.to_string());
        return;
    }
    let ids = domains.unwrap_or_default();
    b.push("(r.domain_id IN ");
    push_domain_ids(b, ids);
    b.push(" OR (r.domain_id IS NULL AND ");
    push_address_in(b, "r.address", ids);
    b.push("))");
}

fn push_filters(b: &mut Builder<'_>, reader: &Reader, query: &LogQuery) {
    b.push(" FROM mail_log l WHERE EXISTS (SELECT 1 FROM mail_log_recipients r WHERE r.log_id = l.id AND ");
    push_scope(b, reader);
    if let Some(p) = &query.recipient {
        b.push(" AND r.address LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\'");
    }
    b.push(")");
    let like = |b: &mut Builder<'_>, column: &str, pattern: &Option<String>| {
        if let Some(p) = pattern {
            b.push(format!(" AND lower({column}) LIKE "))
                .push_bind(p.clone())
                .push(" ESCAPE '\\'");
        }
    };
    if let Some(p) = &query.sender {
        b.push(" AND (lower(l.sender) LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\' OR lower(l.from_header) LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\')");
    }
    like(b, "l.client_ip", &query.client_ip);
    like(b, "l.subject", &query.subject);
    if let Some(verdict) = query.verdict {
        b.push(" AND l.verdict = ").push_bind(verdict.as_str());
    }
    if let Some(since) = query.since {
        b.push(" AND l.at >= ").push_bind(since);
    }
    if let Some(until) = query.until {
        b.push(" AND l.at < ").push_bind(until);
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    client_ip: String,
    helo: String,
    sender: String,
    from_header: String,
    subject: String,
    size: i64,
    verdict: String,
    reply: String,
    evidence: String,
    summary: String,
    spf_failed: bool,
    learnable: bool,
}

/// One page of the reader's log rows that match, newest first, and how many match in all.
pub async fn page(
    pool: &Db,
    reader: &Reader,
    query: &LogQuery,
    page: i64,
) -> Result<(Vec<LogRow>, i64), sqlx::Error> {
    let mut count = Builder::new("SELECT count(*)");
    push_filters(&mut count, reader, query);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut select = Builder::new(
        "SELECT l.id, l.at, l.client_ip, l.helo, l.sender, l.from_header, l.subject, l.size, \
         l.verdict, l.reply, l.evidence, l.summary, l.spf_failed, \
         EXISTS (SELECT 1 FROM mail_log_samples s WHERE s.log_id = l.id) AS learnable",
    );
    push_filters(&mut select, reader, query);
    select
        .push(" ORDER BY l.at DESC, l.id DESC LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind(offset(page));
    let rows: Vec<Row> = select.build_query_as().fetch_all(pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut who = Builder::new(
            "SELECT r.address, r.accepted FROM mail_log_recipients r WHERE r.log_id = ",
        );
        who.push_bind(row.id).push(" AND ");
        push_scope(&mut who, reader);
        who.push(" ORDER BY r.accepted DESC, r.address");
        let recipients: Vec<(String, bool)> = who.build_query_as().fetch_all(pool).await?;
        out.push(LogRow {
            // A row written by an older version, or damaged, still shows.
            evidence: serde_json::from_str(&row.evidence).unwrap_or_default(),
            id: row.id,
            at: row.at,
            client_ip: row.client_ip,
            helo: row.helo,
            sender: row.sender,
            from_header: row.from_header,
            subject: row.subject,
            size: row.size,
            verdict: row.verdict,
            reply: row.reply,
            summary: row.summary,
            spf_failed: row.spf_failed,
            learnable: row.learnable,
            recipients,
        });
    }
    Ok((out, total))
}

/// The score and verdict of each scored message of the reader's since `since`.
pub async fn scores(
    pool: &Db,
    reader: &Reader,
    since: UnixTime,
) -> Result<Vec<(f64, String)>, sqlx::Error> {
    let mut b = Builder::new(
        "SELECT l.score, l.verdict FROM mail_log l WHERE l.score IS NOT NULL AND l.at >= ",
    );
    b.push_bind(since)
        .push(" AND EXISTS (SELECT 1 FROM mail_log_recipients r WHERE r.log_id = l.id AND ");
    push_scope(&mut b, reader);
    b.push(")");
    b.build_query_as().fetch_all(pool).await
}

/// The log row `id` is one the reader may see.
pub async fn visible(pool: &Db, reader: &Reader, id: i64) -> Result<bool, sqlx::Error> {
    let mut b =
        Builder::new("SELECT EXISTS (SELECT 1 FROM mail_log_recipients r WHERE r.log_id = ");
    b.push_bind(id).push(" AND ");
    push_scope(&mut b, reader);
    b.push(")");
    b.build_query_scalar().fetch_one(pool).await
}

/// What the one-click fixes read of a logged message: its From address, whether it failed
/// SPF, and the accepted recipients the reader may see (address, domain id).
#[derive(Debug, Clone)]
pub struct Logged {
    pub from_header: String,
    pub subject: String,
    pub spf_failed: bool,
    pub recipients: Vec<(String, Option<i64>)>,
}

/// The log row `id` as the one-click fixes read it, when the reader may see it.
pub async fn logged(pool: &Db, reader: &Reader, id: i64) -> Result<Option<Logged>, sqlx::Error> {
    let mut b = Builder::new(
        "SELECT r.address, r.domain_id FROM mail_log_recipients r WHERE r.accepted AND r.log_id = ",
    );
    b.push_bind(id).push(" AND ");
    push_scope(&mut b, reader);
    b.push(" ORDER BY r.address");
    let recipients: Vec<(String, Option<i64>)> = b.build_query_as().fetch_all(pool).await?;
    if recipients.is_empty() {
        return Ok(None);
    }
    let found: Option<(String, String, bool)> =
        db::query_as("SELECT from_header, subject, spf_failed FROM mail_log WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(found.map(|(from_header, subject, spf_failed)| Logged {
        from_header,
        subject,
        spf_failed,
        recipients,
    }))
}

/// What learning kept of the logged message `id`, if anything (see migration 0023).
pub async fn sample(pool: &Db, id: i64) -> Result<Option<Sample>, sqlx::Error> {
    let found: Option<(String, Vec<u8>)> =
        db::query_as("SELECT digest, tokens FROM mail_log_samples WHERE log_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(found.map(|(digest, tokens)| Sample::from_stored(digest, &tokens)))
}

/// Forgets what learning kept of messages logged before `before`; how many.
pub async fn purge_samples(pool: &Db, before: UnixTime) -> Result<u64, sqlx::Error> {
    Ok(db::query("DELETE FROM mail_log_samples WHERE at < $1")
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected())
}

/// Deletes log rows past their domain's log days (rows of no domain here: the default's);
/// how many.
pub async fn purge_expired(pool: &Db, now: UnixTime) -> Result<u64, sqlx::Error> {
    let days: Vec<(i64, Option<i64>)> =
        db::query_as("SELECT id, log_days FROM domains WHERE alias_of IS NULL")
            .fetch_all(pool)
            .await?;
    let before = |d: Option<i64>| now - d.unwrap_or(i64::from(DEFAULT_LOG_DAYS)) * 86_400;
    let mut purged = 0;
    for (domain_id, d) in days {
        purged += db::query(
            "DELETE FROM mail_log WHERE at <= $1 AND id IN \
             (SELECT log_id FROM mail_log_recipients WHERE domain_id = $2)",
        )
        .bind(before(d))
        .bind(domain_id)
        .execute(pool)
        .await?
        .rows_affected();
    }
    purged += db::query(
        "DELETE FROM mail_log WHERE at <= $1 AND NOT EXISTS (SELECT 1 FROM mail_log_recipients r \
         WHERE r.log_id = mail_log.id AND r.domain_id IS NOT NULL)",
    )
    .bind(before(None))
    .execute(pool)
    .await?
    .rows_affected();
    Ok(purged)
}
