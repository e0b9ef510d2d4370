//! Domains the portal serves mail for.

use crate::backend::store::db::{self, Conn, Db, Exec};
use crate::model::{
    domain_settings::DomainSettings,
    list::{offset, PAGE_SIZE},
    route::DomainKind,
    rows::DomainRow,
    time::UnixTime,
    DomainName,
};

/// Inserts a domain with its verification token; an existing name comes back as a unique
/// violation.
pub async fn insert(
    conn: &mut Conn<'_>,
    name: &DomainName,
    kind: DomainKind,
    alias_of: Option<i64>,
    token: &str,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO domains (name, kind, alias_of, verification_token, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name.as_str())
    .bind(kind.as_str())
    .bind(alias_of)
    .bind(token)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The aliases of a domain.
pub async fn aliases_of(pool: &Db, id: i64) -> Result<Vec<DomainRow>, sqlx::Error> {
    db::query_as(&format!("{LIST} WHERE d.alias_of = $1 ORDER BY d.name"))
        .bind(id)
        .fetch_all(pool)
        .await
}

/// The domain's split domain routing: on or off, and where the rest goes.
pub async fn sdr(pool: &Db, id: i64) -> Result<(bool, Option<String>), sqlx::Error> {
    db::query_as("SELECT sdr_enabled, sdr_destination FROM domains WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

pub async fn set_sdr(
    pool: &Db,
    id: i64,
    enabled: bool,
    destination: Option<&str>,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE domains SET sdr_enabled = $2, sdr_destination = $3 WHERE id = $1")
        .bind(id)
        .bind(enabled)
        .bind(destination)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes a domain that nothing refers to (a domain alias, or an empty relay domain).
pub async fn delete(pool: &Db, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM domains WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Gives a domain made before verification existed its token (only if it still has none).
pub async fn set_token_if_missing(pool: &Db, id: i64, token: &str) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE domains SET verification_token = $2 WHERE id = $1 AND verification_token IS NULL",
    )
    .bind(id)
    .bind(token)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn mark_verified(pool: &Db, id: i64, now: UnixTime) -> Result<(), sqlx::Error> {
    db::query("UPDATE domains SET verified_at = $2, record_missing_since = NULL WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn find(pool: &Db, id: i64) -> Result<Option<DomainRow>, sqlx::Error> {
    db::query_as(&format!("{LIST} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn find_id<'e>(
    db: impl Into<Exec<'e>>,
    name: &DomainName,
) -> Result<Option<i64>, sqlx::Error> {
    db::query_scalar("SELECT id FROM domains WHERE name = $1")
        .bind(name.as_str())
        .fetch_optional(db)
        .await
}

/// The names of all domains served here.
pub async fn names(pool: &Db) -> Result<Vec<String>, sqlx::Error> {
    db::query_scalar("SELECT name FROM domains ORDER BY name")
        .fetch_all(pool)
        .await
}

const LIST: &str = "SELECT d.id, d.name, d.created_at, d.verification_token, d.verified_at, \
       d.kind, m.name AS alias_of, d.alias_of AS alias_of_id, d.record_missing_since, \
       (SELECT COUNT(*) FROM accounts a WHERE a.domain_id = d.id) AS mailbox_count \
     FROM domains d LEFT JOIN domains m ON m.id = d.alias_of";

pub async fn list_all(pool: &Db) -> Result<Vec<DomainRow>, sqlx::Error> {
    db::query_as(&format!("{LIST} ORDER BY d.name"))
        .fetch_all(pool)
        .await
}

/// Limits a list to the domains one domain admin administers (with their aliases), the
/// admin's account id being parameter `$n`; every domain when it is NULL.
fn administered(n: u8) -> String {
    format!(
        "(${n} IS NULL OR COALESCE(d.alias_of, d.id) IN \
           (SELECT domain_id FROM domain_admins WHERE account_id = ${n}))"
    )
}

/// One page of the domains whose name contains the search (a `like_pattern`), of one
/// admin's domains (`Some(account)`) or all, and how many match in all.
pub async fn page(
    pool: &Db,
    admin: Option<i64>,
    pattern: &str,
    page: i64,
) -> Result<(Vec<DomainRow>, i64), sqlx::Error> {
    let matching = format!("WHERE d.name LIKE $1 ESCAPE '\\' AND {}", administered(2));
    let rows = db::query_as(&format!(
        "{LIST} {matching} ORDER BY d.name LIMIT $3 OFFSET $4"
    ))
    .bind(pattern)
    .bind(admin)
    .bind(PAGE_SIZE)
    .bind(offset(page))
    .fetch_all(pool)
    .await?;
    let total = db::query_scalar(&format!("SELECT COUNT(*) FROM domains d {matching}"))
        .bind(pattern)
        .bind(admin)
        .fetch_one(pool)
        .await?;
    Ok((rows, total))
}

/// The domains (of one admin, or all) whose TXT record the daily re-check misses, and
/// since when.
pub async fn missing_records(
    pool: &Db,
    admin: Option<i64>,
) -> Result<Vec<(String, UnixTime)>, sqlx::Error> {
    db::query_as(&format!(
        "SELECT d.name, d.record_missing_since FROM domains d \
         WHERE d.record_missing_since IS NOT NULL AND {} ORDER BY d.name",
        administered(1)
    ))
    .bind(admin)
    .fetch_all(pool)
    .await
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    contact_email: Option<String>,
    notify_from: Option<String>,
    timezone: Option<String>,
    log_days: Option<i64>,
    retry_days: Option<i64>,
    rejected_local_chars: Option<String>,
    send_limit: Option<i64>,
}

/// The domain's settings (`None`: the default).
pub async fn settings(pool: &Db, id: i64) -> Result<DomainSettings, sqlx::Error> {
    let r: SettingsRow = db::query_as(
        "SELECT contact_email, notify_from, timezone, log_days, retry_days, rejected_local_chars, \
         send_limit FROM domains WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok(DomainSettings {
        contact_email: r.contact_email,
        notify_from: r.notify_from,
        timezone: r.timezone,
        log_days: r.log_days.map(|d| d as u32),
        retry_days: r.retry_days.map(|d| d as u32),
        rejected_local_chars: r.rejected_local_chars,
        send_limit: r.send_limit.map(|n| n as u32),
    })
}

pub async fn set_settings(pool: &Db, id: i64, s: &DomainSettings) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE domains SET contact_email = $2, notify_from = $3, timezone = $4, log_days = $5, \
         retry_days = $6, rejected_local_chars = $7, send_limit = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(&s.contact_email)
    .bind(&s.notify_from)
    .bind(&s.timezone)
    .bind(s.log_days.map(i64::from))
    .bind(s.retry_days.map(i64::from))
    .bind(&s.rejected_local_chars)
    .bind(s.send_limit.map(i64::from))
    .execute(pool)
    .await?;
    Ok(())
}

/// A verified domain as the daily re-check sees it.
#[derive(sqlx::FromRow)]
pub struct Verified {
    pub id: i64,
    pub name: String,
    pub verification_token: Option<String>,
    pub record_missing_since: Option<UnixTime>,
}

pub async fn verified(pool: &Db) -> Result<Vec<Verified>, sqlx::Error> {
    db::query_as(
        "SELECT id, name, verification_token, record_missing_since FROM domains \
         WHERE verified_at IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// Notes the domain's proof record missing since `since` (`None`: there again); true when
/// this changed it. A compare-and-set, so that of several instances re-checking at once one
/// tells the admins.
pub async fn set_record_missing(
    pool: &Db,
    id: i64,
    since: Option<UnixTime>,
) -> Result<bool, sqlx::Error> {
    let sql = match since {
        Some(_) => {
            "UPDATE domains SET record_missing_since = $2 \
                    WHERE id = $1 AND record_missing_since IS NULL"
        }
        None => {
            "UPDATE domains SET record_missing_since = $2 \
                 WHERE id = $1 AND record_missing_since IS NOT NULL"
        }
    };
    let changed = db::query(sql).bind(id).bind(since).execute(pool).await?;
    Ok(changed.rows_affected() == 1)
}

/// Who is told about a domain: its admins (its main domain's, for an alias) and every
/// master admin; enabled accounts only.
pub async fn admins_to_warn(pool: &Db, id: i64) -> Result<Vec<String>, sqlx::Error> {
    db::query_scalar(
        "SELECT a.email FROM accounts a WHERE a.enabled = TRUE AND (a.role = 'masteradmin' \
           OR a.id IN (SELECT da.account_id FROM domain_admins da, domains d \
                       WHERE d.id = $1 AND da.domain_id = COALESCE(d.alias_of, d.id))) \
         ORDER BY a.email",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}
