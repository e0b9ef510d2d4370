//! The one read on the mail login check's hot path, done on the calling thread.
//!
//! sqlx runs every SQLite statement on its connection's worker thread; the two thread
//! hand-offs per query cost far more than the indexed lookup itself, and under load they
//! were most of a cached mail login's time. A cached login needs exactly one read, the
//! account's auth version, and it must see every change at once, including those made by
//! another process on the same database (`mailportal user passwd`). So it reads through a
//! few read-only rusqlite connections of its own, on the calling thread: a few
//! microseconds. WAL lets these reads run beside the writer without waiting for it.

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::{
    path::{Path, PathBuf},
    sync::Mutex,
    time::Duration,
};

/// Idle connections kept; more are opened under load and closed after.
const KEEP: usize = 8;

#[derive(Debug)]
pub struct HotReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl HotReads {
    /// Connections are opened on first use, after the pool has created and migrated the file.
    pub fn new(database: &Path) -> Self {
        HotReads {
            path: database.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The id and auth version of the account with this address (stored in lower case).
    pub fn auth_version(&self, email: &str) -> Result<Option<(i64, i64)>, rusqlite::Error> {
        let conn = self.take()?;
        let found = conn
            .prepare_cached("SELECT id, auth_version FROM accounts WHERE email = ?1")?
            .query_row([email], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional();
        self.give_back(conn);
        found
    }

    fn take(&self) -> Result<Connection, rusqlite::Error> {
        if let Some(conn) = self.lock().pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.lock();
        if idle.len() < KEEP {
            idle.push(conn);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}
