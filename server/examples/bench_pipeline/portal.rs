//! Mail Portal in this process, as `mailportal serve` runs it: the store on a fresh data
//! directory, the web portal, the SMTP listener and the delivery queue, on 127.0.0.1.

use app::{
    backend::{
        admin::{self, Operator},
        antispam,
        auth::ctx::{DomainAdminCtx, DomainScope, UserCtx},
        Backend, Clock,
    },
    model::Role,
};
use server::config::Config;
use std::{net::SocketAddr, path::Path, time::Duration};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub const DOMAIN: &str = "example.test";
const ADMIN: &str = "postmaster@example.test";
const PASSWORD: &str = "violet tram quietly sings";
/// The domain's antispam levels: defer (greylisting) off, tag at 6 and reject at 15 as by
/// default. Greylisting answers a first attempt 451 and takes it only when the sender
/// comes back after 5 minutes; a run of a minute would measure refusals, not mail handled.
pub const THRESHOLDS: (&str, &str, &str) = ("999", "6", "15");

pub struct Portal {
    pub smtp: SocketAddr,
    pub data: tempfile::TempDir,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The address of mailbox `n`: one per client connection, as mail for many users arrives.
pub fn mailbox(n: usize) -> String {
    format!("box{n}@{DOMAIN}")
}

impl Portal {
    /// Starts the portal serving `DOMAIN` with `mailboxes` mailboxes; name lookups go to
    /// `dns`.
    pub async fn start(dns: SocketAddr, mailboxes: usize) -> Result<Portal, String> {
        let data = tempfile::Builder::new()
            .prefix("bench-portal-")
            .tempdir()
            .map_err(|e| e.to_string())?;
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
        let backend = server::backend(&config, Clock::System)
            .await
            .map_err(|e| e.to_string())?;
        set_up(&backend, mailboxes).await?;
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
            data,
            stop,
            task,
        })
    }

    pub fn maildir(&self) -> std::path::PathBuf {
        self.data.path().join("maildir")
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
