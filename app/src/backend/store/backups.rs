//! The database's part of a backup: a consistent copy taken while the server writes, and
//! what the copy's message rows need from the spool.

use super::DATABASE_FILE;
use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection, SqliteConnection};
use std::{path::Path, time::Duration};

/// Writes the database in `data_dir` into `target` (a file that must not exist yet) as one
/// read transaction sees it: the server goes on writing meanwhile, and the copy is what was
/// committed at its start (`VACUUM INTO`, which also compacts it).
pub async fn snapshot(data_dir: &Path, target: &Path) -> Result<(), sqlx::Error> {
    let source = SqliteConnectOptions::new()
        .filename(data_dir.join(DATABASE_FILE))
        .busy_timeout(Duration::from_secs(30));
    let mut conn = source.connect().await?;
    sqlx::query("VACUUM INTO $1")
        .bind(target.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await?;
    conn.close().await
}

/// Opens a copy (a backup's, or a restored one) on its own, foreign keys enforced.
pub async fn open_copy(file: &Path) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(file)
        .foreign_keys(true)
        .connect()
        .await
}

/// Leaves the copy as one self-contained file (no journal beside it) and closes it.
pub async fn close_copy(mut conn: SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut conn)
        .await?;
    conn.close().await
}

/// The queue ids whose messages are files: those waiting in the delivery queue (under
/// `spool/`) and those kept in quarantine (under `quarantine/`).
pub async fn message_files(
    conn: &mut SqliteConnection,
) -> Result<(Vec<String>, Vec<String>), sqlx::Error> {
    let spooled = sqlx::query_scalar("SELECT DISTINCT queue_id FROM mail_queue ORDER BY 1")
        .fetch_all(&mut *conn)
        .await?;
    let kept = sqlx::query_scalar("SELECT queue_id FROM quarantine ORDER BY 1")
        .fetch_all(&mut *conn)
        .await?;
    Ok((spooled, kept))
}

/// Forgets a queued message whose spool file went after the snapshot: it was delivered or
/// bounced meanwhile, and the restored server must not send it again.
pub async fn forget_spooled(
    conn: &mut SqliteConnection,
    queue_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mail_queue WHERE queue_id = $1")
        .bind(queue_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a quarantined message whose file went after the snapshot (released or deleted
/// meanwhile).
pub async fn forget_kept(conn: &mut SqliteConnection, queue_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM quarantine WHERE queue_id = $1")
        .bind(queue_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The newest migration applied to the copy.
pub async fn schema_version(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
        .fetch_one(conn)
        .await
}

/// The newest migration this build knows.
pub fn known_schema_version() -> i64 {
    super::MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or_default()
}
