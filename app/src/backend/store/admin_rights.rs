//! Admins' rights (see migration 0029): a sub-admin's areas and whether they may change
//! things; the domains of a domain admin stay in `domain_admins`.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{
    grant::{Areas, Domains, Grant},
    Role,
};

/// An admin as Security → Admins lists them.
pub struct Admin {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub enabled: bool,
    pub rights: Grant,
}

#[derive(sqlx::FromRow)]
struct AdminLine {
    id: i64,
    email: String,
    role: String,
    enabled: bool,
    areas: Option<i64>,
    may_write: Option<bool>,
}

/// An admin's own rights: a sub-admin's row, or everything their role allows. The domains
/// of a domain admin are not here: their role already keeps them to their own.
pub async fn of(pool: &Db, account_id: i64, role: Role) -> Result<Grant, sqlx::Error> {
    if role == Role::MailUser {
        return Ok(Grant {
            areas: Areas::NONE,
            write: false,
            domains: Domains::Only(Vec::new()),
        });
    }
    let row: Option<(i64, bool)> =
        db::query_as("SELECT areas, may_write FROM admin_rights WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(pool)
            .await?;
    Ok(grant(row))
}

fn grant(row: Option<(i64, bool)>) -> Grant {
    match row {
        Some((areas, write)) => Grant {
            areas: Areas::from_bits(areas),
            write,
            domains: Domains::All,
        },
        None => Grant::full(),
    }
}

/// Sets an admin's rights; full rights remove the row.
pub async fn set(conn: &mut Conn<'_>, account_id: i64, rights: &Grant) -> Result<(), sqlx::Error> {
    if rights.areas == Areas::ALL && rights.write {
        db::query("DELETE FROM admin_rights WHERE account_id = $1")
            .bind(account_id)
            .execute(conn.reborrow())
            .await?;
        return Ok(());
    }
    db::query(
        "INSERT INTO admin_rights (account_id, areas, may_write) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET areas = excluded.areas, may_write = excluded.may_write",
    )
    .bind(account_id)
    .bind(rights.areas.bits())
    .bind(rights.write)
    .execute(conn.reborrow())
    .await?;
    Ok(())
}

/// Every admin account, by address.
pub async fn admins(pool: &Db) -> Result<Vec<Admin>, sqlx::Error> {
    let lines: Vec<AdminLine> = db::query_as(
        "SELECT a.id, a.email, a.role, a.enabled, r.areas, r.may_write FROM accounts a \
         LEFT JOIN admin_rights r ON r.account_id = a.id \
         WHERE a.role <> 'mailuser' ORDER BY a.email",
    )
    .fetch_all(pool)
    .await?;
    Ok(lines
        .into_iter()
        .filter_map(|l| {
            let row = l.areas.zip(l.may_write);
            Some(Admin {
                id: l.id,
                role: l.role.parse().ok()?,
                email: l.email,
                enabled: l.enabled,
                rights: grant(row),
            })
        })
        .collect())
}

/// The domains each domain admin administers: (account id, domain name).
pub async fn administered_names(pool: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    db::query_as(
        "SELECT a.account_id, d.name FROM domain_admins a JOIN domains d ON d.id = a.domain_id \
         ORDER BY d.name",
    )
    .fetch_all(pool)
    .await
}

/// Makes `domain_ids` exactly the domains the account administers.
pub async fn set_administered(
    conn: &mut Conn<'_>,
    account_id: i64,
    domain_ids: &[i64],
) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM domain_admins WHERE account_id = $1")
        .bind(account_id)
        .execute(conn.reborrow())
        .await?;
    for domain in domain_ids {
        db::query("INSERT INTO domain_admins (account_id, domain_id) VALUES ($1, $2)")
            .bind(account_id)
            .bind(*domain)
            .execute(conn.reborrow())
            .await?;
    }
    Ok(())
}
