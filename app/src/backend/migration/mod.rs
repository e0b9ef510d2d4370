//! Auto migration: users of a domain that moves here sign up with their address and their
//! password on the old IMAP server; the portal checks them there, creates the account with
//! that password, and copies their mail in the background (`copier`).
//!
//! The old password is needed after the sign-up, by the copy (and again after a restart),
//! so it is kept sealed with the server key (see `keys`) until the copy ends, and no
//! longer: a finished or cancelled copy forgets it, and copying again asks for it anew.

pub mod copier;
pub mod imap;

use crate::{
    backend::{
        auth::{
            ctx::{DomainAdminCtx, UserCtx},
            password, sign_in, throttle,
            token::Token,
        },
        keys::Purpose,
        request::RequestMeta,
        routing,
        store::{
            self,
            accounts::{NewAccount, Profile},
            audit::AuditAction,
            migrations::{NewMigration, Own},
        },
        Backend,
    },
    error::AppError,
    model::{
        migration::{
            parse_server, DomainMigration, FolderRow, MyMigration, Progress, Security, Source,
            StateCounts,
        },
        password::MAX_CHARS,
        route::{Destination, DomainKind},
        time::UnixTime,
        EmailAddress, Role,
    },
};
use std::time::Duration;

/// How copies are paced; the server crate sets them from `[migration]`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Copies from one old server at a time (each is one IMAP connection): the old server,
    /// and this one, stay responsive while a whole domain moves.
    pub per_server: usize,
    /// Copies at a time in all.
    pub running: usize,
    /// Messages fetched and written per step; the copy's resume point moves after each.
    pub batch: usize,
    /// A rest between steps.
    pub pause: Duration,
    /// The wait after a failure before the first retry; it doubles with each failure.
    pub retry_secs: i64,
    /// How long an instance holds a copy it works on without renewing its hold; a copy of
    /// a dead instance is taken up by another after it.
    pub lease_secs: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_server: 2,
            running: 8,
            batch: 50,
            pause: Duration::ZERO,
            retry_secs: 60,
            lease_secs: 120,
        }
    }
}

/// Seals and opens the old password, bound to its account.
fn seal(backend: &Backend, account_id: i64, password: &str) -> Vec<u8> {
    backend.key.seal(
        Purpose::MigrationPassword,
        &account_id.to_be_bytes(),
        password.as_bytes(),
    )
}

fn open(backend: &Backend, account_id: i64, sealed: &[u8]) -> Option<String> {
    let plain = backend
        .key
        .open(
            Purpose::MigrationPassword,
            &account_id.to_be_bytes(),
            sealed,
        )
        .ok()?;
    String::from_utf8(plain).ok()
}

/// The Auto migration screen of a domain.
pub async fn domain_view(
    backend: &Backend,
    admin: &DomainAdminCtx,
    domain_id: i64,
    local_delivery: bool,
    now: UnixTime,
) -> Result<DomainMigration, AppError> {
    let domain =
        routing::hosted_domain(backend, admin, domain_id, "see a domain's migration", now).await?;
    let source = store::migrations::source(&backend.pool, domain_id).await?;
    let users = store::migrations::of_domain(&backend.pool, domain_id).await?;
    let mut total = Progress::default();
    let mut counts = StateCounts::default();
    for u in &users {
        counts.add(u.state);
        total.folders_done += u.progress.folders_done;
        total.folders_total += u.progress.folders_total;
        total.messages_done += u.progress.messages_done;
        total.messages_total += u.progress.messages_total;
        total.errors += u.progress.errors;
    }
    Ok(DomainMigration {
        domain: domain.name,
        source: source.map(|s| s.view()),
        local_delivery,
        allow_local: routing::allow_local(backend).await?,
        users,
        total,
        counts,
    })
}

/// Sets the domain's old server: `(server, security, enabled)` as typed.
pub async fn save_source(
    backend: &Backend,
    admin: &DomainAdminCtx,
    domain_id: i64,
    (server, security, enabled): (&str, &str, bool),
    local_delivery: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    let what = "set a domain's old IMAP server";
    let domain = routing::hosted_domain(backend, admin, domain_id, what, now).await?;
    if !local_delivery {
        return Err(AppError::NotAllowed(
            "This portal hands mail to another mail store over LMTP (delivery.lmtp). Auto \
             migration writes into the portal's own Maildir, so it cannot run here."
                .into(),
        ));
    }
    let security = Security::parse(security).map_err(|r| AppError::invalid("security", r))?;
    let destination = parse_server(server, security).map_err(|r| AppError::invalid("server", r))?;
    routing::refusal(backend, &destination, routing::allow_local(backend).await?)
        .map_err(|r| AppError::invalid("server", r.replace("Routes", "The old server")))?;
    let source = Source {
        server: destination.to_string(),
        security,
        enabled,
    };
    store::migrations::save_source(&backend.pool, domain_id, &source, now).await?;
    let detail = format!(
        "{}: {} ({}), sign-up {}",
        domain.name,
        source.server,
        security.as_str(),
        if enabled { "open" } else { "closed" }
    );
    admin
        .user
        .audit_in(
            backend,
            domain_id,
            AuditAction::MigrationSourceChanged,
            &detail,
            now,
        )
        .await
}

pub async fn remove_source(
    backend: &Backend,
    admin: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let what = "remove a domain's old IMAP server";
    let domain = routing::hosted_domain(backend, admin, domain_id, what, now).await?;
    if !store::migrations::remove_source(&backend.pool, domain_id).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("{}: removed, sign-up closed", domain.name);
    admin
        .user
        .audit_in(
            backend,
            domain_id,
            AuditAction::MigrationSourceChanged,
            &detail,
            now,
        )
        .await
}

/// A copy of one of the admin's domains, by id.
async fn admins_copy(
    backend: &Backend,
    admin: &DomainAdminCtx,
    domain_id: i64,
    id: i64,
    what: &str,
    now: UnixTime,
) -> Result<crate::model::migration::MigrationRow, AppError> {
    let found = store::migrations::find(&backend.pool, id).await?;
    let (found_domain, row) = admin.owned(backend, found, what, now).await?;
    // The domain in the form must be the copy's own: a form naming another is refused
    // like a copy that does not exist.
    if found_domain != domain_id {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

pub async fn retry(
    backend: &Backend,
    admin: &DomainAdminCtx,
    domain_id: i64,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let row = admins_copy(backend, admin, domain_id, id, "retry a mail migration", now).await?;
    if row.state.is_running() {
        return Err(AppError::Conflict(format!(
            "The copy for {} is under way already.",
            row.email
        )));
    }
    if !store::migrations::requeue(&backend.pool, id, None, now).await? {
        return Err(AppError::Conflict(format!(
            "The old password of {} is no longer kept. They can copy again from My account → \
             Mail migration, with that password.",
            row.email
        )));
    }
    store::migrations::reopen_folders(&backend.pool, id).await?;
    copier::wake();
    admin
        .user
        .audit_in(
            backend,
            domain_id,
            AuditAction::MigrationRetried,
            &row.email,
            now,
        )
        .await
}

pub async fn cancel(
    backend: &Backend,
    admin: &DomainAdminCtx,
    domain_id: i64,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let row = admins_copy(
        backend,
        admin,
        domain_id,
        id,
        "cancel a mail migration",
        now,
    )
    .await?;
    if !store::migrations::cancel(&backend.pool, id, now).await? {
        return Err(AppError::Conflict(format!(
            "The copy for {} has ended already ({}).",
            row.email,
            row.state.label().to_lowercase()
        )));
    }
    admin
        .user
        .audit_in(
            backend,
            domain_id,
            AuditAction::MigrationCancelled,
            &row.email,
            now,
        )
        .await
}

/// The same answer for every address and password the old server does not accept, and for
/// addresses of domains that do not move here: whoever tries learns nothing of which.
fn not_accepted() -> AppError {
    AppError::invalid(
        "password",
        "Your mail server did not accept this address and password, or this address cannot \
         sign up here. Check both and try again.",
    )
}

/// The domain's old server, when its users may sign up now.
async fn open_source(
    backend: &Backend,
    email: &EmailAddress,
) -> Result<Option<(i64, Destination, Security)>, AppError> {
    let Some(domain_id) = store::domains::find_id(&backend.pool, &email.domain()).await? else {
        return Ok(None);
    };
    let hosted = store::domains::find(&backend.pool, domain_id)
        .await?
        .is_some_and(|d| d.kind == DomainKind::Hosted);
    let source = store::migrations::source(&backend.pool, domain_id).await?;
    let Some(source) = source.filter(|s| s.enabled && hosted) else {
        return Ok(None);
    };
    let security = Security::parse(&source.security).map_err(|_| AppError::Internal)?;
    let destination = Destination::parse(&source.server).map_err(|_| AppError::Internal)?;
    Ok(Some((domain_id, destination, security)))
}

/// Checks `login` and `password` on the old server; `not_accepted` when it refuses them,
/// a message naming the trouble when it cannot be asked.
async fn check_on_old_server(
    backend: &Backend,
    destination: &Destination,
    security: Security,
    login: &str,
    password: &str,
) -> Result<(), AppError> {
    let server = imap::Server {
        destination,
        security,
        allow_local: routing::allow_local(backend).await?,
    };
    match imap::log_in(&backend.settings, &server, login, password).await {
        Ok(session) => {
            imap::log_out(session).await;
            Ok(())
        }
        Err(imap::Failure::Refused) => Err(not_accepted()),
        Err(imap::Failure::Unreachable(why)) => {
            tracing::warn!(%why, "auto migration: the old server could not be asked");
            Err(AppError::Unavailable(
                "Your old mail server could not be reached to check your password. Try again \
                 in a few minutes; if it keeps failing, tell your mail admin."
                    .into(),
            ))
        }
    }
}

/// Sign-up: the address and password are checked on the domain's old server (under the
/// sign-in throttle: this is a password check like any other), then the account, its copy
/// and a session are made together. Nothing is made when any step fails.
pub async fn sign_up(
    backend: &Backend,
    meta: &RequestMeta,
    typed_email: &str,
    pw: &str,
    local_delivery: bool,
    now: UnixTime,
) -> Result<Token, AppError> {
    if typed_email.trim().is_empty() {
        return Err(AppError::invalid("email", "Enter your email address."));
    }
    if pw.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let email = EmailAddress::parse(typed_email).map_err(|r| AppError::invalid("email", r))?;
    let keys = throttle::keys(email.as_str(), &meta.ip);
    throttle::check(&backend.pool, &keys, now).await?;
    let source = match open_source(backend, &email).await? {
        Some(s) if local_delivery && pw.chars().count() <= MAX_CHARS => s,
        _ => {
            throttle::record_failure(&backend.pool, &keys, now).await?;
            return Err(not_accepted());
        }
    };
    let (domain_id, destination, security) = source;
    if let Err(e) = check_on_old_server(backend, &destination, security, email.as_str(), pw).await {
        if matches!(e, AppError::Invalid { .. }) {
            throttle::record_failure(&backend.pool, &keys, now).await?;
        }
        return Err(e);
    }
    // Said only to whoever proved the password: nobody else learns who has an account.
    if store::accounts::find_by_email(&backend.pool, &email)
        .await?
        .is_some()
    {
        return Err(AppError::invalid(
            "email",
            format!("{email} has an account here already. Sign in instead."),
        ));
    }
    if store::aliases::exists(&backend.pool, email.as_str()).await? {
        return Err(AppError::invalid(
            "email",
            format!("{email} is an alias here, not a mailbox. Ask your mail admin."),
        ));
    }
    let hash = password::hash(pw).await?;
    let mut tx = store::write(&backend.pool).await?;
    let new = NewAccount {
        email: &email,
        role: Role::MailUser,
        domain_id: Some(domain_id),
        password_hash: &hash,
        profile: &Profile::default(),
    };
    let account_id = match store::accounts::insert(&mut tx.conn(), new, now).await {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "email",
                format!("{email} has an account here already. Sign in instead."),
            ))
        }
        other => other?,
    };
    let secret = seal(backend, account_id, pw);
    let server = destination.to_string();
    let migration = NewMigration {
        account_id,
        domain_id,
        server: &server,
        security,
        login: email.as_str(),
        secret: &secret,
        // Brought over as it is (refusing it would refuse the move), but flagged.
        weak_password: password::check_new(pw, &email, "password").is_err(),
    };
    store::migrations::insert(&mut tx.conn(), migration, now).await?;
    tx.commit().await?;
    store::throttle::clear(&backend.pool, &throttle::account_key(email.as_str())).await?;
    let actor = store::audit::Actor {
        account_id: Some(account_id),
        email: Some(email.as_str()),
        ip: Some(&meta.ip),
        domain_id: Some(domain_id),
    };
    let detail = format!("from {server}");
    store::audit::record(
        &backend.pool,
        &actor,
        AuditAction::MigrationStarted,
        &detail,
        now,
    )
    .await?;
    copier::wake();
    let account = store::accounts::find_by_id(&backend.pool, account_id)
        .await?
        .ok_or(AppError::Internal)?;
    match sign_in::finish(
        backend,
        meta,
        &account,
        crate::model::security::Credential::Password,
        now,
    )
    .await?
    {
        sign_in::SignedIn::Session { token, .. } => Ok(token),
        // A new mail user has no second factor and no admin rights to be asked about.
        sign_in::SignedIn::SecondFactor { .. } => Err(AppError::Internal),
    }
}

/// The caller's own copy.
pub async fn mine(backend: &Backend, user: &UserCtx) -> Result<Option<MyMigration>, AppError> {
    let Some(own) = store::migrations::of_account(&backend.pool, user.account_id).await? else {
        return Ok(None);
    };
    let folders = store::migrations::folder_rows(&backend.pool, own.row.id)
        .await?
        .into_iter()
        .map(|(name, row)| FolderRow {
            name: imap::readable(&name),
            ..row
        })
        .collect();
    Ok(Some(MyMigration {
        server: own.server.clone(),
        weak_password: own.weak_password,
        row: own.row,
        folders,
    }))
}

/// Copies again from the old server with the password typed anew (checked there first):
/// after a cancel, a failure, or to pick up what arrived there since.
pub async fn restart(
    backend: &Backend,
    meta: &RequestMeta,
    user: &UserCtx,
    pw: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let Some(Own {
        row,
        server,
        security,
        login,
        ..
    }) = store::migrations::of_account(&backend.pool, user.account_id).await?
    else {
        return Err(AppError::NotFound);
    };
    if row.state.is_running() {
        return Err(AppError::Conflict(
            "Your mail is being copied already.".into(),
        ));
    }
    if pw.is_empty() {
        return Err(AppError::invalid(
            "password",
            "Enter your password on the old server.",
        ));
    }
    let keys = throttle::keys(&user.email, &meta.ip);
    throttle::check(&backend.pool, &keys, now).await?;
    let destination = Destination::parse(&server).map_err(|_| AppError::Internal)?;
    if let Err(e) = check_on_old_server(backend, &destination, security, &login, pw).await {
        if matches!(e, AppError::Invalid { .. }) {
            throttle::record_failure(&backend.pool, &keys, now).await?;
            return Err(AppError::invalid(
                "password",
                "Your old mail server did not accept this password.",
            ));
        }
        return Err(e);
    }
    let secret = seal(backend, user.account_id, pw);
    if !store::migrations::requeue(&backend.pool, row.id, Some(&secret), now).await? {
        return Err(AppError::Conflict(
            "Your mail is being copied already.".into(),
        ));
    }
    store::migrations::reopen_folders(&backend.pool, row.id).await?;
    copier::wake();
    user.audit(
        backend,
        AuditAction::MigrationRetried,
        &format!("from {server}"),
        now,
    )
    .await
}
