//! The database's part of a backup: a consistent copy taken while the server writes, and
//! what the copy's message rows need from the spool. SQLite is copied here (`VACUUM
//! INTO`); PostgreSQL by `pg_dump` in a snapshot this module holds open (`PgSnapshot`).

use super::{
    db::{self, Conn},
    DATABASE_FILE,
};
use sqlx::{
    sqlite::SqliteConnectOptions, ConnectOptions, Connection, PgConnection, SqliteConnection,
};
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

/// A PostgreSQL transaction held open so that `pg_dump --snapshot` copies what it sees:
/// what `message_files` reads in it names the files of the dump's rows.
pub struct PgSnapshot {
    conn: PgConnection,
    /// What `pg_dump --snapshot` takes.
    pub id: String,
}

impl PgSnapshot {
    pub async fn take(url: &str) -> Result<PgSnapshot, sqlx::Error> {
        let mut conn = PgConnection::connect(url).await?;
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut conn)
            .await?;
        let id = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut conn)
            .await?;
        Ok(PgSnapshot { conn, id })
    }

    pub fn conn(&mut self) -> Conn<'_> {
        Conn::Postgres(&mut self.conn)
    }

    /// Ends the snapshot (it wrote nothing).
    pub async fn close(mut self) -> Result<(), sqlx::Error> {
        sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
        self.conn.close().await
    }
}

/// The queue ids whose messages are files: those waiting in the delivery queue (under
/// `spool/`) and those kept in quarantine (under `quarantine/`).
pub async fn message_files(conn: &mut Conn<'_>) -> Result<(Vec<String>, Vec<String>), sqlx::Error> {
    let spooled = db::query_scalar("SELECT DISTINCT queue_id FROM mail_queue ORDER BY 1")
        .fetch_all(&mut *conn)
        .await?;
    let kept = db::query_scalar("SELECT queue_id FROM quarantine ORDER BY 1")
        .fetch_all(&mut *conn)
        .await?;
    Ok((spooled, kept))
}

/// Forgets a queued message whose spool file went after the snapshot: it was delivered or
/// bounced meanwhile, and the restored server must not send it again.
pub async fn forget_spooled(conn: &mut Conn<'_>, queue_id: &str) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM mail_queue WHERE queue_id = $1")
        .bind(queue_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a quarantined message whose file went after the snapshot (released or deleted
/// meanwhile).
pub async fn forget_kept(conn: &mut Conn<'_>, queue_id: &str) -> Result<(), sqlx::Error> {
    db::query("DELETE FROM quarantine WHERE queue_id = $1")
        .bind(queue_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The newest migration applied to the copy (or, in a snapshot, to the store).
pub async fn schema_version(conn: &mut Conn<'_>) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM _sqlx_migrations")
        .fetch_one(conn)
        .await
}

/// Tables in the PostgreSQL database's public schema: a restore goes into an empty one.
pub async fn pg_tables(url: &str) -> Result<i64, sqlx::Error> {
    let mut conn = PgConnection::connect(url).await?;
    let n = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(n)
}

/// The newest migration this build knows.
pub fn known_schema_version() -> i64 {
    super::MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or_default()
}
