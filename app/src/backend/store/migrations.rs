//! Auto migration (see migration 0030): domains' old IMAP servers, users' copies and the
//! folders of each copy with their resume points.

use crate::backend::store::db::{self, Conn, Db};
use crate::model::{
    migration::{FolderRow, MigrationRow, Progress, Security, Source, State},
    time::UnixTime,
};

/// A domain's old server as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SourceLine {
    pub server: String,
    pub security: String,
    pub enabled: bool,
}

impl SourceLine {
    pub fn view(&self) -> Source {
        Source {
            server: self.server.clone(),
            security: Security::parse(&self.security).unwrap_or(Security::Tls),
            enabled: self.enabled,
        }
    }
}

pub async fn source(pool: &Db, domain_id: i64) -> Result<Option<SourceLine>, sqlx::Error> {
    db::query_as("SELECT server, security, enabled FROM migration_sources WHERE domain_id = $1")
        .bind(domain_id)
        .fetch_optional(pool)
        .await
}

pub async fn save_source(
    pool: &Db,
    domain_id: i64,
    source: &Source,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO migration_sources (domain_id, server, security, enabled, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (domain_id) DO UPDATE SET server = excluded.server, \
             security = excluded.security, enabled = excluded.enabled, \
             updated_at = excluded.updated_at",
    )
    .bind(domain_id)
    .bind(source.server.as_str())
    .bind(source.security.as_str())
    .bind(source.enabled)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// True when there was one to remove.
pub async fn remove_source(pool: &Db, domain_id: i64) -> Result<bool, sqlx::Error> {
    let done = db::query("DELETE FROM migration_sources WHERE domain_id = $1")
        .bind(domain_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A new copy, queued at once.
pub struct NewMigration<'a> {
    pub account_id: i64,
    pub domain_id: i64,
    pub server: &'a str,
    pub security: Security,
    pub login: &'a str,
    pub secret: &'a [u8],
    pub weak_password: bool,
}

pub async fn insert(
    conn: &mut Conn<'_>,
    new: NewMigration<'_>,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO migrations (account_id, domain_id, server, security, login, secret, \
             weak_password, state, next_try_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $8, $8) RETURNING id",
    )
    .bind(new.account_id)
    .bind(new.domain_id)
    .bind(new.server)
    .bind(new.security.as_str())
    .bind(new.login)
    .bind(new.secret.to_vec())
    .bind(new.weak_password)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// A copy as its worker reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub server: String,
    pub security: String,
    pub login: String,
    pub secret: Option<Vec<u8>>,
    pub attempts: i64,
}

/// Copies that may start now (waiting, or held by a lease that ran out), oldest turn
/// first, with their servers so that the caller can pick those within the server's limit.
pub async fn due(pool: &Db, now: UnixTime, limit: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    db::query_as(
        "SELECT id, server FROM migrations \
         WHERE state IN ('queued', 'copying') AND next_try_at <= $1 \
           AND (lease_until IS NULL OR lease_until < $1) \
         ORDER BY next_try_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Takes a copy for `owner` until `until` when nobody holds it and it is still to do; the
/// job when it was taken. One statement decides, so two instances never both take it.
pub async fn claim(
    pool: &Db,
    id: i64,
    owner: &str,
    until: UnixTime,
    now: UnixTime,
) -> Result<Option<Job>, sqlx::Error> {
    let taken = db::query(
        "UPDATE migrations SET state = 'copying', lease_owner = $1, lease_until = $2, \
             started_at = COALESCE(started_at, $3), updated_at = $3 \
         WHERE id = $4 AND state IN ('queued', 'copying') AND next_try_at <= $3 \
           AND (lease_until IS NULL OR lease_until < $3)",
    )
    .bind(owner)
    .bind(until)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    if taken.rows_affected() == 0 {
        return Ok(None);
    }
    db::query_as(
        "SELECT m.id, m.account_id, a.email, m.server, m.security, m.login, m.secret, m.attempts \
         FROM migrations m JOIN accounts a ON a.id = m.account_id WHERE m.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Extends the lease while the copy is still `owner`'s and still copying: false when it
/// was cancelled (or taken over after the lease ran out), and the worker stops.
pub async fn renew(
    pool: &Db,
    id: i64,
    owner: &str,
    until: UnixTime,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "UPDATE migrations SET lease_until = $1, updated_at = $2 \
         WHERE id = $3 AND lease_owner = $4 AND state = 'copying'",
    )
    .bind(until)
    .bind(now)
    .bind(id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Gives up `owner`'s leases (at shutdown).
pub async fn release(pool: &Db, owner: &str) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE migrations SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
    )
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

/// Leases of a single instance's earlier run: nobody else can hold them (SQLite).
pub async fn release_all(pool: &Db) -> Result<(), sqlx::Error> {
    debug_assert_eq!(pool.kind(), db::Kind::Sqlite);
    db::query("UPDATE migrations SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL")
        .execute(pool)
        .await?;
    Ok(())
}

/// How a worker's turn ended.
pub enum Ending<'a> {
    /// Every folder copied: the password is forgotten.
    Done,
    /// A failure to try again after `next_try_at`.
    Retry {
        error: &'a str,
        next_try_at: UnixTime,
    },
    /// Given up on (refused password, too many failures); the password stays for a retry.
    Failed { error: &'a str },
}

/// Ends `owner`'s turn on a copy (nothing when it is no longer theirs: cancelled).
pub async fn end_turn(
    pool: &Db,
    id: i64,
    owner: &str,
    ending: Ending<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let q = match ending {
        Ending::Done => db::query(
            "UPDATE migrations SET state = 'done', secret = NULL, last_error = NULL, \
                 finished_at = $1, updated_at = $1, lease_owner = NULL, lease_until = NULL \
             WHERE id = $2 AND lease_owner = $3 AND state = 'copying'",
        )
        .bind(now),
        Ending::Retry { error, next_try_at } => db::query(
            "UPDATE migrations SET state = 'queued', last_error = $1, next_try_at = $2, \
                 attempts = attempts + 1, updated_at = $3, lease_owner = NULL, lease_until = NULL \
             WHERE id = $4 AND lease_owner = $5 AND state = 'copying'",
        )
        .bind(error)
        .bind(next_try_at)
        .bind(now),
        Ending::Failed { error } => db::query(
            "UPDATE migrations SET state = 'failed', last_error = $1, attempts = attempts + 1, \
                 finished_at = $2, updated_at = $2, lease_owner = NULL, lease_until = NULL \
             WHERE id = $3 AND lease_owner = $4 AND state = 'copying'",
        )
        .bind(error)
        .bind(now),
    };
    q.bind(id).bind(owner).execute(pool).await?;
    Ok(())
}

/// Stops a copy and forgets its password; false when it had ended already.
pub async fn cancel(pool: &Db, id: i64, now: UnixTime) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "UPDATE migrations SET state = 'cancelled', secret = NULL, finished_at = $1, \
             updated_at = $1, lease_owner = NULL, lease_until = NULL \
         WHERE id = $2 AND state IN ('queued', 'copying')",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Queues an ended copy again, with a new sealed password when given (else the kept
/// one); false when it is still under way, or has no password to use.
pub async fn requeue(
    pool: &Db,
    id: i64,
    secret: Option<&[u8]>,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "UPDATE migrations SET state = 'queued', secret = COALESCE($1, secret), attempts = 0, \
             last_error = NULL, next_try_at = $2, finished_at = NULL, updated_at = $2 \
         WHERE id = $3 AND state IN ('done', 'failed', 'cancelled') \
           AND (secret IS NOT NULL OR $1 IS NOT NULL)",
    )
    .bind(secret.map(<[u8]>::to_vec))
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Counts a failure to copy one message or folder.
pub async fn add_error(pool: &Db, id: i64, error: &str, now: UnixTime) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE migrations SET errors = errors + 1, last_error = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(error)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Line {
    id: i64,
    email: String,
    domain_id: i64,
    state: String,
    folders_total: i64,
    folders_done: i64,
    messages_total: i64,
    messages_done: i64,
    errors: i64,
    last_error: Option<String>,
    next_try_at: i64,
    created_at: i64,
    finished_at: Option<i64>,
    has_secret: bool,
    server: String,
    security: String,
    login: String,
    /// Flagged at sign-up and not changed here since.
    weak_password: bool,
}

const LINE: &str = "SELECT m.id, a.email, m.domain_id, m.state, m.folders_total, m.folders_done, \
         m.messages_total, m.messages_done, m.errors, m.last_error, m.next_try_at, \
         m.created_at, m.finished_at, (m.secret IS NOT NULL) AS has_secret, m.server, \
         m.security, m.login, \
         (m.weak_password AND a.password_changed_at <= m.created_at) AS weak_password \
     FROM migrations m JOIN accounts a ON a.id = m.account_id";

impl Line {
    fn row(self) -> MigrationRow {
        let state = State::parse(&self.state).unwrap_or(State::Failed);
        MigrationRow {
            id: self.id,
            email: self.email,
            state,
            progress: Progress {
                folders_done: self.folders_done,
                folders_total: self.folders_total,
                messages_done: self.messages_done,
                messages_total: self.messages_total,
                errors: self.errors,
            },
            next_try_at: (state == State::Queued && self.last_error.is_some())
                .then_some(self.next_try_at),
            last_error: self.last_error,
            created_at: self.created_at,
            finished_at: self.finished_at,
            can_retry: self.has_secret && matches!(state, State::Failed | State::Cancelled),
        }
    }
}

/// A domain's copies, newest first.
pub async fn of_domain(pool: &Db, domain_id: i64) -> Result<Vec<MigrationRow>, sqlx::Error> {
    let lines: Vec<Line> = db::query_as(&format!(
        "{LINE} WHERE m.domain_id = $1 ORDER BY m.created_at DESC, m.id DESC"
    ))
    .bind(domain_id)
    .fetch_all(pool)
    .await?;
    Ok(lines.into_iter().map(Line::row).collect())
}

/// One copy with its domain, for an admin's action on it.
pub async fn find(pool: &Db, id: i64) -> Result<Option<(i64, MigrationRow)>, sqlx::Error> {
    let line: Option<Line> = db::query_as(&format!("{LINE} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(line.map(|l| (l.domain_id, l.row())))
}

/// An account's copy with its server, and the fields a restart needs.
pub struct Own {
    pub row: MigrationRow,
    pub server: String,
    pub security: Security,
    pub login: String,
    /// The password brought over breaks the rules for new ones and was not changed since.
    pub weak_password: bool,
}

pub async fn of_account(pool: &Db, account_id: i64) -> Result<Option<Own>, sqlx::Error> {
    let line: Option<Line> = db::query_as(&format!("{LINE} WHERE m.account_id = $1"))
        .bind(account_id)
        .fetch_optional(pool)
        .await?;
    Ok(line.map(|line| Own {
        server: line.server.clone(),
        security: Security::parse(&line.security).unwrap_or(Security::Tls),
        login: line.login.clone(),
        weak_password: line.weak_password,
        row: line.row(),
    }))
}

/// Whether the account came by auto migration.
pub async fn exists(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = db::query_scalar("SELECT id FROM migrations WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// A folder of a copy as its worker reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Folder {
    pub id: i64,
    pub name: String,
    pub target: String,
    pub uid_validity: i64,
    pub last_uid: i64,
    pub messages_total: i64,
    pub messages_done: i64,
    pub done: bool,
}

pub async fn folders(pool: &Db, migration_id: i64) -> Result<Vec<Folder>, sqlx::Error> {
    db::query_as(
        "SELECT id, name, target, uid_validity, last_uid, messages_total, messages_done, done \
         FROM migration_folders WHERE migration_id = $1 ORDER BY position, id",
    )
    .bind(migration_id)
    .fetch_all(pool)
    .await
}

/// The folders of a copy as its owner's screen shows them: (IMAP name, row).
pub async fn folder_rows(
    pool: &Db,
    migration_id: i64,
) -> Result<Vec<(String, FolderRow)>, sqlx::Error> {
    let lines: Vec<(String, i64, i64, bool, Option<String>)> = db::query_as(
        "SELECT name, messages_done, messages_total, done, error \
         FROM migration_folders WHERE migration_id = $1 ORDER BY position, id",
    )
    .bind(migration_id)
    .fetch_all(pool)
    .await?;
    Ok(lines
        .into_iter()
        .map(|(name, messages_done, messages_total, done, error)| {
            let row = FolderRow {
                name: name.clone(),
                messages_done,
                messages_total,
                done,
                error,
            };
            (name, row)
        })
        .collect())
}

/// Adds the folders the old server lists that the copy does not know yet, after those it
/// knows, and sets the copy's folder count.
pub async fn add_folders(
    pool: &Db,
    migration_id: i64,
    found: &[(String, String)],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.write().await?;
    let known: i64 =
        db::query_scalar("SELECT COUNT(*) FROM migration_folders WHERE migration_id = $1")
            .bind(migration_id)
            .fetch_one(&mut tx)
            .await?;
    for (position, (name, target)) in (known..).zip(found) {
        db::query(
            "INSERT INTO migration_folders (migration_id, name, target, position) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (migration_id, name) DO NOTHING",
        )
        .bind(migration_id)
        .bind(name.as_str())
        .bind(target.as_str())
        .bind(position)
        .execute(&mut tx)
        .await?;
    }
    db::query(
        "UPDATE migrations SET folders_total = \
             (SELECT COUNT(*) FROM migration_folders WHERE migration_id = $1), updated_at = $2 \
         WHERE id = $1",
    )
    .bind(migration_id)
    .bind(now)
    .execute(&mut tx)
    .await?;
    tx.commit().await
}

/// A folder's total before it is opened (STATUS), for the progress shown meanwhile.
pub async fn estimate(
    pool: &Db,
    migration_id: i64,
    folder_id: i64,
    total: i64,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.write().await?;
    db::query(
        "UPDATE migration_folders SET messages_total = $1 WHERE id = $2 AND uid_validity = 0",
    )
    .bind(total)
    .bind(folder_id)
    .execute(&mut tx)
    .await?;
    sum_into(&mut tx, migration_id, now).await?;
    tx.commit().await
}

/// What the old server says a folder holds now: its UIDVALIDITY and the messages still to
/// copy. A new UIDVALIDITY means the folder's UIDs name other messages: its resume point
/// starts over.
pub async fn open_folder(
    pool: &Db,
    migration_id: i64,
    folder_id: i64,
    uid_validity: i64,
    to_copy: i64,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.write().await?;
    db::query(
        "UPDATE migration_folders SET \
             last_uid = CASE WHEN uid_validity = $1 THEN last_uid ELSE 0 END, \
             messages_done = CASE WHEN uid_validity = $1 THEN messages_done ELSE 0 END, \
             uid_validity = $1, error = NULL \
         WHERE id = $2",
    )
    .bind(uid_validity)
    .bind(folder_id)
    .execute(&mut tx)
    .await?;
    db::query("UPDATE migration_folders SET messages_total = messages_done + $1 WHERE id = $2")
        .bind(to_copy)
        .bind(folder_id)
        .execute(&mut tx)
        .await?;
    sum_into(&mut tx, migration_id, now).await?;
    tx.commit().await
}

/// A batch as copied: every message of a folder up to `last_uid`, `count` of them, `bytes`.
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    pub migration_id: i64,
    pub account_id: i64,
    pub folder_id: i64,
    pub last_uid: i64,
    pub count: i64,
    pub bytes: i64,
}

/// Records a batch: the folder's resume point, the copy's counts and the mailbox's used
/// space, together.
pub async fn copied(pool: &Db, batch: &Batch, now: UnixTime) -> Result<(), sqlx::Error> {
    let Batch {
        migration_id,
        account_id,
        folder_id,
        last_uid,
        count,
        bytes,
    } = *batch;
    let mut tx = pool.write().await?;
    db::query(
        "UPDATE migration_folders SET last_uid = $1, messages_done = messages_done + $2 \
         WHERE id = $3",
    )
    .bind(last_uid)
    .bind(count)
    .bind(folder_id)
    .execute(&mut tx)
    .await?;
    db::query("UPDATE migrations SET bytes_done = bytes_done + $1 WHERE id = $2")
        .bind(bytes)
        .bind(migration_id)
        .execute(&mut tx)
        .await?;
    if bytes > 0 {
        super::recipients::add_used_bytes(&mut tx.conn(), &[account_id], bytes).await?;
    }
    sum_into(&mut tx, migration_id, now).await?;
    tx.commit().await
}

/// Marks a folder copied (with the error that ended it early, if any).
pub async fn folder_done(
    pool: &Db,
    migration_id: i64,
    folder_id: i64,
    error: Option<&str>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.write().await?;
    // Done without an error: messages that left the old server meanwhile are not owed.
    db::query(
        "UPDATE migration_folders SET done = TRUE, error = $1, \
             messages_total = CASE WHEN $1 IS NULL THEN messages_done ELSE messages_total END \
         WHERE id = $2",
    )
    .bind(error)
    .bind(folder_id)
    .execute(&mut tx)
    .await?;
    sum_into(&mut tx, migration_id, now).await?;
    tx.commit().await
}

/// Folders are looked at again by a new turn: one done before may hold new mail.
pub async fn reopen_folders(pool: &Db, migration_id: i64) -> Result<(), sqlx::Error> {
    db::query("UPDATE migration_folders SET done = FALSE WHERE migration_id = $1")
        .bind(migration_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The copy's counts from its folders'.
async fn sum_into(tx: &mut db::Tx, migration_id: i64, now: UnixTime) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE migrations SET \
             folders_done = (SELECT COUNT(*) FROM migration_folders \
                             WHERE migration_id = $1 AND done), \
             messages_total = (SELECT CAST(COALESCE(SUM(messages_total), 0) AS BIGINT) \
                               FROM migration_folders WHERE migration_id = $1), \
             messages_done = (SELECT CAST(COALESCE(SUM(messages_done), 0) AS BIGINT) \
                              FROM migration_folders WHERE migration_id = $1), \
             updated_at = $2 \
         WHERE id = $1",
    )
    .bind(migration_id)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}
