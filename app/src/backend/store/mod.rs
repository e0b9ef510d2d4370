//! The store: SQLite by default, PostgreSQL for several instances (see `db`); opening,
//! migrating, and one module of queries per table group.
//!
//! SQL here stays portable (no SQLite-only functions) so that both run the same queries;
//! `RETURNING` and `ON CONFLICT` are understood by both.

pub mod accounts;
pub mod admin_ips;
pub mod admin_rights;
pub mod aliases;
pub mod antispam;
pub mod api_tokens;
pub mod audit;
pub mod backups;
pub mod bayes;
pub mod callouts;
pub mod db;
pub mod device_passwords;
pub mod digests;
pub mod domains;
pub mod filter_settings;
pub mod hot_reads;
pub mod incident_views;
pub mod ip_blocks;
pub mod links;
pub mod local_recipients;
pub mod login_events;
pub mod mail_log;
pub mod mailboxes;
pub mod migrations;
pub mod passkeys;
pub mod pending_sign_ins;
pub mod personal_lists;
pub mod portal_settings;
pub mod quarantine;
pub mod queue;
pub mod reader;
pub mod recipients;
pub mod recovery_codes;
pub mod routes;
pub mod sender_lists;
pub mod senders;
pub mod sessions;
pub mod stats;
pub mod submission;
#[cfg(any(test, feature = "test-postgres"))]
pub mod test_postgres;
pub mod throttle;
pub mod totp;
pub mod transfer;
pub mod trusted_ips;

use db::{Conn, Db};
use sqlx::{
    error::ErrorKind,
    migrate::Migrator,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{path::Path, str::FromStr, time::Duration};

/// Begins a transaction that writes (see `Db::write`).
pub async fn write(db: &Db) -> Result<db::Tx, sqlx::Error> {
    db.write().await
}

/// The SQLite migrations in `app/migrations`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");
/// The same migrations in PostgreSQL's dialect (`app/migrations_postgres`): the same
/// versions, giving the same tables, columns and indexes.
pub static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations_postgres");

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "mailportal.db";

/// Where the store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `mailportal.db` in the data directory: the embedded default.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database (`postgres://user:password@host/name`), which several
    /// instances may share.
    Postgres(String),
}

/// Opens the store and applies pending migrations.
pub async fn connect(location: &Location) -> Result<Db, sqlx::Error> {
    match location {
        Location::Sqlite(data_dir) => open(data_dir).await,
        Location::Postgres(url) => {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            POSTGRES_MIGRATOR.run(&pool).await?;
            Ok(Db::Postgres(pool))
        }
    }
}

/// Opens (creating if needed) the SQLite database in `data_dir` and applies pending
/// migrations.
pub async fn open(data_dir: &Path) -> Result<Db, sqlx::Error> {
    std::fs::create_dir_all(data_dir)?;
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(data_dir.join(DATABASE_FILE))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // With WAL, NORMAL loses no committed data on a process crash, only on power loss.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A local file needs no liveness check; the ping cost a round trip per query.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(Db::Sqlite(pool))
}

/// True when `e` is a UNIQUE violation. Each insert has at most one unique key a person can
/// hit, so the caller names the field; no error text is searched.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.kind() == ErrorKind::UniqueViolation)
}

/// One list row found by its address (`find` binds it as `$1`), with its members (`list`
/// binds the row's id as `$1`): an alias's recipients, a sender address's users.
pub(crate) async fn row_with_members(
    conn: &mut Conn<'_>,
    find: &str,
    list: &str,
    address: &str,
) -> Result<Option<(i64, Vec<String>)>, sqlx::Error> {
    let id: Option<i64> = db::query_scalar(find)
        .bind(address)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(id) = id else { return Ok(None) };
    let members = db::query_scalar(list).bind(id).fetch_all(conn).await?;
    Ok(Some((id, members)))
}

/// Replaces the members of one list row: `delete` removes them (`$1` the row's id),
/// `insert` adds one (`$1` the row's id, `$2` the member).
pub(crate) async fn replace_members<T>(
    conn: &mut Conn<'_>,
    delete: &str,
    insert: &str,
    id: i64,
    members: &[T],
) -> Result<(), sqlx::Error>
where
    for<'a> &'a T: Into<db::Arg<'a>>,
{
    db::query(delete).bind(id).execute(&mut *conn).await?;
    for member in members {
        db::query(insert)
            .bind(id)
            .bind(member)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The members of several rows in one query: `select` yields (row id, member) pairs and
/// ends in `WHERE <row id column>`; the ids are bound as `IN (…)`, members come in
/// `order` order. Pages of aliases and sender addresses read their lists this way.
pub(crate) async fn members_by_id(
    pool: &Db,
    select: &str,
    order: &str,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>, sqlx::Error> {
    let mut members: std::collections::HashMap<i64, Vec<String>> = Default::default();
    if ids.is_empty() {
        return Ok(members);
    }
    let placeholders = (1..=ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("{select} IN ({placeholders}) ORDER BY {order}");
    let mut query = db::query_as::<(i64, String)>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    for (id, member) in query.fetch_all(pool).await? {
        members.entry(id).or_default().push(member);
    }
    Ok(members)
}
