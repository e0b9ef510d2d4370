//! A relay domain's routes: destination servers in the order they are tried.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{route::RouteRow, time::UnixTime};

/// The domain's routes, first tried first.
pub async fn list(pool: &Db, domain_id: i64) -> Result<Vec<RouteRow>, sqlx::Error> {
    let rows: Vec<(i64, String)> = db::query_as(
        "SELECT id, destination FROM domain_routes WHERE domain_id = $1 ORDER BY position, id",
    )
    .bind(domain_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, destination)| RouteRow { id, destination })
        .collect())
}

/// The route with this id: (domain id, destination).
pub async fn find(pool: &Db, id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    db::query_as("SELECT domain_id, destination FROM domain_routes WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Adds a route after the others; a destination the domain has already comes back as a
/// unique violation.
pub async fn insert(
    conn: &mut Conn<'_>,
    domain_id: i64,
    destination: &str,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO domain_routes (domain_id, position, destination, created_at) \
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM domain_routes WHERE domain_id = $1), $2, $3) \
         RETURNING id",
    )
    .bind(domain_id)
    .bind(destination)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Deletes a route unless it is the domain's last; true when deleted. Deletes of one
/// domain's routes take turns (`Tx::serialize`), so two admins deleting the last two at
/// once, on one instance or two, cannot leave none.
pub async fn delete_unless_last(pool: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = pool.write().await?;
    let domain: Option<i64> = db::query_scalar("SELECT domain_id FROM domain_routes WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await?;
    let Some(domain) = domain else {
        return Ok(false);
    };
    tx.serialize(&format!("routes of domain {domain}")).await?;
    let done = db::query(
        "DELETE FROM domain_routes WHERE id = $1 AND \
           (SELECT COUNT(*) FROM domain_routes r, domain_routes me \
            WHERE me.id = $1 AND r.domain_id = me.domain_id) > 1",
    )
    .bind(id)
    .execute(&mut tx.conn())
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// Writes the order of a domain's routes: `ids` first to last.
pub async fn reorder(conn: &mut Conn<'_>, domain_id: i64, ids: &[i64]) -> Result<(), sqlx::Error> {
    for (position, id) in ids.iter().enumerate() {
        db::query("UPDATE domain_routes SET position = $1 WHERE id = $2 AND domain_id = $3")
            .bind(position as i64 + 1)
            .bind(id)
            .bind(domain_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
