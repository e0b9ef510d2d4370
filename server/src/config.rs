//! Configuration: one TOML file, then `MAILPORTAL_*` environment overrides. Every setting
//! has a default that works on one machine; an unknown key or a bad value stops start-up
//! with a message that names it.

use app::backend::mail::lmtp::Lmtp;
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The database, keys, outbox and setup link live here.
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://user:password@host:5432/mailportal`) that several
    /// instances share; none: SQLite in `data_dir` (the embedded default).
    pub database_url: Option<String>,
    /// Where the web portal listens.
    pub http_addr: SocketAddr,
    /// The address people open in their browser (scheme, host, port; no path).
    pub public_url: String,
    /// The built browser assets (`pkg/`, CSS, `public/` files).
    pub site_root: PathBuf,
    /// A `tracing` filter, e.g. `info` or `mailportal=debug,info`.
    pub log: String,
    /// The WebAuthn relying party ID: the public URL's host (the default) or a parent domain
    /// of it. Passkeys are bound to it; changing it later voids every passkey.
    pub passkey_rp_id: Option<String>,
    /// Reverse proxies in front of the portal (addresses or CIDR ranges): only from these is
    /// `X-Forwarded-For` believed about the client's address. Empty: the socket's peer is
    /// the client, whatever a request claims.
    pub trusted_proxies: Vec<String>,
    /// A MaxMind-format country database (`.mmdb`) for the countries of login IPs; none:
    /// every country is unknown. `make run` points it at the one the set-up installs.
    pub country_db: Option<PathBuf>,
    /// The certificate chain (PEM) the portal serves HTTPS with on `http_addr`; none: plain
    /// HTTP (behind a reverse proxy that terminates TLS). Read again on SIGHUP.
    pub tls_certificate: Option<PathBuf>,
    /// Its private key (PEM).
    pub tls_key: Option<PathBuf>,
    pub session: SessionConfig,
    pub notify: NotifyConfig,
    pub mail_auth: MailAuthConfig,
    pub dns: DnsConfig,
    pub smtp: SmtpConfig,
    pub delivery: DeliveryConfig,
    pub metrics: MetricsConfig,
    pub migration: MigrationConfig,
}

/// Auto migration's pace: users copying their mail from a domain's old IMAP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MigrationConfig {
    /// Copies from one old server at a time (one IMAP connection each).
    pub connections_per_server: u32,
    /// Copies at a time, from every old server together.
    pub max_running: u32,
    /// Messages fetched and written per step.
    pub batch_messages: u32,
    /// A rest between steps, in milliseconds (0: none).
    pub pause_ms: u64,
    /// The wait before the first retry after a failure; it doubles with each failure.
    pub retry_seconds: u32,
    /// How long an instance holds a copy without renewing its hold (every step renews it);
    /// a copy of an instance that died is taken up by another after it.
    pub lease_seconds: u32,
}

impl Default for MigrationConfig {
    fn default() -> Self {
        let limits = app::backend::migration::Limits::default();
        MigrationConfig {
            connections_per_server: limits.per_server as u32,
            max_running: limits.running as u32,
            batch_messages: limits.batch as u32,
            pause_ms: limits.pause.as_millis() as u64,
            retry_seconds: limits.retry_secs as u32,
            lease_seconds: limits.lease_secs as u32,
        }
    }
}

impl MigrationConfig {
    pub fn limits(&self) -> app::backend::migration::Limits {
        app::backend::migration::Limits {
            per_server: self.connections_per_server.max(1) as usize,
            running: self.max_running.max(1) as usize,
            batch: self.batch_messages.max(1) as usize,
            pause: std::time::Duration::from_millis(self.pause_ms),
            retry_secs: i64::from(self.retry_seconds.max(1)),
            lease_secs: i64::from(self.lease_seconds.max(10)),
        }
    }
}

/// `GET /metrics`, Prometheus' scrape.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Addresses or CIDR ranges of the scrapers (the connection's own address counts, never
    /// `X-Forwarded-For`: a reverse proxy in front must not pass `/metrics` on).
    pub allowed_ips: Vec<String>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            allowed_ips: vec!["127.0.0.1".into(), "::1".into()],
        }
    }
}

impl MetricsConfig {
    pub fn allowed(&self) -> Vec<ipnetwork::IpNetwork> {
        parse_networks(&self.allowed_ips).unwrap_or_default()
    }
}

/// Where mail for mailboxes here goes, and how the delivery queue holds its copies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// An LMTP server (`127.0.0.1:24`, or a Unix socket like `/run/dovecot/lmtp`) that
    /// takes mail for the mailboxes; none: Maildir under the data directory (the embedded
    /// default).
    pub lmtp: Option<String>,
    /// How long an instance holds a queued copy it is sending. With several instances on
    /// one PostgreSQL store, a copy held by an instance that died is taken up by another
    /// this long after it was claimed; it must outlast one delivery attempt.
    pub lease_seconds: u32,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            lmtp: None,
            lease_seconds: 600,
        }
    }
}

/// The SMTP listener: the MX of the domains served here.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Where it listens (port 25 in production).
    pub addr: SocketAddr,
    /// Where the submission listener listens: mail people send with SMTP AUTH (port 587 in
    /// production, behind TLS).
    pub submission_addr: SocketAddr,
    /// The name it greets with and writes in Received headers; the public URL's host when
    /// not set.
    pub hostname: Option<String>,
    /// The largest message taken, in bytes.
    pub max_message_bytes: usize,
    /// Recipients per message.
    pub max_recipients: usize,
    /// Seconds to wait for the client's next command or data.
    pub command_timeout_secs: u64,
    /// Seconds one connection may last.
    pub connection_timeout_secs: u64,
    /// Connections served at once.
    pub max_connections: usize,
    /// The certificate chain (PEM) offered with STARTTLS; none: STARTTLS is not offered.
    pub tls_certificate: Option<std::path::PathBuf>,
    /// Its private key (PEM).
    pub tls_key: Option<std::path::PathBuf>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        let limits = app::backend::mail::smtp::Limits::default();
        SmtpConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 2525)),
            submission_addr: SocketAddr::from(([127, 0, 0, 1], 5870)),
            hostname: None,
            max_message_bytes: limits.max_message_bytes,
            max_recipients: limits.max_recipients,
            command_timeout_secs: limits.command_timeout.as_secs(),
            connection_timeout_secs: limits.connection_timeout.as_secs(),
            max_connections: limits.max_connections,
            tls_certificate: None,
            tls_key: None,
        }
    }
}

impl SmtpConfig {
    pub fn limits(&self) -> app::backend::mail::smtp::Limits {
        app::backend::mail::smtp::Limits {
            max_message_bytes: self.max_message_bytes,
            max_recipients: self.max_recipients,
            command_timeout: std::time::Duration::from_secs(self.command_timeout_secs),
            connection_timeout: std::time::Duration::from_secs(self.connection_timeout_secs),
            max_connections: self.max_connections,
            ..Default::default()
        }
    }
}

/// DNS lookups (domain verification).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsConfig {
    /// `ip:port` of the DNS server to ask; none: the system's (/etc/resolv.conf).
    pub resolver: Option<SocketAddr>,
}

/// The login check for IMAP, POP3 and SMTP (`/auth/mail`, nginx's `auth_http`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailAuthConfig {
    /// Addresses or CIDR ranges of the mail proxies allowed to ask.
    pub allowed_ips: Vec<String>,
    /// Webmail hosts: their logins pass even when a mailbox's non-webmail access is off.
    pub webmail_ips: Vec<String>,
    /// When set, every check must carry it in the `X-Mailportal-Secret` header.
    pub secret: Option<String>,
    /// Where nginx sends a granted login, per protocol (IP:port).
    pub imap_backend: SocketAddr,
    pub pop3_backend: SocketAddr,
    pub smtp_backend: SocketAddr,
    /// `Auth-Login-Attempt` above this is refused outright.
    pub max_login_attempts: u32,
    /// A device password unused this many days stops working.
    pub device_password_idle_days: u32,
}

impl Default for MailAuthConfig {
    fn default() -> Self {
        MailAuthConfig {
            allowed_ips: vec!["127.0.0.1".into(), "::1".into()],
            webmail_ips: vec![],
            secret: None,
            imap_backend: SocketAddr::from(([127, 0, 0, 1], 143)),
            pop3_backend: SocketAddr::from(([127, 0, 0, 1], 110)),
            smtp_backend: SocketAddr::from(([127, 0, 0, 1], 25)),
            max_login_attempts: 10,
            device_password_idle_days: 180,
        }
    }
}

impl Config {
    /// Where the store is: PostgreSQL when `database_url` names one, else SQLite in
    /// `data_dir`.
    pub fn store(&self) -> app::backend::store::Location {
        use app::backend::store::Location;
        match &self.database_url {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Sqlite(self.data_dir.clone()),
        }
    }

    pub fn proxies(&self) -> Vec<ipnetwork::IpNetwork> {
        parse_networks(&self.trusted_proxies).unwrap_or_default()
    }
}

impl MailAuthConfig {
    pub fn allowed(&self) -> Vec<ipnetwork::IpNetwork> {
        parse_networks(&self.allowed_ips).unwrap_or_default()
    }

    pub fn webmail(&self) -> Vec<ipnetwork::IpNetwork> {
        parse_networks(&self.webmail_ips).unwrap_or_default()
    }
}

/// Addresses (`192.0.2.7`) or ranges (`192.0.2.0/24`, `2001:db8::/64`).
fn parse_networks(items: &[String]) -> Result<Vec<ipnetwork::IpNetwork>, String> {
    items
        .iter()
        .map(|item| {
            item.trim()
                .parse::<ipnetwork::IpNetwork>()
                .map_err(|_| format!("{item:?} is not an IP address or CIDR range"))
        })
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Minutes without a request after which a session ends.
    pub idle_minutes: u32,
    /// Hours after sign-in after which a session ends regardless.
    pub absolute_hours: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// `host:port` of an SMTP relay for notifications; none writes them to `<data>/outbox/`.
    pub smtp_relay: Option<String>,
    /// The sender of notifications.
    pub from: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            http_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: "http://localhost:3000".into(),
            site_root: PathBuf::from("./target/site"),
            log: "info".into(),
            passkey_rp_id: None,
            trusted_proxies: vec![],
            country_db: None,
            tls_certificate: None,
            tls_key: None,
            session: SessionConfig::default(),
            notify: NotifyConfig::default(),
            mail_auth: MailAuthConfig::default(),
            dns: DnsConfig::default(),
            smtp: SmtpConfig::default(),
            delivery: DeliveryConfig::default(),
            metrics: MetricsConfig::default(),
            migration: MigrationConfig::default(),
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            smtp_relay: None,
            from: "Mail Portal <noreply@localhost>".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// The environment variables that override settings, with the setting each one sets.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("MAILPORTAL_DATA_DIR", "data_dir"),
    ("MAILPORTAL_DATABASE_URL", "database_url"),
    ("MAILPORTAL_HTTP_ADDR", "http_addr"),
    ("MAILPORTAL_PUBLIC_URL", "public_url"),
    ("MAILPORTAL_SITE_ROOT", "site_root"),
    ("MAILPORTAL_LOG", "log"),
    ("MAILPORTAL_PASSKEY_RP_ID", "passkey_rp_id"),
    ("MAILPORTAL_TRUSTED_PROXIES", "trusted_proxies"),
    ("MAILPORTAL_COUNTRY_DB", "country_db"),
    ("MAILPORTAL_TLS_CERTIFICATE", "tls_certificate"),
    ("MAILPORTAL_TLS_KEY", "tls_key"),
    ("MAILPORTAL_SESSION_IDLE_MINUTES", "session.idle_minutes"),
    (
        "MAILPORTAL_SESSION_ABSOLUTE_HOURS",
        "session.absolute_hours",
    ),
    ("MAILPORTAL_SMTP_RELAY", "notify.smtp_relay"),
    ("MAILPORTAL_MAIL_FROM", "notify.from"),
    ("MAILPORTAL_MAIL_AUTH_ALLOWED_IPS", "mail_auth.allowed_ips"),
    ("MAILPORTAL_WEBMAIL_IPS", "mail_auth.webmail_ips"),
    ("MAILPORTAL_MAIL_AUTH_SECRET", "mail_auth.secret"),
    ("MAILPORTAL_IMAP_BACKEND", "mail_auth.imap_backend"),
    ("MAILPORTAL_POP3_BACKEND", "mail_auth.pop3_backend"),
    ("MAILPORTAL_SMTP_BACKEND", "mail_auth.smtp_backend"),
    ("MAILPORTAL_DNS_RESOLVER", "dns.resolver"),
    ("MAILPORTAL_SMTP_ADDR", "smtp.addr"),
    ("MAILPORTAL_SUBMISSION_ADDR", "smtp.submission_addr"),
    ("MAILPORTAL_SMTP_HOSTNAME", "smtp.hostname"),
    ("MAILPORTAL_SMTP_TLS_CERTIFICATE", "smtp.tls_certificate"),
    ("MAILPORTAL_SMTP_TLS_KEY", "smtp.tls_key"),
    ("MAILPORTAL_DELIVERY_LMTP", "delivery.lmtp"),
    (
        "MAILPORTAL_DELIVERY_LEASE_SECONDS",
        "delivery.lease_seconds",
    ),
    ("MAILPORTAL_METRICS_ALLOWED_IPS", "metrics.allowed_ips"),
    (
        "MAILPORTAL_MIGRATION_CONNECTIONS_PER_SERVER",
        "migration.connections_per_server",
    ),
    ("MAILPORTAL_MIGRATION_MAX_RUNNING", "migration.max_running"),
    (
        "MAILPORTAL_MIGRATION_BATCH_MESSAGES",
        "migration.batch_messages",
    ),
    ("MAILPORTAL_MIGRATION_PAUSE_MS", "migration.pause_ms"),
    (
        "MAILPORTAL_MIGRATION_RETRY_SECONDS",
        "migration.retry_seconds",
    ),
    (
        "MAILPORTAL_MIGRATION_LEASE_SECONDS",
        "migration.lease_seconds",
    ),
];

/// Variables the command line reads itself (not settings).
const ENV_OTHER: &[&str] = &["MAILPORTAL_CONFIG"];

impl Config {
    /// Reads the file (when given), applies the environment, and checks the result.
    pub fn load(
        file: Option<&std::path::Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
                toml::from_str(&text)
                    .map_err(|e| ConfigError(format!("{}: {}", path.display(), e.message())))?
            }
            None => Config::default(),
        };
        for (name, value) in env {
            if name.starts_with("MAILPORTAL_") {
                config.apply_env(&name, &value)?;
            }
        }
        config.check()?;
        Ok(config)
    }

    fn apply_env(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |what: &str| ConfigError(format!("{name}={value:?} is not {what}"));
        match name {
            "MAILPORTAL_DATA_DIR" => self.data_dir = value.into(),
            "MAILPORTAL_DATABASE_URL" => {
                self.database_url = (!value.is_empty()).then(|| value.to_string())
            }
            "MAILPORTAL_HTTP_ADDR" => {
                self.http_addr = value
                    .parse()
                    .map_err(|_| bad("an address like 127.0.0.1:3000"))?
            }
            "MAILPORTAL_PUBLIC_URL" => self.public_url = value.into(),
            "MAILPORTAL_SITE_ROOT" => self.site_root = value.into(),
            "MAILPORTAL_LOG" => self.log = value.into(),
            "MAILPORTAL_TRUSTED_PROXIES" => self.trusted_proxies = list(value),
            "MAILPORTAL_COUNTRY_DB" => self.country_db = (!value.is_empty()).then(|| value.into()),
            "MAILPORTAL_TLS_CERTIFICATE" => {
                self.tls_certificate = (!value.is_empty()).then(|| value.into())
            }
            "MAILPORTAL_TLS_KEY" => self.tls_key = (!value.is_empty()).then(|| value.into()),
            "MAILPORTAL_METRICS_ALLOWED_IPS" => self.metrics.allowed_ips = list(value),
            "MAILPORTAL_PASSKEY_RP_ID" => {
                self.passkey_rp_id = (!value.is_empty()).then(|| value.to_string())
            }
            "MAILPORTAL_SESSION_IDLE_MINUTES" => {
                self.session.idle_minutes = value
                    .parse()
                    .map_err(|_| bad("a whole number of minutes"))?
            }
            "MAILPORTAL_SESSION_ABSOLUTE_HOURS" => {
                self.session.absolute_hours =
                    value.parse().map_err(|_| bad("a whole number of hours"))?
            }
            "MAILPORTAL_SMTP_RELAY" => {
                self.notify.smtp_relay = (!value.is_empty()).then(|| value.to_string())
            }
            "MAILPORTAL_MAIL_FROM" => self.notify.from = value.into(),
            "MAILPORTAL_MAIL_AUTH_ALLOWED_IPS" => self.mail_auth.allowed_ips = list(value),
            "MAILPORTAL_WEBMAIL_IPS" => self.mail_auth.webmail_ips = list(value),
            "MAILPORTAL_MAIL_AUTH_SECRET" => {
                self.mail_auth.secret = (!value.is_empty()).then(|| value.to_string())
            }
            "MAILPORTAL_IMAP_BACKEND" => {
                self.mail_auth.imap_backend = value
                    .parse()
                    .map_err(|_| bad("an address like 127.0.0.1:143"))?
            }
            "MAILPORTAL_POP3_BACKEND" => {
                self.mail_auth.pop3_backend = value
                    .parse()
                    .map_err(|_| bad("an address like 127.0.0.1:110"))?
            }
            "MAILPORTAL_SMTP_BACKEND" => {
                self.mail_auth.smtp_backend = value
                    .parse()
                    .map_err(|_| bad("an address like 127.0.0.1:25"))?
            }
            "MAILPORTAL_DNS_RESOLVER" => {
                self.dns.resolver = match value {
                    "" => None,
                    v => Some(v.parse().map_err(|_| bad("an address like 127.0.0.1:53"))?),
                }
            }
            "MAILPORTAL_SMTP_ADDR" => {
                self.smtp.addr = value
                    .parse()
                    .map_err(|_| bad("an address like 127.0.0.1:2525"))?
            }
            "MAILPORTAL_SUBMISSION_ADDR" => {
                self.smtp.submission_addr = value
                    .parse()
                    .map_err(|_| bad("an address like 127.0.0.1:5870"))?
            }
            "MAILPORTAL_SMTP_HOSTNAME" => {
                self.smtp.hostname = (!value.is_empty()).then(|| value.to_string())
            }
            "MAILPORTAL_SMTP_TLS_CERTIFICATE" => {
                self.smtp.tls_certificate = (!value.is_empty()).then(|| value.into())
            }
            "MAILPORTAL_SMTP_TLS_KEY" => {
                self.smtp.tls_key = (!value.is_empty()).then(|| value.into())
            }
            "MAILPORTAL_DELIVERY_LMTP" => {
                self.delivery.lmtp = (!value.is_empty()).then(|| value.to_string())
            }
            "MAILPORTAL_DELIVERY_LEASE_SECONDS" => {
                self.delivery.lease_seconds = value
                    .parse()
                    .map_err(|_| bad("a whole number of seconds"))?
            }
            "MAILPORTAL_MIGRATION_CONNECTIONS_PER_SERVER" => {
                self.migration.connections_per_server =
                    value.parse().map_err(|_| bad("a whole number"))?
            }
            "MAILPORTAL_MIGRATION_MAX_RUNNING" => {
                self.migration.max_running = value.parse().map_err(|_| bad("a whole number"))?
            }
            "MAILPORTAL_MIGRATION_BATCH_MESSAGES" => {
                self.migration.batch_messages = value.parse().map_err(|_| bad("a whole number"))?
            }
            "MAILPORTAL_MIGRATION_PAUSE_MS" => {
                self.migration.pause_ms = value
                    .parse()
                    .map_err(|_| bad("a whole number of milliseconds"))?
            }
            "MAILPORTAL_MIGRATION_RETRY_SECONDS" => {
                self.migration.retry_seconds = value
                    .parse()
                    .map_err(|_| bad("a whole number of seconds"))?
            }
            "MAILPORTAL_MIGRATION_LEASE_SECONDS" => {
                self.migration.lease_seconds = value
                    .parse()
                    .map_err(|_| bad("a whole number of seconds"))?
            }
            other if ENV_OTHER.contains(&other) => {}
            other => {
                let known: Vec<&str> = ENV_VARS
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(ENV_OTHER.iter().copied())
                    .collect();
                return Err(ConfigError(format!(
                    "unknown variable {other}; known ones are {}",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn check(&mut self) -> Result<(), ConfigError> {
        self.public_url = check_public_url(&self.public_url)?;
        if let Some(url) = &self.database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError(
                    "database_url must be a PostgreSQL URL like \
                     postgres://mailportal:secret@127.0.0.1:5432/mailportal; leave it unset \
                     for SQLite in data_dir"
                        .into(),
                ));
            }
        }
        app::backend::auth::passkey::relying_party(&self.public_url, self.passkey_rp_id.as_deref())
            .map_err(ConfigError)?;
        if self.session.idle_minutes == 0 || self.session.absolute_hours == 0 {
            return Err(ConfigError(
                "session.idle_minutes and session.absolute_hours must be at least 1".into(),
            ));
        }
        parse_networks(&self.mail_auth.allowed_ips)
            .map_err(|e| ConfigError(format!("mail_auth.allowed_ips: {e}")))?;
        parse_networks(&self.trusted_proxies)
            .map_err(|e| ConfigError(format!("trusted_proxies: {e}")))?;
        parse_networks(&self.mail_auth.webmail_ips)
            .map_err(|e| ConfigError(format!("mail_auth.webmail_ips: {e}")))?;
        parse_networks(&self.metrics.allowed_ips)
            .map_err(|e| ConfigError(format!("metrics.allowed_ips: {e}")))?;
        if let Some(relay) = &self.notify.smtp_relay {
            relay_host_port(relay)?;
        }
        self.notify
            .from
            .parse::<app::backend::notify::Mailbox>()
            .map_err(|e| ConfigError(format!("notify.from {:?} is not a mailbox like \"Mail Portal <noreply@example.org>\": {e}", self.notify.from)))?;
        if let Some(name) = &self.smtp.hostname {
            app::model::DomainName::parse(name).map_err(|e| {
                ConfigError(format!("smtp.hostname {name:?} is not a host name: {e}"))
            })?;
        }
        if self.smtp.max_message_bytes < 1024
            || self.smtp.max_recipients == 0
            || self.smtp.command_timeout_secs == 0
            || self.smtp.connection_timeout_secs == 0
            || self.smtp.max_connections == 0
        {
            return Err(ConfigError(
                "smtp: max_message_bytes must be at least 1024, and max_recipients, the \
                 timeouts and max_connections at least 1"
                    .into(),
            ));
        }
        if self.tls_certificate.is_some() != self.tls_key.is_some() {
            return Err(ConfigError(
                "tls_certificate and tls_key go together: set both, or neither (then the \
                 portal speaks plain HTTP, for a reverse proxy that terminates TLS)"
                    .into(),
            ));
        }
        if self.smtp.tls_certificate.is_some() != self.smtp.tls_key.is_some() {
            return Err(ConfigError(
                "smtp.tls_certificate and smtp.tls_key go together: set both, or neither \
                 (then STARTTLS is not offered)"
                    .into(),
            ));
        }
        if self.delivery.lease_seconds < 5 {
            return Err(ConfigError(format!(
                "delivery.lease_seconds is {}: it must be at least 5, and longer than one \
                 delivery attempt takes (the default is 600)",
                self.delivery.lease_seconds
            )));
        }
        if self.migration.connections_per_server == 0
            || self.migration.max_running == 0
            || self.migration.batch_messages == 0
        {
            return Err(ConfigError(
                "migration.connections_per_server, migration.max_running and \
                 migration.batch_messages must each be at least 1"
                    .into(),
            ));
        }
        if self.migration.lease_seconds < 10 {
            return Err(ConfigError(format!(
                "migration.lease_seconds is {}: it must be at least 10, and longer than one \
                 step of a copy takes (the default is 120)",
                self.migration.lease_seconds
            )));
        }
        self.lmtp()?;
        tracing_subscriber::EnvFilter::try_new(&self.log).map_err(|e| {
            ConfigError(format!(
                "log {:?} is not a log filter like \"info\": {e}",
                self.log
            ))
        })?;
        Ok(())
    }

    /// The LMTP server for mailboxes here, when one is set.
    pub fn lmtp(&self) -> Result<Option<Lmtp>, ConfigError> {
        let Some(text) = &self.delivery.lmtp else {
            return Ok(None);
        };
        let lmtp: Lmtp = text
            .parse()
            .map_err(|e| ConfigError(format!("delivery.lmtp: {e}")))?;
        if let Lmtp::Tcp(addr) = &lmtp {
            if app::backend::mail::outbound::reaches(&[self.http_addr, self.smtp.addr], *addr) {
                return Err(ConfigError(format!(
                    "delivery.lmtp {addr} is this portal's own listener: mail would go round; \
                     name the mail store's LMTP service (Dovecot's is usually port 24)"
                )));
            }
        }
        Ok(Some(lmtp))
    }

    /// The SMTP listener's host name: as configured, else the public URL's host.
    pub fn smtp_hostname(&self) -> String {
        self.smtp.hostname.clone().unwrap_or_else(|| {
            let rest = self
                .public_url
                .split_once("://")
                .map_or(self.public_url.as_str(), |(_, r)| r);
            match rest.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or_default().to_string(),
                None => rest
                    .split(['/', ':'])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            }
        })
    }

    pub fn relay(&self) -> Option<(String, u16)> {
        self.notify
            .smtp_relay
            .as_deref()
            .and_then(|r| relay_host_port(r).ok())
    }
}

/// A comma-separated list from an environment variable.
fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn relay_host_port(relay: &str) -> Result<(String, u16), ConfigError> {
    let err = || {
        ConfigError(format!(
            "notify.smtp_relay {relay:?} is not host:port, e.g. smtp.example.org:25"
        ))
    };
    let (host, port) = relay.rsplit_once(':').ok_or_else(err)?;
    let port: u16 = port.parse().map_err(|_| err())?;
    if host.is_empty() {
        return Err(err());
    }
    Ok((host.to_string(), port))
}

/// `scheme://host[:port]` with no path; https unless the host is this machine (browsers
/// treat only loopback as a secure context without TLS, and passkeys need one).
fn check_public_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim_end_matches('/');
    let err = |why: &str| ConfigError(format!("public_url {url:?} {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| err("needs a scheme, e.g. https://mail.example.org"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return Err(err("must be scheme://host[:port] without a path"));
    }
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6
            .split_once(']')
            .map(|(h, _)| h)
            .ok_or_else(|| err("has an unclosed ["))?,
        None => rest.rsplit_once(':').map_or(rest, |(h, _)| h),
    };
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "::1");
    match scheme {
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        "http" => Err(err("must use https (http is accepted only for localhost)")),
        _ => Err(err("must start with https:// (or http:// for localhost)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_work_on_one_machine() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.http_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url, "http://localhost:3000");
        assert_eq!(c.session.idle_minutes, 30);
        assert_eq!(c.session.absolute_hours, 12);
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mailportal.toml");
        std::fs::write(
            &file,
            "http_addr = \"127.0.0.1:4000\"\n[session]\nidle_minutes = 5\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&file),
            env(&[("MAILPORTAL_HTTP_ADDR", "127.0.0.1:5000"), ("PATH", "/bin")]),
        )
        .unwrap();
        assert_eq!(c.http_addr.to_string(), "127.0.0.1:5000");
        assert_eq!(c.session.idle_minutes, 5);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mailportal.toml");
        std::fs::write(&file, "htp_addr = \"127.0.0.1:4000\"\n").unwrap();
        let e = Config::load(Some(&file), env(&[])).unwrap_err().to_string();
        assert!(e.contains("htp_addr"), "{e}");
        let e = Config::load(None, env(&[("MAILPORTAL_HTTP_ADR", "x")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variable MAILPORTAL_HTTP_ADR"), "{e}");
        let e = Config::load(None, env(&[("MAILPORTAL_HTTP_ADDR", "nowhere")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("MAILPORTAL_HTTP_ADDR=\"nowhere\""), "{e}");
        let e = Config::load(None, env(&[("MAILPORTAL_SMTP_RELAY", "relay")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("host:port"), "{e}");
        let e = Config::load(
            None,
            env(&[("MAILPORTAL_SMTP_TLS_CERTIFICATE", "/etc/ssl/mx.pem")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("set both, or neither"), "{e}");
        let e = Config::load(None, env(&[("MAILPORTAL_TLS_KEY", "/etc/ssl/portal.key")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("tls_certificate and tls_key go together"), "{e}");
        let e = Config::load(
            None,
            env(&[(
                "MAILPORTAL_METRICS_ALLOWED_IPS",
                "127.0.0.1, prometheus.lan",
            )]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("metrics.allowed_ips") && e.contains("prometheus.lan"),
            "{e}"
        );
    }

    #[test]
    fn lmtp_is_an_address_or_a_socket_and_never_the_portal_itself() {
        let load = |lmtp: &str| Config::load(None, env(&[("MAILPORTAL_DELIVERY_LMTP", lmtp)]));
        assert_eq!(
            load("").unwrap().lmtp().unwrap(),
            None,
            "empty: Maildir here"
        );
        assert_eq!(
            load("127.0.0.1:24").unwrap().lmtp().unwrap(),
            Some(Lmtp::Tcp("127.0.0.1:24".parse().unwrap()))
        );
        assert_eq!(
            load("/run/dovecot/lmtp").unwrap().lmtp().unwrap(),
            Some(Lmtp::Unix("/run/dovecot/lmtp".into()))
        );
        let e = load("dovecot:24").unwrap_err().to_string();
        assert!(
            e.contains("delivery.lmtp: \"dovecot:24\" is neither"),
            "{e}"
        );
        // The default SMTP listener is 127.0.0.1:2525.
        let e = load("[::1]:2525").unwrap_err().to_string();
        assert!(e.contains("own listener"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mailportal.toml");
        std::fs::write(&file, "[delivery]\nlmtp = \"127.0.0.1:3000\"\n").unwrap();
        let e = Config::load(Some(&file), env(&[])).unwrap_err().to_string();
        assert!(e.contains("delivery.lmtp 127.0.0.1:3000"), "{e}");
    }

    #[test]
    fn public_url_must_be_https_except_on_loopback() {
        assert!(check_public_url("https://mail.example.org").is_ok());
        assert_eq!(
            check_public_url("http://localhost:3000/").unwrap(),
            "http://localhost:3000"
        );
        assert!(check_public_url("http://[::1]:3000").is_ok());
        assert!(check_public_url("http://mail.example.org").is_err());
        assert!(check_public_url("https://mail.example.org/portal").is_err());
        assert!(check_public_url("mail.example.org").is_err());
    }

    #[test]
    fn start_up_refuses_a_passkey_rp_id_that_is_not_the_host_or_a_parent() {
        let load = |url: &str, rp: &str| {
            Config::load(
                None,
                env(&[
                    ("MAILPORTAL_PUBLIC_URL", url),
                    ("MAILPORTAL_PASSKEY_RP_ID", rp),
                ]),
            )
        };
        assert!(load("https://mail.example.org", "example.org").is_ok());
        assert!(
            load("https://mail.example.org", "").is_ok(),
            "empty: the host"
        );
        let e = load("https://mail.example.org", "evil.example")
            .unwrap_err()
            .to_string();
        assert!(e.contains("passkey_rp_id \"evil.example\""), "{e}");
        assert!(load("http://localhost:3000", "example.org").is_err());
    }
}
