//! Aliases and their recipients.

use crate::backend::store::db::{self, Conn, Db, Exec};
use crate::model::{
    alias::AliasRow,
    list::{offset, PAGE_SIZE},
    time::UnixTime,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    domain_id: i64,
    address: String,
    created_at: i64,
}

/// The rows with their recipients, read in one more query for the whole page.
async fn with_targets(pool: &Db, rows: Vec<Row>) -> Result<Vec<(i64, AliasRow)>, sqlx::Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut targets = super::members_by_id(
        pool,
        "SELECT alias_id, target FROM alias_targets WHERE alias_id",
        "target",
        &ids,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let row = AliasRow {
                id: r.id,
                targets: targets.remove(&r.id).unwrap_or_default(),
                address: r.address,
                created_at: r.created_at,
            };
            (r.domain_id, row)
        })
        .collect())
}

const SELECT: &str = "SELECT a.id, a.domain_id, a.address, a.created_at FROM aliases a";

const MATCHING: &str = "WHERE a.domain_id = $1 AND (a.address LIKE $2 ESCAPE '\\' \
       OR EXISTS (SELECT 1 FROM alias_targets t WHERE t.alias_id = a.id AND t.target LIKE $2 ESCAPE '\\'))";

/// One page of the domain's aliases whose address or a recipient contains the search (a
/// `like_pattern`), in address order, and how many match in all.
pub async fn page(
    pool: &Db,
    domain_id: i64,
    pattern: &str,
    page: i64,
) -> Result<(Vec<AliasRow>, i64), sqlx::Error> {
    let rows: Vec<Row> = db::query_as(&format!(
        "{SELECT} {MATCHING} ORDER BY a.address LIMIT $3 OFFSET $4"
    ))
    .bind(domain_id)
    .bind(pattern)
    .bind(PAGE_SIZE)
    .bind(offset(page))
    .fetch_all(pool)
    .await?;
    let total = db::query_scalar(&format!("SELECT COUNT(*) FROM aliases a {MATCHING}"))
        .bind(domain_id)
        .bind(pattern)
        .fetch_one(pool)
        .await?;
    let rows = with_targets(pool, rows).await?;
    Ok((rows.into_iter().map(|(_, row)| row).collect(), total))
}

/// The alias with this id and the id of its domain.
pub async fn find(pool: &Db, id: i64) -> Result<Option<(i64, AliasRow)>, sqlx::Error> {
    let rows: Vec<Row> = db::query_as(&format!("{SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(with_targets(pool, rows).await?.pop())
}

/// The id and recipients of the alias with this address (`@domain` for a catch-all);
/// `None` when there is no such alias.
pub async fn find_by_address(
    conn: &mut Conn<'_>,
    address: &str,
) -> Result<Option<(i64, Vec<String>)>, sqlx::Error> {
    super::row_with_members(
        conn,
        "SELECT id FROM aliases WHERE address = $1",
        "SELECT target FROM alias_targets WHERE alias_id = $1 ORDER BY target",
        address,
    )
    .await
}

/// Inserts an alias; a taken address comes back as a unique violation.
pub async fn insert(
    conn: &mut Conn<'_>,
    domain_id: i64,
    address: &str,
    targets: &[String],
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    let id = db::query_scalar(
        "INSERT INTO aliases (domain_id, address, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(domain_id)
    .bind(address)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    set_targets(conn, id, targets).await?;
    Ok(id)
}

/// Replaces the alias's recipients.
pub async fn set_targets(
    conn: &mut Conn<'_>,
    id: i64,
    targets: &[String],
) -> Result<(), sqlx::Error> {
    super::replace_members(
        conn,
        "DELETE FROM alias_targets WHERE alias_id = $1",
        "INSERT INTO alias_targets (alias_id, target) VALUES ($1, $2)",
        id,
        targets,
    )
    .await
}

pub async fn delete(pool: &Db, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM aliases WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// True when an alias has this address.
pub async fn exists<'e>(db: impl Into<Exec<'e>>, address: &str) -> Result<bool, sqlx::Error> {
    db::query_scalar("SELECT EXISTS (SELECT 1 FROM aliases WHERE address = $1)")
        .bind(address)
        .fetch_one(db)
        .await
}
