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
//! `MANIFEST.json`, written last, lists every file with its size and SHA-256: a backup
//! without it is incomplete, and restore checks every file against it before it writes
//! anything. Restore goes into an empty data directory only, never over a live one.

use crate::{config::Config, Failure};
use app::backend::{keys::KEY_FILE, store, store::backups};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{
    fs,
    io::{self, Read, Write},
    os::unix::fs::{DirBuilderExt, OpenOptionsExt},
    path::{Path, PathBuf},
};

pub const MANIFEST: &str = "MANIFEST.json";
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

/// Writes a backup of the data directory into `dir` (new, or empty).
pub async fn backup(config: &Config, dir: &Path) -> Result<Summary, Failure> {
    refuse_postgres(config)?;
    let data = &config.data_dir;
    if !data.join(store::DATABASE_FILE).is_file() {
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
    let database = dir.join(store::DATABASE_FILE);
    backups::snapshot(data, &database)
        .await
        .map_err(|e| Failure(format!("cannot copy the database: {e}")))?;

    let mut copy = backups::open_copy(&database).await.map_err(db)?;
    let (spooled, kept) = backups::message_files(&mut copy).await.map_err(db)?;
    let mut summary = Summary::default();
    for (folder, ids) in [("spool", &spooled), ("quarantine", &kept)] {
        for id in ids {
            let relative = Path::new(folder).join(id);
            if copy_file(&data.join(&relative), &dir.join(&relative))? {
                continue;
            }
            summary.left_out += 1;
            match folder {
                "spool" => backups::forget_spooled(&mut copy, id).await,
                _ => backups::forget_kept(&mut copy, id).await,
            }
            .map_err(db)?;
        }
    }
    let schema_version = backups::schema_version(&mut copy).await.map_err(db)?;
    backups::close_copy(copy).await.map_err(db)?;
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
        store: "sqlite".into(),
        schema_version,
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| Failure(e.to_string()))?;
    write_new(&dir.join(MANIFEST), &text)?;
    Ok(summary)
}

/// Restores the backup in `dir` into the configured data directory, which must be new or
/// empty; every file is checked before anything is written.
pub async fn restore(config: &Config, dir: &Path) -> Result<Summary, Failure> {
    refuse_postgres(config)?;
    let manifest = read_manifest(dir)?;
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
    let mut summary = Summary::default();
    for file in &manifest.files {
        copy_file(&dir.join(&file.path), &data.join(&file.path))?;
        summary.files += 1;
        summary.bytes += file.bytes;
    }
    // The copy is a database like any other: opening it applies the migrations this
    // version has and the backup's does not.
    let pool = store::open(data)
        .await
        .map_err(|e| Failure(format!("the restored database does not open: {e}")))?;
    pool.close().await;
    Ok(summary)
}

/// A PostgreSQL store is not copied here yet: say so rather than back up half of it.
fn refuse_postgres(config: &Config) -> Result<(), Failure> {
    match config.database_url {
        Some(_) => Err(Failure(
            "the store is PostgreSQL (database_url): back it up with pg_dump, and the data \
             directory (server.key, spool/, quarantine/) with it; `mailportal backup` copies \
             the SQLite store only"
                .into(),
        )),
        None => Ok(()),
    }
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
    if manifest.format != FORMAT || manifest.store != "sqlite" {
        return Err(Failure(format!(
            "{} is a backup of format {} for store {:?}; this version reads format {FORMAT} for sqlite",
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
