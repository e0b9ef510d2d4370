//! SMTP as the listener speaks it: the accept loop (`listener`), one connection's dialogue
//! (`session`), command lines (`command`), DATA (`data`) and STARTTLS (`tls`).

pub mod client;
pub mod command;
pub mod data;
pub mod harvest;
pub mod listener;
pub mod session;
pub mod tls;

use crate::backend::{dns, mail::writer::MailWriter, Backend};
use std::time::Duration;

/// What one listener serves with: the backend, the name it greets with, its limits.
pub struct Server {
    pub backend: Backend,
    /// The name in the greeting, EHLO and Received headers (the MX's host name).
    pub hostname: String,
    pub limits: Limits,
    pub harvest: harvest::Harvest,
    /// Wakes the delivery queue when mail was queued.
    pub queue_ready: tokio::sync::Notify,
    /// The mail plane's store writes (see `writer`).
    pub writer: MailWriter,
    /// STARTTLS is offered when the configuration names a certificate.
    pub tls: Option<tls::Tls>,
    /// SPF's lookups; why there is none (the system's configuration unreadable), which
    /// every check then reports as its temperror.
    pub resolver: Result<dns::MailResolver, String>,
    /// Mailboxes here are handed to this LMTP server; none: written into Maildir here.
    pub lmtp: Option<super::lmtp::Lmtp>,
}

impl Server {
    /// Starts the store writer too: call within the Tokio runtime.
    pub fn new(backend: Backend, hostname: String, limits: Limits) -> Self {
        Server {
            writer: MailWriter::start(backend.pool.clone(), backend.new_log_rows.clone()),
            resolver: dns::mail_resolver(&backend.settings),
            harvest: harvest::Harvest::new(
                limits.max_unknown_recipients,
                Duration::from_secs(3600),
            ),
            backend,
            hostname,
            limits,
            queue_ready: tokio::sync::Notify::new(),
            tls: None,
            lmtp: None,
        }
    }

    /// Offers STARTTLS with this certificate.
    pub fn with_tls(mut self, tls: Option<tls::Tls>) -> Self {
        self.tls = tls;
        self
    }

    /// Delivers to mailboxes here over LMTP.
    pub fn with_lmtp(mut self, lmtp: Option<super::lmtp::Lmtp>) -> Self {
        self.lmtp = lmtp;
        self
    }
}

/// Bounds on what one client may make the listener do.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest message taken (announced as SIZE).
    pub max_message_bytes: usize,
    /// The longest line of a message the listener reads at all, CRLF not counted. RFC
    /// 5321's 998 is checked later, per domain (its filter settings may skip it); this
    /// bound keeps one line from filling memory.
    pub max_line: usize,
    pub max_recipients: usize,
    /// Commands in a row that start no mail (NOOP, RSET, VRFY, EHLO, …) before the
    /// connection is closed.
    pub max_idle_commands: u32,
    /// Refused commands (syntax, order) before the connection is closed.
    pub max_errors: u32,
    /// Refused recipients that do not exist, per client address (IPv6: per /64) and hour,
    /// before its connections are closed: guessing addresses is harvesting.
    pub max_unknown_recipients: u32,
    /// How long the listener waits for the client's next bytes (RFC 5321 §4.5.3.2: 5 min).
    pub command_timeout: Duration,
    /// How long one connection may last in all.
    pub connection_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 25 * 1024 * 1024,
            max_line: 64 * 1024,
            max_recipients: 100,
            max_idle_commands: 20,
            max_errors: 10,
            max_unknown_recipients: 50,
            command_timeout: Duration::from_secs(300),
            connection_timeout: Duration::from_secs(1800),
            max_connections: 1000,
        }
    }
}
