//! The admin IP access list (see migration 0028).

use crate::backend::store::db::{self, Db};
use crate::model::{admin_ips::AdminIpEntry, time::UnixTime};

/// Every entry, in the order added.
pub async fn list(pool: &Db) -> Result<Vec<AdminIpEntry>, sqlx::Error> {
    db::query_as(
        "SELECT id, network, description, created_at, created_by FROM admin_ip_access ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// Adds a network; `false` when it is listed already.
pub async fn add(
    pool: &Db,
    network: &str,
    description: &str,
    created_by: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "INSERT INTO admin_ip_access (network, description, created_at, created_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (network) DO NOTHING",
    )
    .bind(network)
    .bind(description)
    .bind(now)
    .bind(created_by)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes an entry; `false` when it was gone already.
pub async fn delete(pool: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = db::query("DELETE FROM admin_ip_access WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
