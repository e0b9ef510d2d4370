//! The incoming mail log (see migration 0013).

use crate::model::{
    mail_log::{Evidence, Verdict},
    time::UnixTime,
};
use sqlx::SqliteConnection;

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
    pub reply: String,
    pub evidence: Vec<Evidence>,
    pub recipients: Vec<Recipient>,
}

#[derive(Debug, Clone)]
pub struct Recipient {
    pub address: String,
    pub domain_id: Option<i64>,
    pub accepted: bool,
}

/// Writes one message's row and its recipients (inside the caller's transaction).
pub async fn insert(conn: &mut SqliteConnection, entry: &Entry) -> Result<i64, sqlx::Error> {
    let evidence =
        serde_json::to_string(&entry.evidence).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_log (at, queue_id, client_ip, helo, sender, from_header, subject, \
         size, verdict, reply, evidence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
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
    .fetch_one(&mut *conn)
    .await?;
    for r in &entry.recipients {
        sqlx::query(
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
    Ok(id)
}
