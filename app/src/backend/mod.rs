//! Server side only: the store, authentication, notifications. Built with feature "ssr".
//!
//! Functions here take the pool (or a transaction) and `now` explicitly, so they are tested
//! directly against a real SQLite file with an injected clock.

use crate::backend::store::db::Db;
pub mod account;
pub mod admin;
pub mod admin_ips;
pub mod admins;
pub mod aliases;
pub mod antispam;
pub mod api_tokens;
pub mod audit_log;
pub mod auth;
pub mod blocked_senders;
pub mod countries;
pub mod delivery_queue;
pub mod digests;
pub mod dns;
pub mod domain_admins;
pub mod domain_aliases;
pub mod domain_settings;
pub mod domain_watch;
pub mod domains;
pub mod error;
pub mod filter_settings;
pub mod instances;
pub mod keys;
pub mod learning;
pub mod local_recipients;
pub mod mail;
pub mod mail_access;
pub mod mail_cache;
pub mod mail_log;
pub mod mail_scope;
pub mod mailboxes;
pub mod metrics;
pub mod migration;
pub mod notify;
pub mod passkeys;
pub mod quarantine;
pub mod recorder;
pub mod request;
pub mod routing;
pub mod security;
pub mod security_notices;
pub mod sender_fixes;
pub mod sender_lists;
pub mod senders;
pub mod smtp_probe;
pub mod stats;
pub mod store;
pub mod transfer;
pub mod two_factor;

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use crate::model::time::UnixTime;

/// Everything a request handler needs, cloned cheaply into each request.
#[derive(Clone)]
pub struct Backend {
    pub pool: Db,
    pub settings: Arc<Settings>,
    pub notifier: notify::Notifier,
    pub clock: Clock,
    /// Seals stored secrets; read from the data directory at start.
    pub key: keys::ServerKey,
    /// Recent mail login successes (see `mail_cache`).
    pub mail_cache: mail_cache::MailLoginCache,
    /// The mail login check's hot-path read on SQLite (see `store::hot_reads`); on
    /// PostgreSQL the pool answers it.
    pub hot_reads: Option<Arc<store::hot_reads::HotReads>>,
    /// Writes the mail login check's rows in batches (see `recorder`).
    pub recorder: recorder::Recorder,
    /// The WebAuthn relying party; `None` when the portal is opened by IP address.
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// The mail log's rows as they are written, for its live view.
    pub new_log_rows: mail_log::NewRows,
    /// The learned classifier's counts, read by the scoring stage (see `learning`).
    pub classifier: Arc<learning::Classifier>,
    /// The country of a login's IP (see `countries`).
    pub countries: countries::Countries,
    /// The counters `/metrics` shows.
    pub metrics: Arc<metrics::Metrics>,
}

/// Runtime settings the backend needs; the server crate builds them from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The portal's public origin, e.g. `https://mail.example.org` (no trailing slash).
    pub public_url: String,
    /// Where the database, keys and the outbox live.
    pub data_dir: PathBuf,
    /// Sessions end after this long without a request.
    pub session_idle_secs: i64,
    /// Sessions end this long after sign-in, active or not.
    pub session_absolute_secs: i64,
    /// A device password unused this long stops working.
    pub device_password_idle_secs: i64,
    /// The DNS server for domain verification; `None`: the system's resolver.
    pub dns_resolver: Option<std::net::SocketAddr>,
    /// Webmail hosts: their mail logins pass even when non-webmail access is off.
    pub webmail_ips: Vec<ipnetwork::IpNetwork>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see `request::client_ip`).
    pub trusted_proxies: Vec<ipnetwork::IpNetwork>,
    /// Where this process listens: routes may never point back at these.
    pub listen_addrs: Vec<std::net::SocketAddr>,
    /// The largest message the SMTP listener takes; a domain's own limit is lower.
    pub max_message_bytes: usize,
    /// How long the delivery queue holds a copy it is sending (see `mail::queue`).
    pub delivery_lease_secs: i64,
    /// How auto migration paces its copies.
    pub migration: migration::Limits,
}

impl Settings {
    /// Cookies get `Secure` and the `__Host-` prefix when the portal is served over https.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_url, path)
    }
}

/// The time source. Verification code never reads the system clock itself: it is handed
/// `now`, which tests set to any instant.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    /// A clock that only moves when a test moves it.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    pub fn fixed(at: UnixTime) -> Self {
        Clock::Fixed(Arc::new(AtomicI64::new(at)))
    }

    pub fn now(&self) -> UnixTime {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default(),
            Clock::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a fixed clock forward; does nothing to the system clock.
    pub fn advance(&self, secs: i64) {
        if let Clock::Fixed(t) = self {
            t.fetch_add(secs, Ordering::SeqCst);
        }
    }
}
