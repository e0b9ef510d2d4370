//! Sender addresses and the mailboxes that may send as them.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{
    list::{offset, PAGE_SIZE},
    sender::SenderRow,
    time::UnixTime,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    domain_id: i64,
    address: String,
    created_at: i64,
}

/// The rows with their users, read in one more query for the whole page.
async fn with_users(pool: &Db, rows: Vec<Row>) -> Result<Vec<(i64, SenderRow)>, sqlx::Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut users = super::members_by_id(
        pool,
        "SELECT su.sender_id, a.email FROM sender_address_users su \
         JOIN accounts a ON a.id = su.account_id WHERE su.sender_id",
        "a.email",
        &ids,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let row = SenderRow {
                id: r.id,
                users: users.remove(&r.id).unwrap_or_default(),
                address: r.address,
                created_at: r.created_at,
            };
            (r.domain_id, row)
        })
        .collect())
}

const SELECT: &str = "SELECT s.id, s.domain_id, s.address, s.created_at FROM sender_addresses s";

const MATCHING: &str = "WHERE s.domain_id = $1 AND (s.address LIKE $2 ESCAPE '\\' \
       OR EXISTS (SELECT 1 FROM sender_address_users su JOIN accounts a ON a.id = su.account_id \
                  WHERE su.sender_id = s.id AND a.email LIKE $2 ESCAPE '\\'))";

/// One page of the domain's sender addresses whose address or a user contains the search
/// (a `like_pattern`), in address order, and how many match in all.
pub async fn page(
    pool: &Db,
    domain_id: i64,
    pattern: &str,
    page: i64,
) -> Result<(Vec<SenderRow>, i64), sqlx::Error> {
    let rows: Vec<Row> = db::query_as(&format!(
        "{SELECT} {MATCHING} ORDER BY s.address LIMIT $3 OFFSET $4"
    ))
    .bind(domain_id)
    .bind(pattern)
    .bind(PAGE_SIZE)
    .bind(offset(page))
    .fetch_all(pool)
    .await?;
    let total = db::query_scalar(&format!(
        "SELECT COUNT(*) FROM sender_addresses s {MATCHING}"
    ))
    .bind(domain_id)
    .bind(pattern)
    .fetch_one(pool)
    .await?;
    let rows = with_users(pool, rows).await?;
    Ok((rows.into_iter().map(|(_, row)| row).collect(), total))
}

/// The sender address with this id and the id of its domain.
pub async fn find(pool: &Db, id: i64) -> Result<Option<(i64, SenderRow)>, sqlx::Error> {
    let rows: Vec<Row> = db::query_as(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(with_users(pool, rows).await?.pop())
}

/// Inserts a sender address; a taken address comes back as a unique violation.
pub async fn insert(
    conn: &mut Conn<'_>,
    domain_id: i64,
    address: &str,
    users: &[i64],
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    let id = db::query_scalar(
        "INSERT INTO sender_addresses (domain_id, address, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(domain_id)
    .bind(address)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    set_users(conn, id, users).await?;
    Ok(id)
}

/// Replaces the mailboxes that may send as the address.
pub async fn set_users(conn: &mut Conn<'_>, id: i64, users: &[i64]) -> Result<(), sqlx::Error> {
    super::replace_members(
        conn,
        "DELETE FROM sender_address_users WHERE sender_id = $1",
        "INSERT INTO sender_address_users (sender_id, account_id) VALUES ($1, $2)",
        id,
        users,
    )
    .await
}

/// The id of the sender address with this address and the addresses of the mailboxes
/// that may use it, sorted; `None` when there is no such sender address.
pub async fn find_by_address(
    conn: &mut Conn<'_>,
    address: &str,
) -> Result<Option<(i64, Vec<String>)>, sqlx::Error> {
    super::row_with_members(
        conn,
        "SELECT id FROM sender_addresses WHERE address = $1",
        "SELECT c.email FROM sender_address_users u JOIN accounts c ON c.id = u.account_id \
         WHERE u.sender_id = $1 ORDER BY c.email",
        address,
    )
    .await
}

pub async fn delete(pool: &Db, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM sender_addresses WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The sender address `address` (lower case) is granted to `account_id`.
pub async fn granted(pool: &Db, address: &str, account_id: i64) -> Result<bool, sqlx::Error> {
    db::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sender_addresses s JOIN sender_address_users u \
         ON u.sender_id = s.id WHERE s.address = $1 AND u.account_id = $2)",
    )
    .bind(address)
    .bind(account_id)
    .fetch_one(pool)
    .await
}
