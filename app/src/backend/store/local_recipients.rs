//! A domain's local recipients (migration 0017).

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{
    list::{offset, PAGE_SIZE},
    local_recipient::LocalRecipientRow,
    time::UnixTime,
};

type Row = (i64, String, i64);

fn row((id, address, created_at): Row) -> LocalRecipientRow {
    LocalRecipientRow {
        id,
        address,
        created_at,
    }
}

/// One page of the domain's local recipients containing the search (a `like_pattern`), in
/// address order, and how many match in all.
pub async fn page(
    pool: &Db,
    domain_id: i64,
    pattern: &str,
    page: i64,
) -> Result<(Vec<LocalRecipientRow>, i64), sqlx::Error> {
    let rows: Vec<Row> = db::query_as(
        "SELECT id, address, created_at FROM local_recipients \
         WHERE domain_id = $1 AND address LIKE $2 ESCAPE '\\' ORDER BY address LIMIT $3 OFFSET $4",
    )
    .bind(domain_id)
    .bind(pattern)
    .bind(PAGE_SIZE)
    .bind(offset(page))
    .fetch_all(pool)
    .await?;
    let total = db::query_scalar(
        "SELECT COUNT(*) FROM local_recipients WHERE domain_id = $1 AND address LIKE $2 ESCAPE '\\'",
    )
    .bind(domain_id)
    .bind(pattern)
    .fetch_one(pool)
    .await?;
    Ok((rows.into_iter().map(row).collect(), total))
}

/// Every address of the domain's list, for an export.
pub async fn all(pool: &Db, domain_id: i64) -> Result<Vec<String>, sqlx::Error> {
    db::query_scalar("SELECT address FROM local_recipients WHERE domain_id = $1 ORDER BY address")
        .bind(domain_id)
        .fetch_all(pool)
        .await
}

/// The entry with this id and its domain's id.
pub async fn find(pool: &Db, id: i64) -> Result<Option<(i64, LocalRecipientRow)>, sqlx::Error> {
    let found: Option<(i64, i64, String, i64)> = db::query_as(
        "SELECT domain_id, id, address, created_at FROM local_recipients WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(found.map(|(domain_id, id, address, at)| (domain_id, row((id, address, at)))))
}

/// Adds an address; false when the list has it already.
pub async fn insert(
    conn: &mut Conn<'_>,
    domain_id: i64,
    address: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "INSERT INTO local_recipients (domain_id, address, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (domain_id, address) DO NOTHING",
    )
    .bind(domain_id)
    .bind(address)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(pool: &Db, id: i64) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM local_recipients WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Empties the domain's list; how many addresses it had.
pub async fn clear(pool: &Db, domain_id: i64) -> Result<u64, sqlx::Error> {
    let done = db::query("DELETE FROM local_recipients WHERE domain_id = $1")
        .bind(domain_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Whether relayed mail for `address` is taken: the domain has no list, or the address is
/// on it.
pub async fn allowed(pool: &Db, domain_id: i64, address: &str) -> Result<bool, sqlx::Error> {
    let (listed, found): (bool, bool) = db::query_as(
        "SELECT EXISTS (SELECT 1 FROM local_recipients WHERE domain_id = $1), \
                EXISTS (SELECT 1 FROM local_recipients WHERE domain_id = $1 AND address = $2)",
    )
    .bind(domain_id)
    .bind(address)
    .fetch_one(pool)
    .await?;
    Ok(!listed || found)
}
