//! Quarantine digests (migration 0025): who gets one for which domain, when each last got
//! it, who wants none, and the links already used.

use crate::backend::store::db::{self, Db};
use crate::model::{digest::DigestEvery, role::Role};

/// A person who may get a domain's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub account_id: i64,
    pub email: String,
    pub role: Role,
    pub domain_id: i64,
    pub domain: String,
    pub every: DigestEvery,
    /// They administer the domain: their digest lists the whole domain's kept mail.
    pub admin: bool,
    pub sent_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    account_id: i64,
    email: String,
    role: String,
    domain_id: i64,
    domain: String,
    digest: String,
    admin: bool,
    sent_at: Option<i64>,
}

/// Everyone who has not turned digests off, for each domain whose digests are on: the
/// mailboxes of the domain and the domain's admins, each (person, domain) once (as an
/// admin when they are both).
pub async fn recipients(pool: &Db) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows: Vec<Row> = db::query_as(
        "SELECT p.account_id, a.email, a.role, d.id AS domain_id, d.name AS domain, \
         COALESCE(f.digest, 'daily') AS digest, \
         MAX(CASE WHEN p.admin THEN 1 ELSE 0 END) = 1 AS admin, q.sent_at \
         FROM (SELECT id AS account_id, domain_id, FALSE AS admin FROM accounts \
               WHERE domain_id IS NOT NULL \
               UNION ALL SELECT account_id, domain_id, TRUE FROM domain_admins) p \
         JOIN accounts a ON a.id = p.account_id \
         JOIN domains d ON d.id = p.domain_id AND d.alias_of IS NULL \
         LEFT JOIN filter_settings f ON f.domain_id = d.id \
         LEFT JOIN quarantine_digests q ON q.account_id = p.account_id AND q.domain_id = d.id \
         WHERE a.enabled AND NOT a.digest_opt_out AND COALESCE(f.digest, 'daily') <> 'off' \
         GROUP BY p.account_id, a.email, a.role, d.id, d.name, f.digest, q.sent_at \
         ORDER BY d.name, a.email",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Recipient {
            account_id: r.account_id,
            email: r.email,
            role: r.role.parse().unwrap_or(Role::MailUser),
            domain_id: r.domain_id,
            domain: r.domain,
            every: DigestEvery::parse(&r.digest).unwrap_or_default(),
            // A domain admin's role is what they are everywhere; a mail user listed
            // through `domain_admins` would be a stale row.
            admin: r.admin && r.role != "mailuser",
            sent_at: r.sent_at,
        })
        .collect())
}

/// Takes the person's digest of the domain up to `until`, unless another instance took it
/// since `was` (the last digest's end, as read): true when this one sends it. A
/// compare-and-set, so that instances running the same tick send one digest.
pub async fn claim(
    pool: &Db,
    account_id: i64,
    domain_id: i64,
    was: Option<i64>,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let sql = match was {
        None => {
            "INSERT INTO quarantine_digests (account_id, domain_id, sent_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, domain_id) DO NOTHING"
        }
        Some(_) => {
            "UPDATE quarantine_digests SET sent_at = $3 \
             WHERE account_id = $1 AND domain_id = $2 AND sent_at = $4"
        }
    };
    let taken = with_was(
        db::query(sql).bind(account_id).bind(domain_id).bind(until),
        was,
    )
    .execute(pool)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Gives a claimed digest back (it could not be sent): the next tick tries again from
/// `was`.
pub async fn unclaim(
    pool: &Db,
    account_id: i64,
    domain_id: i64,
    until: i64,
    was: Option<i64>,
) -> Result<(), sqlx::Error> {
    let sql = match was {
        None => {
            "DELETE FROM quarantine_digests \
                 WHERE account_id = $1 AND domain_id = $2 AND sent_at = $3"
        }
        Some(_) => {
            "UPDATE quarantine_digests SET sent_at = $4 \
                    WHERE account_id = $1 AND domain_id = $2 AND sent_at = $3"
        }
    };
    with_was(
        db::query(sql).bind(account_id).bind(domain_id).bind(until),
        was,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Binds `was` as `$4` when there is one (the statements without it have three).
fn with_was(query: db::Query<'static>, was: Option<i64>) -> db::Query<'static> {
    match was {
        Some(was) => query.bind(was),
        None => query,
    }
}

/// Whether the person wants digests.
pub async fn wanted(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let out: bool = db::query_scalar("SELECT digest_opt_out FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(pool)
        .await?;
    Ok(!out)
}

pub async fn set_wanted(pool: &Db, account_id: i64, wanted: bool) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET digest_opt_out = $2 WHERE id = $1")
        .bind(account_id)
        .bind(!wanted)
        .execute(pool)
        .await?;
    Ok(())
}

/// How often the digests of the domains the person gets mail in or administers come, by
/// domain name.
pub async fn domains_of(
    pool: &Db,
    account_id: i64,
) -> Result<Vec<(String, DigestEvery)>, sqlx::Error> {
    let rows: Vec<(String, String)> = db::query_as(
        "SELECT d.name, COALESCE(f.digest, 'daily') FROM domains d \
         LEFT JOIN filter_settings f ON f.domain_id = d.id \
         WHERE d.alias_of IS NULL AND (d.id = (SELECT domain_id FROM accounts WHERE id = $1) \
           OR d.id IN (SELECT domain_id FROM domain_admins WHERE account_id = $1)) \
         ORDER BY d.name",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, every)| (name, DigestEvery::parse(&every).unwrap_or_default()))
        .collect())
}

/// Marks the link with this nonce used; false when it was already.
pub async fn use_link(
    pool: &Db,
    nonce: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "INSERT INTO digest_links_used (nonce, used_at, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (nonce) DO NOTHING",
    )
    .bind(nonce)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes a link usable again after what it asked for failed.
pub async fn unuse_link(pool: &Db, nonce: &str) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM digest_links_used WHERE nonce = $1")
        .bind(nonce)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn link_used(pool: &Db, nonce: &str) -> Result<bool, sqlx::Error> {
    db::query_scalar("SELECT EXISTS (SELECT 1 FROM digest_links_used WHERE nonce = $1)")
        .bind(nonce)
        .fetch_one(pool)
        .await
}

/// Forgets used links that have expired anyway.
pub async fn purge_used(pool: &Db, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        db::query("DELETE FROM digest_links_used WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
