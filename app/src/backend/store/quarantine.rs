//! Quarantined messages: the row of each (its file is `<data>/quarantine/<queue_id>`).

use crate::model::time::UnixTime;
use sqlx::SqliteConnection;

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
    pub size: i64,
    pub recipients: Vec<String>,
}

pub async fn insert(conn: &mut SqliteConnection, kept: &Kept) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO quarantine (queue_id, domain_id, at, expires_at, sender, from_header, \
         subject, score, reason, size) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
