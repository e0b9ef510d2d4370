//! What the SMTP listener reads to decide whether an address receives mail here: the
//! domain's kind, the mailbox, the alias. Each is one indexed lookup, so a RCPT costs a few
//! reads and a change made in the portal counts from the next RCPT on.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{route::DomainKind, time::UnixTime};

/// A domain as recipient resolution needs it.
#[derive(Debug, Clone)]
pub struct DomainEntry {
    pub id: i64,
    pub name: String,
    pub kind: DomainKind,
    /// For a domain alias: the domain its mail goes to.
    pub alias_of: Option<i64>,
    pub verified_at: Option<UnixTime>,
    /// Split domain routing: where unknown local parts go, when it is on.
    pub sdr_destination: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DomainRecord {
    id: i64,
    name: String,
    kind: String,
    alias_of: Option<i64>,
    verified_at: Option<i64>,
    sdr_enabled: bool,
    sdr_destination: Option<String>,
}

const DOMAIN: &str = "SELECT id, name, kind, alias_of, verified_at, sdr_enabled, sdr_destination \
     FROM domains";

fn entry(r: DomainRecord) -> Result<DomainEntry, sqlx::Error> {
    Ok(DomainEntry {
        id: r.id,
        kind: DomainKind::parse(&r.kind).map_err(|e| sqlx::Error::Decode(e.into()))?,
        name: r.name,
        alias_of: r.alias_of,
        verified_at: r.verified_at,
        sdr_destination: r.sdr_destination.filter(|_| r.sdr_enabled),
    })
}

pub async fn domain_by_name(pool: &Db, name: &str) -> Result<Option<DomainEntry>, sqlx::Error> {
    let row: Option<DomainRecord> = db::query_as(&format!("{DOMAIN} WHERE name = $1"))
        .bind(name)
        .fetch_optional(pool)
        .await?;
    row.map(entry).transpose()
}

pub async fn domain_by_id(pool: &Db, id: i64) -> Result<Option<DomainEntry>, sqlx::Error> {
    let row: Option<DomainRecord> = db::query_as(&format!("{DOMAIN} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(entry).transpose()
}

/// A mailbox that may receive mail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailboxEntry {
    pub id: i64,
    pub email: String,
    pub enabled: bool,
    /// 0: no limit.
    pub quota_bytes: i64,
    pub used_bytes: i64,
    /// The person keeps entries of their own list (migration 0021): only then does the
    /// sender lists stage read them for a message to this mailbox.
    pub own_list: bool,
}

impl MailboxEntry {
    pub fn is_full(&self) -> bool {
        self.quota_bytes > 0 && self.used_bytes >= self.quota_bytes
    }
}

/// The mailbox with this address in a domain (accounts without a domain — master admins
/// without a mailbox here — receive no mail).
pub async fn mailbox(pool: &Db, address: &str) -> Result<Option<MailboxEntry>, sqlx::Error> {
    db::query_as(
        "SELECT id, email, enabled, quota_bytes, used_bytes, \
         EXISTS (SELECT 1 FROM personal_sender_entries p WHERE p.account_id = accounts.id) \
         AS own_list FROM accounts WHERE email = $1 AND domain_id IS NOT NULL",
    )
    .bind(address)
    .fetch_optional(pool)
    .await
}

/// The recipients of the alias with this address (`@domain` for the catch-all); `None`
/// when there is no such alias.
pub async fn alias_targets(pool: &Db, address: &str) -> Result<Option<Vec<String>>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    Ok(super::aliases::find_by_address(&mut conn.conn(), address)
        .await?
        .map(|(_, targets)| targets))
}

/// Counts delivered bytes against the mailboxes' quotas.
pub async fn add_used_bytes(
    conn: &mut Conn<'_>,
    account_ids: &[i64],
    bytes: i64,
) -> Result<(), sqlx::Error> {
    for id in account_ids {
        db::query("UPDATE accounts SET used_bytes = used_bytes + $1 WHERE id = $2")
            .bind(bytes)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
