//! The `mailportal` program: configuration, the command line, and starting the planes.

pub mod backup;
pub mod cli;
pub mod config;
pub mod csrf;
pub mod https;
pub mod mail_auth;
pub mod metrics;
pub mod remote;
pub mod web;

use app::backend::{
    auth,
    countries::Countries,
    digests, instances, keys,
    mail::{self, smtp},
    notify::Notifier,
    recorder::Recorder,
    security_notices::Notices,
    store,
    store::hot_reads::HotReads,
    Backend, Clock, Settings,
};
use config::Config;
use leptos::prelude::LeptosOptions;
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;

/// Opens the store and builds the backend the planes share.
pub async fn backend(config: &Config, clock: Clock) -> Result<Backend, Failure> {
    let pool = store::connect(&config.store()).await.map_err(|e| {
        Failure(match &config.database_url {
            // The URL may hold a password: name the setting, not its value.
            Some(_) => format!("cannot open the PostgreSQL database (database_url): {e}"),
            None => format!(
                "cannot open the database in {}: {e}",
                config.data_dir.display()
            ),
        })
    })?;
    let from = config
        .notify
        .from
        .parse()
        .map_err(|e| Failure(format!("notify.from: {e}")))?;
    let notifier = match config.relay() {
        Some((host, port)) => Notifier::relay(&host, port, from),
        None => Notifier::outbox(config.data_dir.join("outbox"), from),
    };
    let settings = Settings {
        public_url: config.public_url.clone(),
        data_dir: config.data_dir.clone(),
        session_idle_secs: i64::from(config.session.idle_minutes) * 60,
        session_absolute_secs: i64::from(config.session.absolute_hours) * 3600,
        device_password_idle_secs: i64::from(config.mail_auth.device_password_idle_days) * 86_400,
        webmail_ips: config.mail_auth.webmail(),
        trusted_proxies: config.proxies(),
        dns_resolver: config.dns.resolver,
        listen_addrs: vec![
            config.http_addr,
            config.smtp.addr,
            config.smtp.submission_addr,
        ],
        max_message_bytes: config.smtp.max_message_bytes,
        delivery_lease_secs: i64::from(config.delivery.lease_seconds),
        migration: config.migration.limits(),
    };
    let key = keys::ServerKey::load_or_create(&config.data_dir).map_err(|e| {
        Failure(format!(
            "cannot read or create {}: {e}",
            config.data_dir.join(keys::KEY_FILE).display()
        ))
    })?;
    let webauthn =
        auth::passkey::relying_party(&config.public_url, config.passkey_rp_id.as_deref())
            .map_err(Failure)?;
    if webauthn.is_none() {
        tracing::warn!(public_url = %config.public_url, "passkeys are off: the public URL is an IP address");
    }
    let classifier = app::backend::learning::Classifier::load(&pool)
        .await
        .map_err(|e| Failure(format!("cannot read the learned spam counts: {e}")))?;
    let classifier = Arc::new(classifier);
    let countries = match &config.country_db {
        Some(path) => Countries::open(path).map_err(Failure)?,
        None => Countries::none(),
    };
    tracing::info!("{}", countries.describe());
    Ok(Backend {
        countries,
        classifier,
        recorder: Recorder::start(
            pool.clone(),
            Notices {
                pool: pool.clone(),
                notifier: notifier.clone(),
                public_url: config.public_url.clone(),
            },
        ),
        hot_reads: pool
            .sqlite()
            .map(|_| Arc::new(HotReads::new(&config.data_dir.join(store::DATABASE_FILE)))),
        pool,
        settings: Arc::new(settings),
        notifier,
        clock,
        key,
        mail_cache: Default::default(),
        webauthn: webauthn.map(Arc::new),
        new_log_rows: Default::default(),
        metrics: Default::default(),
    })
}

/// The sockets the planes listen on, bound before start so that a taken port is reported
/// before anything runs.
pub struct Listeners {
    pub http: TcpListener,
    pub smtp: TcpListener,
    pub submission: TcpListener,
}

impl Listeners {
    pub async fn bind(config: &Config) -> Result<Listeners, Failure> {
        let bind = |addr: SocketAddr, setting: &'static str| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| Failure(format!("cannot listen on {addr} ({setting}): {e}")))
        };
        Ok(Listeners {
            http: bind(config.http_addr, "http_addr").await?,
            smtp: bind(config.smtp.addr, "smtp.addr").await?,
            submission: bind(config.smtp.submission_addr, "smtp.submission_addr").await?,
        })
    }
}

/// Serves the portal and the SMTP listener until `shutdown` completes, then finishes the
/// requests and connections under way.
pub async fn serve(
    config: &Config,
    backend: Backend,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Failure> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let live_views = backend.new_log_rows.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.send(true).ok();
        live_views.close();
    });
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            stopped.wait_for(|s| *s).await.ok();
        }
    };
    let tls = load_tls(&config.smtp.tls_certificate, &config.smtp.tls_key, "smtp.")?;
    let portal_tls = load_tls(&config.tls_certificate, &config.tls_key, "")?.map(Arc::new);
    let smtp = Arc::new(
        smtp::Server::new(
            backend.clone(),
            config.smtp_hostname(),
            config.smtp.limits(),
        )
        .with_tls(tls)
        .with_lmtp(config.lmtp().map_err(|e| Failure(e.0))?),
    );
    let smtp_addr = listeners.smtp.local_addr()?;
    tracing::info!(addr = %smtp_addr, hostname = %smtp.hostname, starttls = smtp.tls.is_some(), "SMTP listening");
    match &smtp.lmtp {
        Some(lmtp) => tracing::info!(%lmtp, "mailboxes are delivered over LMTP"),
        None => {
            tracing::info!(dir = %config.data_dir.join("maildir").display(), "mailboxes are delivered into Maildir")
        }
    }
    let submission_addr = listeners.submission.local_addr()?;
    tracing::info!(addr = %submission_addr, "submission listening");
    let mail = tokio::spawn(smtp::listener::serve(
        smtp.clone(),
        listeners.smtp,
        smtp::session::Mode::Inbound,
        until_stopped(),
    ));
    let submission = tokio::spawn(smtp::listener::serve(
        smtp.clone(),
        listeners.submission,
        smtp::session::Mode::Submission,
        until_stopped(),
    ));
    let queue = tokio::spawn(mail::queue::run(smtp.clone(), until_stopped()));
    let copies = tokio::spawn(app::backend::migration::copier::run(
        backend.clone(),
        backend.settings.migration.clone(),
        smtp.lmtp.is_none(),
        until_stopped(),
    ));
    let listener = instances::listen(&backend).await;
    tokio::spawn(instances::follow(
        backend.clone(),
        listener,
        until_stopped(),
    ));
    tokio::spawn(reload_on_hangup(portal_tls.clone(), smtp.clone()));
    let web = serve_web(
        config,
        backend,
        smtp.clone(),
        (listeners.http, portal_tls),
        until_stopped(),
    )
    .await;
    mail.await.ok();
    submission.await.ok();
    queue.await.ok();
    copies.await.ok();
    smtp.writer.flush().await;
    tracing::info!("SMTP listener and delivery queue stopped");
    web
}

/// A certificate and key named in the configuration (`setting` prefixes the keys' names in
/// an error), loaded.
fn load_tls(
    certificate: &Option<std::path::PathBuf>,
    key: &Option<std::path::PathBuf>,
    setting: &str,
) -> Result<Option<smtp::tls::Tls>, Failure> {
    match (certificate, key) {
        (Some(certificate), Some(key)) => smtp::tls::Tls::load(certificate, key)
            .map(Some)
            .map_err(|e| Failure(format!("{setting}tls_certificate / {setting}tls_key: {e}"))),
        _ => Ok(None),
    }
}

/// On SIGHUP (`systemctl reload`, a certificate renewal hook), reads the TLS certificates
/// again; a pair that does not load leaves the one in use, and the log says why.
async fn reload_on_hangup(portal: Option<Arc<smtp::tls::Tls>>, mail: Arc<smtp::Server>) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP cannot be caught: TLS certificates are re-read once a minute only");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        let identities = [("portal", portal.as_deref()), ("SMTP", mail.tls.as_ref())];
        if identities.iter().all(|(_, tls)| tls.is_none()) {
            tracing::info!("SIGHUP: no TLS certificate is configured, nothing to reload");
        }
        for (plane, tls) in identities {
            let Some(tls) = tls else { continue };
            let certificate = tls.certificate().display();
            match tls.reload() {
                Ok(()) => tracing::info!(%certificate, "SIGHUP: {plane} TLS certificate reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "SIGHUP: {plane} TLS certificate not reloaded, the one in use stays")
                }
            }
        }
    }
}

/// Serves the portal on `listener` (over TLS when it comes with an identity) until
/// `shutdown` completes, then finishes the requests under way.
async fn serve_web(
    config: &Config,
    backend: Backend,
    mail: Arc<smtp::Server>,
    (listener, tls): (TcpListener, Option<Arc<smtp::tls::Tls>>),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Failure> {
    tokio::task::spawn_blocking(auth::password::warm_up)
        .await
        .ok();
    if let Some(link) = auth::setup::issue_link(&backend, backend.clock.now()).await? {
        announce_setup_link(&link, config);
    }
    tokio::spawn(purge_expired(backend.clone()));
    tokio::spawn(recheck_domains(backend.clone()));
    tokio::spawn(send_digests(backend.clone()));
    let addr = listener.local_addr()?;
    let options = LeptosOptions::builder()
        .output_name("mailportal")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let gate = mail_auth::MailGate {
        allowed: config.mail_auth.allowed(),
        secret: config.mail_auth.secret.clone(),
        imap: config.mail_auth.imap_backend,
        pop3: config.mail_auth.pop3_backend,
        smtp: config.mail_auth.smtp_backend,
        max_attempts: config.mail_auth.max_login_attempts,
    };
    let recorder = backend.recorder.clone();
    let scrapers = config.metrics.allowed();
    let app = web::router(options, backend, gate, scrapers, mail);
    tracing::info!(%addr, public_url = %config.public_url, https = tls.is_some(), "web portal listening");
    match tls {
        Some(tls) => https::serve(listener, tls, app, shutdown).await,
        None => {
            // Replies go out as soon as written: with Nagle's algorithm a reply written in
            // two parts waits for the client's delayed ACK (tens of milliseconds) before
            // its second part, which a mail proxy asking one login check at a time feels.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                tcp.set_nodelay(true).ok();
            });
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await?
        }
    }
    recorder.flush().await;
    tracing::info!("web portal stopped");
    Ok(())
}

fn announce_setup_link(link: &str, config: &Config) {
    tracing::warn!("no master admin exists yet");
    println!(
        "\n  Mail Portal has no master admin yet. Open this link within one hour to create one:\n\n    {link}\n\n  \
         (also in {}; restart mailportal for a new link)\n",
        config.data_dir.join(auth::setup::LINK_FILE).display()
    );
}

/// Every ten minutes, deletes timed-out sessions (expiry itself is checked per request)
/// quarantined mail and mail log rows kept past their domain's days, and greylisting
/// triplets of no more use.
async fn purge_expired(backend: Backend) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = backend.clock.now();
        let s = &backend.settings;
        if let Err(e) = store::sessions::purge_expired(
            &backend.pool,
            now - s.session_idle_secs,
            now - s.session_absolute_secs,
        )
        .await
        {
            tracing::warn!(error = %e, "could not purge expired sessions");
        }
        match app::backend::quarantine::purge_expired(&backend, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(messages = n, "purged quarantined mail past its days"),
            Err(e) => tracing::warn!(error = %e, "could not purge the quarantine"),
        }
        if let Err(e) = app::backend::blocked_senders::purge_sent(&backend, now).await {
            tracing::warn!(error = %e, "could not purge the counts of sent mail");
        }
        match app::backend::mail_log::purge_expired(&backend, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged mail log rows past their days"),
            Err(e) => tracing::warn!(error = %e, "could not purge the mail log"),
        }
        if let Err(e) = store::stats::purge_expired(&backend.pool, now).await {
            tracing::warn!(error = %e, "could not purge old mail statistics");
        }
        if let Err(e) = mail::judge::purge_greylist(&backend.pool, now).await {
            tracing::warn!(error = %e, "could not purge greylisting triplets");
        }
    }
}

/// Every ten minutes, sends the quarantine digests whose day or week has passed.
async fn send_digests(backend: Backend) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = backend.clock.now();
        match digests::send(&backend, digests::When::Due, now).await {
            Ok(sent) if sent.digests > 0 => tracing::info!(
                digests = sent.digests,
                messages = sent.messages,
                "quarantine digests sent"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not send quarantine digests"),
        }
    }
}

/// Looks every verified domain's TXT record up again once a day (the first time an hour
/// after start, so that a restart loop does not send warnings in a burst).
async fn recheck_domains(backend: Backend) {
    let day = Duration::from_secs(86_400);
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(3600), day);
    loop {
        tick.tick().await;
        match app::backend::domain_watch::recheck_all(&backend, backend.clock.now()).await {
            Ok(r) => tracing::info!(
                checked = r.checked,
                missing = ?r.newly_missing,
                back = ?r.back,
                failed = ?r.lookup_failed,
                "domain records re-checked"
            ),
            Err(e) => tracing::warn!(error = %e, "domain re-check failed"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM. The SIGTERM handler is installed when this is called,
/// not when the future is first polled, so a signal right after start-up is not lost.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| tracing::warn!(error = %e, "cannot listen for SIGTERM"))
        .ok();
    async move {
        #[cfg(unix)]
        let term = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term => {},
        }
        tracing::info!("shutting down");
    }
}

/// What stops start-up or a command: a message for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Failure(pub String);

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(e.to_string())
    }
}

impl From<config::ConfigError> for Failure {
    fn from(e: config::ConfigError) -> Self {
        Failure(e.to_string())
    }
}

impl From<app::error::AppError> for Failure {
    fn from(e: app::error::AppError) -> Self {
        Failure(e.to_string())
    }
}
