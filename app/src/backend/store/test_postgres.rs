//! A PostgreSQL server for the tests: Debian's PostgreSQL started on 127.0.0.1 with a data
//! directory of its own, once per test process, and a fresh database per test.
//!
//! The server runs under a small shell that waits on a pipe from the test process: when the
//! process ends (passed, failed or killed), the pipe closes, and the shell stops PostgreSQL
//! and removes its data directory. Nothing outlives the tests.

use sqlx::{postgres::PgPoolOptions, Connection, PgConnection, PgPool};
use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};
use tokio::sync::OnceCell;

struct Server {
    /// `postgres://postgres@127.0.0.1:PORT`, without a database.
    base: String,
    port: u16,
    /// Kept so that its stdin, the shell's pipe, stays open while the process lives.
    _shell: Child,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The newest installed PostgreSQL's `bin` directory.
fn bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("PostgreSQL is not installed (/usr/lib/postgresql: {e}); .ci/setup test installs it"))?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("postgres").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no PostgreSQL server under /usr/lib/postgresql".to_string())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs `command` as the `postgres` user when this is root (PostgreSQL refuses to run as
/// root), as this user otherwise.
fn as_server_user(command: &str, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", command]).args(args);
        c
    } else {
        let mut c = Command::new(command);
        c.args(args);
        c
    }
}

async fn start() -> Result<Server, String> {
    let bin = bin_dir()?;
    let dir = std::env::temp_dir().join(format!("mailportal-test-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let data = dir.join("data");
    if is_root() {
        let owned = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !owned.success() {
            return Err(format!("chown postgres {} failed", dir.display()));
        }
    }
    let initdb = bin.join("initdb");
    let out = as_server_user(
        initdb.to_str().unwrap_or_default(),
        // C.UTF-8 sorts text by code point, as SQLite does (see the README on creating the
        // database).
        &[
            "-D",
            data.to_str().unwrap_or_default(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
    )
    .output()
    .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    // Durability is not what these tests look at: no fsync makes them fast.
    let script = format!(
        "{postgres} -D {data} -h 127.0.0.1 -p {port} -k {dir} -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 \
         </dev/null >{dir}/log 2>&1 & pid=$!; read _; kill -INT $pid; wait $pid; rm -rf {dir}",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let shell = as_server_user("sh", &["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting PostgreSQL: {e}"))?;
    let base = format!("postgres://postgres@127.0.0.1:{port}");
    for _ in 0..300 {
        if PgConnection::connect(&format!("{base}/postgres"))
            .await
            .is_ok()
        {
            return Ok(Server {
                base,
                port,
                _shell: shell,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    Err(format!("PostgreSQL did not start on port {port}: {log}"))
}

async fn server() -> &'static Server {
    SERVER
        .get_or_try_init(start)
        .await
        .unwrap_or_else(|e| panic!("the tests' PostgreSQL server: {e}"))
}

/// The server's port on 127.0.0.1 (user `postgres`, no password), for its command-line
/// clients.
pub async fn port() -> u16 {
    server().await.port
}

/// The URL of a new, empty database on the tests' PostgreSQL server.
pub async fn database_url() -> String {
    let server = server().await;
    let n = DATABASES.fetch_add(1, Ordering::Relaxed);
    let name = format!("test_{n}_{:08x}", rand::random::<u32>());
    let mut admin = PgConnection::connect(&format!("{}/postgres", server.base))
        .await
        .expect("connect to the tests' PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("CREATE DATABASE");
    admin.close().await.ok();
    format!("{}/{name}", server.base)
}

/// A pool on a new, empty database.
pub async fn pool() -> PgPool {
    PgPoolOptions::new()
        .max_connections(8)
        .connect(&database_url().await)
        .await
        .expect("connect to the test database")
}

#[cfg(test)]
mod tests {
    /// Both migration sets, applied for real, give the same tables, columns, keys, indexes,
    /// triggers and seeded rows, and behave alike (`migrations_postgres/compare_schemas.py`).
    #[tokio::test]
    async fn the_postgresql_migrations_give_the_sqlite_schema() {
        let port = super::port().await;
        let out = std::process::Command::new("python3")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "migrations_postgres/compare_schemas.py",
                "--pg-host",
                "127.0.0.1",
            ])
            .args(["--pg-port", &port.to_string(), "--pg-user", "postgres"])
            .args(["migrations", "migrations_postgres"])
            .output()
            .expect("python3");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("no differences"), "{text}");
    }
}
