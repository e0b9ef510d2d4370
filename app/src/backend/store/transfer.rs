//! What CSV export reads, and the lookups an import makes inside its transaction (so that
//! a row sees the rows above it in the same file).

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{route::DomainKind, time::UnixTime};

/// A mailbox as its export line shows it, or as an import compares it.
#[derive(sqlx::FromRow)]
pub struct MailboxLine {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub domain_id: Option<i64>,
    pub display_name: String,
    pub quota_bytes: i64,
    pub enabled: bool,
    pub used_bytes: i64,
}

const MAILBOX: &str = "SELECT id, email, role, domain_id, display_name, quota_bytes, enabled, \
     used_bytes FROM accounts";

pub async fn mailboxes(pool: &Db, domain_id: i64) -> Result<Vec<MailboxLine>, sqlx::Error> {
    db::query_as(&format!("{MAILBOX} WHERE domain_id = $1 ORDER BY email"))
        .bind(domain_id)
        .fetch_all(pool)
        .await
}

pub async fn mailbox(conn: &mut Conn<'_>, email: &str) -> Result<Option<MailboxLine>, sqlx::Error> {
    db::query_as(&format!("{MAILBOX} WHERE email = $1"))
        .bind(email)
        .fetch_optional(conn)
        .await
}

/// Each alias of the domain with its recipients, joined by ", ".
pub async fn aliases(pool: &Db, domain_id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    db::query_as(
        "SELECT a.address, COALESCE((SELECT string_agg(t.target, ', ' ORDER BY t.target) \
           FROM alias_targets t WHERE t.alias_id = a.id), '') \
         FROM aliases a WHERE a.domain_id = $1 ORDER BY a.address",
    )
    .bind(domain_id)
    .fetch_all(pool)
    .await
}

/// Each sender address of the domain with the mailboxes that may use it, joined by ", ".
pub async fn senders(pool: &Db, domain_id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    db::query_as(
        "SELECT s.address, COALESCE((SELECT string_agg(c.email, ', ' ORDER BY c.email) \
           FROM sender_address_users u JOIN accounts c ON c.id = u.account_id \
           WHERE u.sender_id = s.id), '') \
         FROM sender_addresses s WHERE s.domain_id = $1 ORDER BY s.address",
    )
    .bind(domain_id)
    .fetch_all(pool)
    .await
}

/// A domain as an import compares it: id, kind, the main domain's name for an alias.
pub struct DomainLine {
    pub id: i64,
    pub kind: DomainKind,
    pub alias_of: Option<String>,
}

pub async fn domain(conn: &mut Conn<'_>, name: &str) -> Result<Option<DomainLine>, sqlx::Error> {
    let row: Option<(i64, String, Option<String>)> = db::query_as(
        "SELECT d.id, d.kind, m.name AS alias_of FROM domains d \
         LEFT JOIN domains m ON m.id = d.alias_of WHERE d.name = $1",
    )
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.map(|(id, kind, alias_of)| {
        Ok(DomainLine {
            id,
            kind: DomainKind::parse(&kind).map_err(|e| sqlx::Error::Decode(e.into()))?,
            alias_of,
        })
    })
    .transpose()
}

/// The domain's routes in the order they are tried.
pub async fn routes(conn: &mut Conn<'_>, domain_id: i64) -> Result<Vec<String>, sqlx::Error> {
    db::query_scalar("SELECT destination FROM domain_routes WHERE domain_id = $1 ORDER BY position")
        .bind(domain_id)
        .fetch_all(conn)
        .await
}

/// Replaces the domain's routes with `destinations`, tried in that order.
pub async fn replace_routes(
    conn: &mut Conn<'_>,
    domain_id: i64,
    destinations: &[String],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM domain_routes WHERE domain_id = $1")
        .bind(domain_id)
        .execute(&mut *conn)
        .await?;
    for d in destinations {
        super::routes::insert(conn, domain_id, d, now).await?;
    }
    Ok(())
}
