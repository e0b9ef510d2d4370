//! A domain's mailboxes as its admins list and change them (the accounts table).

use crate::backend::store::db::{self, Conn, Db, Exec};
use crate::model::{
    list::{offset, PAGE_SIZE},
    mailbox::{MailboxRow, Quota, QuotaUsage, FULLEST},
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    enabled: bool,
    quota_bytes: i64,
    used_bytes: i64,
    created_at: i64,
}

impl TryFrom<Row> for MailboxRow {
    type Error = sqlx::Error;
    fn try_from(r: Row) -> Result<Self, Self::Error> {
        Ok(MailboxRow {
            id: r.id,
            role: r
                .role
                .parse()
                .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
            email: r.email,
            display_name: r.display_name,
            enabled: r.enabled,
            quota: Quota::from_bytes(r.quota_bytes),
            used_bytes: r.used_bytes.max(0) as u64,
            created_at: r.created_at,
        })
    }
}

const MATCHING: &str = "FROM accounts WHERE domain_id = $1 \
     AND (email LIKE $2 ESCAPE '\\' OR LOWER(display_name) LIKE $2 ESCAPE '\\')";

/// One page of the domain's mailboxes whose address or name contains the search (a
/// `like_pattern`), in address order, and how many match in all.
pub async fn page(
    pool: &Db,
    domain_id: i64,
    pattern: &str,
    page: i64,
) -> Result<(Vec<MailboxRow>, i64), sqlx::Error> {
    let rows: Vec<Row> = db::query_as(&format!(
        "SELECT id, email, display_name, role, enabled, quota_bytes, used_bytes, created_at \
         {MATCHING} ORDER BY email LIMIT $3 OFFSET $4"
    ))
    .bind(domain_id)
    .bind(pattern)
    .bind(PAGE_SIZE)
    .bind(offset(page))
    .fetch_all(pool)
    .await?;
    let total = db::query_scalar(&format!("SELECT COUNT(*) {MATCHING}"))
        .bind(domain_id)
        .bind(pattern)
        .fetch_one(pool)
        .await?;
    Ok((
        rows.into_iter()
            .map(MailboxRow::try_from)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// The domain's storage statistics.
pub async fn usage(pool: &Db, domain_id: i64) -> Result<QuotaUsage, sqlx::Error> {
    let (mailboxes, used, allotted, unlimited): (i64, i64, i64, i64) = db::query_as(
        // PostgreSQL sums bigints as numeric: cast back.
        "SELECT COUNT(*), CAST(COALESCE(SUM(used_bytes), 0) AS BIGINT), \
           CAST(COALESCE(SUM(quota_bytes), 0) AS BIGINT), \
           COUNT(CASE WHEN quota_bytes = 0 THEN 1 END) FROM accounts WHERE domain_id = $1",
    )
    .bind(domain_id)
    .fetch_one(pool)
    .await?;
    let fullest: Vec<Row> = db::query_as(
        "SELECT id, email, display_name, role, enabled, quota_bytes, used_bytes, created_at \
         FROM accounts WHERE domain_id = $1 AND quota_bytes > 0 AND used_bytes > 0 \
         ORDER BY CAST(used_bytes AS DOUBLE PRECISION) / quota_bytes DESC, email LIMIT $2",
    )
    .bind(domain_id)
    .bind(FULLEST)
    .fetch_all(pool)
    .await?;
    Ok(QuotaUsage {
        mailboxes,
        used_bytes: used.max(0) as u64,
        allotted_bytes: allotted.max(0) as u64,
        unlimited,
        fullest: fullest
            .into_iter()
            .map(MailboxRow::try_from)
            .collect::<Result<_, _>>()?,
    })
}

/// True when a mailbox (any account) has this address.
pub async fn exists<'e>(db: impl Into<Exec<'e>>, address: &str) -> Result<bool, sqlx::Error> {
    db::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE email = $1)")
        .bind(address)
        .fetch_one(db)
        .await
}

pub async fn set_enabled(conn: &mut Conn<'_>, id: i64, enabled: bool) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET enabled = $2 WHERE id = $1")
        .bind(id)
        .bind(enabled)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_profile<'e>(
    db: impl Into<Exec<'e>>,
    id: i64,
    display_name: &str,
    quota: Quota,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET display_name = $2, quota_bytes = $3 WHERE id = $1")
        .bind(id)
        .bind(display_name.trim())
        .bind(quota.bytes() as i64)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes the account; its sessions, factors and device passwords go with it (cascades),
/// its login events and audit entries stay without it.
pub async fn delete(pool: &Db, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM accounts WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
