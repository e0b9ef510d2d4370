//! Mail Portal in this process, as `mailportal serve` runs it: the store on a fresh data
//! directory, the web portal, the SMTP listener and the delivery queue, on 127.0.0.1.

use app::{
    backend::{
        admin::{self, Operator},
        antispam,
        auth::ctx::{DomainAdminCtx, DomainScope, UserCtx},
        Backend, Clock,
    },
    model::{grant::Grant, Role},
};
use server::config::Config;
use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub const DOMAIN: &str = "example.test";
const ADMIN: &str = "postmaster@example.test";
pub const PASSWORD: &str = "violet tram quietly sings";
/// The domain's antispam levels: defer (greylisting) off, tag at 6 and reject at 15 as by
/// default. Greylisting answers a first attempt 451 and takes it only when the sender
/// comes back after 5 minutes; a run of a minute would measure refusals, not mail handled.
pub const THRESHOLDS: (&str, &str, &str) = ("999", "6", "15");

pub struct Portal {
    pub smtp: SocketAddr,
    /// The portal's HTTP listener (the mail login check's too), which bench-cluster asks.
    #[allow(dead_code)]
    pub http: SocketAddr,
    pub data: Arc<tempfile::TempDir>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The address of mailbox `n`: one per client connection, as mail for many users arrives.
pub fn mailbox(n: usize) -> String {
    format!("box{n}@{DOMAIN}")
}

impl Portal {
    /// Starts the portal serving `DOMAIN` with `mailboxes` mailboxes, on SQLite in a data
    /// directory of its own; name lookups go to `dns`.
    pub async fn start(dns: SocketAddr, mailboxes: usize) -> Result<Portal, String> {
        Portal::start_on(dns, data_dir()?, None, Some(mailboxes)).await
    }

    /// Starts an instance on `data`, and on the PostgreSQL database `database_url` when
    /// given (several instances share both). The first instance on a store sets it up
    /// (`set_up`: its mailbox count); the others find it so.
    pub async fn start_on(
        dns: SocketAddr,
        data: Arc<tempfile::TempDir>,
        database_url: Option<String>,
        set_up: Option<usize>,
    ) -> Result<Portal, String> {
        let http = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let smtp = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let http_addr = http.local_addr().map_err(|e| e.to_string())?;
        let mut config = Config {
            data_dir: data.path().to_path_buf(),
            http_addr,
            public_url: format!("http://localhost:{}", http_addr.port()),
            site_root: data.path().join("site"),
            ..Config::default()
        };
        config.smtp.addr = smtp.local_addr().map_err(|e| e.to_string())?;
        config.smtp.hostname = Some("mx.portal.test".into());
        config.dns.resolver = Some(dns);
        config.database_url = database_url;
        let backend = server::backend(&config, Clock::System)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(mailboxes) = set_up {
            self::set_up(&backend, mailboxes).await?;
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let smtp_addr = config.smtp.addr;
        let task = tokio::spawn(async move {
            let submission = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                Ok(l) => l,
                Err(e) => return eprintln!("portal: {e}"),
            };
            let listeners = server::Listeners {
                http,
                smtp,
                submission,
            };
            let shutdown = async {
                stopped.await.ok();
            };
            if let Err(e) = server::serve(&config, backend, listeners, shutdown).await {
                eprintln!("portal: {e}");
            }
        });
        Ok(Portal {
            smtp: smtp_addr,
            http: http_addr,
            data,
            stop,
            task,
        })
    }

    pub fn maildir(&self) -> std::path::PathBuf {
        self.data.path().join("maildir")
    }

    /// The Maildir count once it reached `accepted`, or when `limit` is over (instances
    /// on one data directory share the count).
    pub async fn wait_delivered(&self, accepted: usize, limit: Duration) -> usize {
        let started = std::time::Instant::now();
        loop {
            let n = delivered(&self.maildir());
            if n >= accepted || started.elapsed() > limit {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Files waiting in the delivery queue's spool.
    pub fn spooled(&self) -> usize {
        std::fs::read_dir(self.data.path().join("spool")).map_or(0, |d| d.count())
    }

    /// Stops the planes as a SIGTERM does, so that the CPU is free for the peers.
    pub async fn stop(self) {
        self.stop.send(()).ok();
        if tokio::time::timeout(Duration::from_secs(40), self.task)
            .await
            .is_err()
        {
            eprintln!("portal: did not stop within 40 s");
        }
    }
}

/// A data directory for the instances of one run.
pub fn data_dir() -> Result<Arc<tempfile::TempDir>, String> {
    tempfile::Builder::new()
        .prefix("bench-portal-")
        .tempdir()
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The domain, its mailboxes, and its thresholds, set through the backend functions behind
/// the portal's screens.
async fn set_up(backend: &Backend, mailboxes: usize) -> Result<(), String> {
    let now = backend.clock.now();
    let cli = Operator::CommandLine;
    let domain = admin::create_domain(backend, &cli, DOMAIN, now)
        .await
        .map_err(|e| e.to_string())?;
    // A master admin exists, so the portal prints no first-start link.
    let admin_id = admin::create_account(backend, &cli, ADMIN, Role::MasterAdmin, PASSWORD, now)
        .await
        .map_err(|e| e.to_string())?;
    for n in 0..mailboxes {
        admin::create_account(backend, &cli, &mailbox(n), Role::MailUser, PASSWORD, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    // What the master admin's session proves when they save the thresholds screen (the
    // benchmark has no browser to sign in with).
    let ctx = DomainAdminCtx {
        user: UserCtx {
            account_id: admin_id,
            session_id: 0,
            email: ADMIN.into(),
            role: Role::MasterAdmin,
            authenticated_at: now,
            ip: "127.0.0.1".into(),
            grant: Grant::full(),
            token_id: None,
        },
        scope: DomainScope::All,
    };
    antispam::save_thresholds(backend, &ctx, domain, THRESHOLDS, now)
        .await
        .map_err(|e| e.to_string())
}

/// Messages in every Maildir `new/` folder under `dir`.
pub fn delivered(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let in_new = dir.ends_with("new");
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => delivered(&e.path()),
            Ok(_) => usize::from(in_new),
            Err(_) => 0,
        })
        .sum()
}
