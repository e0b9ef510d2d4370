//! `mailportal backup DIR` and `mailportal restore DIR`.
//!
//! A backup is taken while the server runs: first the database, as one read transaction
//! sees it; then the files its rows name (queued and quarantined messages), the key that
//! seals the stored secrets (TOTP, passkeys: without it they are lost), and the Maildir.
//! Messages are written to disk before their rows, so every row in the snapshot had its
//! file; a file gone by the time it is copied left after the snapshot (delivered, released
//! or deleted), and its rows leave the copy too, so a restored server sends nothing twice.
//! The Maildir is copied file by file, as Maildir backups are: mail delivered meanwhile may
//! or may not be in it.
//!
//! A PostgreSQL store is copied by `pg_dump` (custom format) in a snapshot that this
//! process holds open while it reads the message ids, so that the ids and the dump agree;
//! rows whose files left meanwhile are listed in the manifest and forgotten on restore,
//! which runs `pg_restore` into a new, empty database. The tools come with Debian's
//! postgresql-client; the password in `database_url` reaches them in `PGPASSWORD`, never
//! on a command line other local users can read.
//!
//! `MANIFEST.json`, written last, lists every file with its size and SHA-256: a backup
//! without it is incomplete, and restore checks every file against it before it writes
//! anything. Restore goes into an empty data directory only, never over a live one.

use crate::{config::Config, Failure};
use app::backend::{
    keys::KEY_FILE,
    store::{self, backups, db::Conn},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{
    fs,
    io::{self, Read, Write},
    os::unix::fs::{DirBuilderExt, OpenOptionsExt},
    path::{Path, PathBuf},
};

pub const MANIFEST: &str = "MANIFEST.json";
/// A PostgreSQL store's dump, inside a backup.
pub const PG_DUMP_FILE: &str = "database.pgdump";
/// The manifest's layout; a newer one is refused rather than half understood.
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    /// The version of Mail Portal that wrote it.
    written_by: String,
    /// Unix time of the snapshot.
    taken_at: i64,
    store: String,
    /// The newest migration in the copied database.
    schema_version: i64,
    files: Vec<Entry>,
    /// PostgreSQL: the queued and the quarantined messages whose files left after the
    /// snapshot; restore forgets their rows. (SQLite's copy has them forgotten already.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    left_queued: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    left_kept: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// Relative to the backup (and to the data directory), `/`-separated.
    path: String,
    bytes: u64,
    sha256: String,
}

/// What a backup or restore did.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
    /// Queued or quarantined messages that left after the snapshot, left out of the copy.
    pub left_out: usize,
}

/// Writes a backup of the store and the data directory into `dir` (new, or empty).
pub async fn backup(config: &Config, dir: &Path) -> Result<Summary, Failure> {
    let data = &config.data_dir;
    if config.database_url.is_none() && !data.join(store::DATABASE_FILE).is_file() {
        return Err(Failure(format!(
            "{} holds no database: nothing to back up (is data_dir right?)",
            data.display()
        )));
    }
    if !data.join(KEY_FILE).is_file() {
        return Err(Failure(format!(
            "{} has no {KEY_FILE}: without it the stored secrets cannot be read, so no backup is taken",
            data.display()
        )));
    }
    make_empty_dir(dir, "back up into")?;
    let taken_at = app::backend::Clock::System.now();
    let (schema_version, left) = match &config.database_url {
        None => copy_sqlite(data, dir).await?,
        Some(url) => copy_postgres(url, data, dir).await?,
    };
    let mut summary = Summary {
        left_out: left.queued.len() + left.kept.len(),
        ..Summary::default()
    };
    // SQLite's copy forgot their rows already; PostgreSQL's dump has them, for restore to
    // forget.
    let (left_queued, left_kept) = match config.database_url {
        Some(_) => (left.queued, left.kept),
        None => Default::default(),
    };
    copy_file(&data.join(KEY_FILE), &dir.join(KEY_FILE))?;
    copy_maildir(&data.join("maildir"), &dir.join("maildir"))?;

    let files = list_files(dir)?
        .into_iter()
        .map(|path| describe(dir, &path))
        .collect::<Result<Vec<_>, _>>()?;
    summary.files = files.len();
    summary.bytes = files.iter().map(|f| f.bytes).sum();
    let manifest = Manifest {
        format: FORMAT,
        written_by: env!("CARGO_PKG_VERSION").into(),
        taken_at,
        store: store_name(config).into(),
        schema_version,
        files,
        left_queued,
        left_kept,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| Failure(e.to_string()))?;
    write_new(&dir.join(MANIFEST), &text)?;
    Ok(summary)
}

/// Restores the backup in `dir` into the configured data directory, which must be new or
/// empty; every file is checked before anything is written.
pub async fn restore(config: &Config, dir: &Path) -> Result<Summary, Failure> {
    let manifest = read_manifest(dir)?;
    match (manifest.store.as_str(), &config.database_url) {
        ("sqlite", Some(_)) => {
            return Err(Failure(
                "this backup holds a SQLite store, and the configuration names a PostgreSQL \
                 one (database_url): restore it without database_url"
                    .into(),
            ))
        }
        ("postgres", None) => {
            return Err(Failure(
                "this backup holds a PostgreSQL dump: set database_url to a new, empty \
                 database to restore it into"
                    .into(),
            ))
        }
        _ => {}
    }
    let known = backups::known_schema_version();
    if manifest.schema_version > known {
        return Err(Failure(format!(
            "this backup comes from a newer Mail Portal ({}, schema {}); this one knows schema {known} at most: restore with that version or newer",
            manifest.written_by, manifest.schema_version
        )));
    }
    for file in &manifest.files {
        let found = describe(dir, &dir.join(&file.path))?;
        if found.bytes != file.bytes || found.sha256 != file.sha256 {
            return Err(Failure(format!(
                "the backup is damaged: {} is not as it was written (size or checksum differs); nothing was restored",
                file.path
            )));
        }
    }
    let data = &config.data_dir;
    make_empty_dir(data, "restore into")?;
    if let Some(url) = &config.database_url {
        let tables = backups::pg_tables(url).await.map_err(|e| {
            Failure(format!(
                "cannot open the PostgreSQL database (database_url): {e}"
            ))
        })?;
        if tables > 0 {
            return Err(Failure(format!(
                "the PostgreSQL database (database_url) holds {tables} tables: restore into a \
                 new, empty database only (CREATE DATABASE … as the README says)"
            )));
        }
        // The database first: pg_restore is all or nothing (one transaction), and when it
        // fails the data directory is still empty for the next try.
        let dump = dir.join(PG_DUMP_FILE);
        pg_tool(
            "pg_restore",
            url,
            &[
                "--no-owner".as_ref(),
                "--no-privileges".as_ref(),
                "--exit-on-error".as_ref(),
                "--single-transaction".as_ref(),
                dump.as_os_str(),
            ],
        )
        .await?;
    }
    let mut summary = Summary::default();
    for file in &manifest.files {
        summary.files += 1;
        summary.bytes += file.bytes;
        if file.path == PG_DUMP_FILE {
            continue;
        }
        copy_file(&dir.join(&file.path), &data.join(&file.path))?;
    }
    // The copy is a database like any other: opening it applies the migrations this
    // version has and the backup's does not.
    let pool = store::connect(&config.store())
        .await
        .map_err(|e| Failure(format!("the restored database does not open: {e}")))?;
    let mut conn = pool.acquire().await.map_err(db)?;
    for id in &manifest.left_queued {
        backups::forget_spooled(&mut conn.conn(), id)
            .await
            .map_err(db)?;
    }
    for id in &manifest.left_kept {
        backups::forget_kept(&mut conn.conn(), id)
            .await
            .map_err(db)?;
    }
    drop(conn);
    pool.close().await;
    Ok(summary)
}

fn store_name(config: &Config) -> &'static str {
    match config.database_url {
        Some(_) => "postgres",
        None => "sqlite",
    }
}

/// Queued and quarantined messages whose files left after the snapshot.
#[derive(Default)]
struct Left {
    queued: Vec<String>,
    kept: Vec<String>,
}

/// Copies the SQLite database as one read transaction sees it, then the message files
/// its rows name; rows whose files left meanwhile leave the copy. The copy's schema
/// version, and what left.
async fn copy_sqlite(data: &Path, dir: &Path) -> Result<(i64, Left), Failure> {
    let database = dir.join(store::DATABASE_FILE);
    backups::snapshot(data, &database)
        .await
        .map_err(|e| Failure(format!("cannot copy the database: {e}")))?;
    let mut copy = backups::open_copy(&database).await.map_err(db)?;
    let mut conn = Conn::Sqlite(&mut copy);
    let ids = backups::message_files(&mut conn).await.map_err(db)?;
    let left = copy_messages(data, dir, ids)?;
    for id in &left.queued {
        backups::forget_spooled(&mut conn, id).await.map_err(db)?;
    }
    for id in &left.kept {
        backups::forget_kept(&mut conn, id).await.map_err(db)?;
    }
    let schema_version = backups::schema_version(&mut conn).await.map_err(db)?;
    backups::close_copy(copy).await.map_err(db)?;
    Ok((schema_version, left))
}

/// Dumps the PostgreSQL database in a snapshot held open meanwhile, reading the message
/// ids in the same snapshot, then copies their files. The schema version, and what left.
async fn copy_postgres(url: &str, data: &Path, dir: &Path) -> Result<(i64, Left), Failure> {
    let mut snapshot = backups::PgSnapshot::take(url).await.map_err(|e| {
        Failure(format!(
            "cannot open the PostgreSQL database (database_url): {e}"
        ))
    })?;
    let ids = backups::message_files(&mut snapshot.conn())
        .await
        .map_err(db)?;
    let schema_version = backups::schema_version(&mut snapshot.conn())
        .await
        .map_err(db)?;
    let dump = dir.join(PG_DUMP_FILE);
    let snapshot_arg = format!("--snapshot={}", snapshot.id);
    let file_arg = {
        let mut arg = std::ffi::OsString::from("--file=");
        arg.push(&dump);
        arg
    };
    pg_tool(
        "pg_dump",
        url,
        &[
            "--format=custom".as_ref(),
            "--no-owner".as_ref(),
            "--no-privileges".as_ref(),
            snapshot_arg.as_ref(),
            file_arg.as_os_str(),
        ],
    )
    .await?;
    snapshot.close().await.map_err(db)?;
    let left = copy_messages(data, dir, ids)?;
    Ok((schema_version, left))
}

/// Copies the spool and quarantine files of `(queued, kept)` ids; those gone already.
fn copy_messages(
    data: &Path,
    dir: &Path,
    (queued, kept): (Vec<String>, Vec<String>),
) -> Result<Left, Failure> {
    let mut left = Left::default();
    for (folder, ids, gone) in [
        ("spool", queued, &mut left.queued),
        ("quarantine", kept, &mut left.kept),
    ] {
        for id in ids {
            let relative = Path::new(folder).join(&id);
            if !copy_file(&data.join(&relative), &dir.join(&relative))? {
                gone.push(id);
            }
        }
    }
    Ok(left)
}

/// Runs pg_dump or pg_restore on the database `url` with `args`. The URL's password goes
/// in `PGPASSWORD`, out of the command line.
async fn pg_tool(tool: &str, url: &str, args: &[&std::ffi::OsStr]) -> Result<(), Failure> {
    let mut target =
        url::Url::parse(url).map_err(|e| Failure(format!("database_url is not a URL: {e}")))?;
    let password = target.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    target
        .set_password(None)
        .map_err(|()| Failure("database_url has no host to connect to".into()))?;
    let mut command = tokio::process::Command::new(tool);
    command
        .arg(format!("--dbname={target}"))
        .args(args)
        .stdin(std::process::Stdio::null());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.map_err(|e| {
        Failure(match e.kind() {
            io::ErrorKind::NotFound => format!(
                "{tool} is not installed: install PostgreSQL's client tools (Debian: apt \
                 install postgresql-client), of the server's version or newer"
            ),
            _ => format!("cannot run {tool}: {e}"),
        })
    })?;
    if !output.status.success() {
        return Err(Failure(format!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

fn read_manifest(dir: &Path) -> Result<Manifest, Failure> {
    let path = dir.join(MANIFEST);
    let text = fs::read(&path).map_err(|e| {
        Failure(format!(
            "{}: {e} (a backup without its manifest is incomplete)",
            path.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| Failure(format!("{} is not a backup manifest: {e}", path.display())))?;
    if manifest.format != FORMAT || !["sqlite", "postgres"].contains(&manifest.store.as_str()) {
        return Err(Failure(format!(
            "{} is a backup of format {} for store {:?}; this version reads format {FORMAT} for sqlite and postgres",
            path.display(),
            manifest.format,
            manifest.store
        )));
    }
    for file in &manifest.files {
        let safe = Path::new(&file.path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe {
            return Err(Failure(format!(
                "{} names {:?}, outside the backup: refused",
                path.display(),
                file.path
            )));
        }
    }
    Ok(manifest)
}

fn db(e: sqlx::Error) -> Failure {
    Failure(format!("the database copy: {e}"))
}

/// Creates `dir` (only its owner may read it: it holds the key), or accepts it when empty.
fn make_empty_dir(dir: &Path, what: &str) -> Result<(), Failure> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Failure(format!(
                    "{} is not empty: {what} a new or empty directory only",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display()))),
        Err(e) => Err(Failure(format!("cannot read {}: {e}", dir.display()))),
    }
}

/// Copies `from` to `to` (a new file, made durable); `false` when `from` is gone.
fn copy_file(from: &Path, to: &Path) -> Result<bool, Failure> {
    let failed = |e: io::Error| {
        Failure(format!(
            "cannot copy {} to {}: {e}",
            from.display(),
            to.display()
        ))
    };
    let mut source = match fs::File::open(from) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(failed(e)),
    };
    if let Some(parent) = to.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(failed)?;
    }
    let mut target = new_file(to).map_err(failed)?;
    io::copy(&mut source, &mut target).map_err(failed)?;
    target.sync_all().map_err(failed)?;
    Ok(true)
}

fn new_file(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let failed = |e: io::Error| Failure(format!("cannot write {}: {e}", path.display()));
    let mut file = new_file(path).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)
}

/// Copies the delivered mail (`cur/` and `new/` of every mailbox folder; `tmp/` holds
/// deliveries under way). A message moved or deleted while the copy runs is skipped.
fn copy_maildir(from: &Path, to: &Path) -> Result<(), Failure> {
    let Ok(entries) = fs::read_dir(from) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name == "tmp" {
                continue;
            }
            copy_maildir(&path, &to.join(&name))?;
        } else {
            let in_mail_folder = from.file_name().is_some_and(|f| f == "cur" || f == "new");
            if in_mail_folder {
                copy_file(&path, &to.join(&name))?;
            }
        }
    }
    Ok(())
}

/// Every file under `dir`, sorted.
fn list_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let entries =
            fs::read_dir(&next).map_err(|e| Failure(format!("{}: {e}", next.display())))?;
        for entry in entries {
            let path = entry
                .map_err(|e| Failure(format!("{}: {e}", next.display())))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn describe(root: &Path, path: &Path) -> Result<Entry, Failure> {
    let failed = |e: io::Error| Failure(format!("{}: {e}", path.display()));
    let mut file = fs::File::open(path).map_err(failed)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(failed)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    Ok(Entry {
        path: relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        bytes,
        sha256: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
}
