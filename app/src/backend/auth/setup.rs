//! First start: while no master admin exists, a one-hour link lets the first one be created.

use super::{password, sign_in::start_session, token::Token};
use crate::{
    backend::{
        request::RequestMeta,
        store::{
            self,
            accounts::{NewAccount, Profile},
            audit::AuditAction,
            links::Purpose,
        },
        Backend,
    },
    error::AppError,
    model::{password as rules, time::UnixTime, EmailAddress, Role},
};

/// How long a setup link works.
pub const LINK_SECS: i64 = 3600;
/// The file in the data directory that holds the current setup link for the operator.
pub const LINK_FILE: &str = "setup-link.txt";

pub async fn needed(backend: &Backend) -> Result<bool, AppError> {
    Ok(store::accounts::count_with_role(&backend.pool, Role::MasterAdmin).await? == 0)
}

/// Issues a fresh setup link (voiding older ones) when no master admin exists, writes it to
/// `setup-link.txt` in the data directory (readable by the owner only) and returns it.
pub async fn issue_link(backend: &Backend, now: UnixTime) -> Result<Option<String>, AppError> {
    let file = backend.settings.data_dir.join(LINK_FILE);
    if !needed(backend).await? {
        remove_link_file(&file);
        return Ok(None);
    }
    // Instances starting together take turns, so that the file ends up holding the link
    // that was issued last, the one that works.
    let mut tx = store::write(&backend.pool).await?;
    tx.serialize("setup link").await?;
    store::links::void_all(&mut tx.conn(), Purpose::Setup, now).await?;
    let token = Token::generate();
    store::links::insert(
        &mut tx.conn(),
        &token.hash(),
        Purpose::Setup,
        None,
        now,
        now + LINK_SECS,
    )
    .await?;
    let link = backend.settings.link(&format!("/setup/{}", token.expose()));
    write_private(&file, &format!("{link}\n"))?;
    tx.commit().await?;
    Ok(Some(link))
}

pub async fn link_is_usable(
    backend: &Backend,
    token: &str,
    now: UnixTime,
) -> Result<bool, AppError> {
    super::token::link_is_usable(&backend.pool, token, Purpose::Setup, now).await
}

/// Creates the first master admin through a setup link and signs them in.
pub async fn create_first_admin(
    backend: &Backend,
    meta: &RequestMeta,
    token: &str,
    email: &str,
    pw: &str,
    confirmation: &str,
    now: UnixTime,
) -> Result<Token, AppError> {
    let email = EmailAddress::parse(email).map_err(|r| AppError::invalid("email", r))?;
    password::check_new(pw, &email, "password")?;
    rules::check_confirmation(pw, confirmation).map_err(|r| AppError::invalid("confirm", r))?;
    if !link_is_usable(backend, token, now).await? || !needed(backend).await? {
        return Err(AppError::LinkExpired);
    }
    let hash = password::hash(pw).await?;
    let mut tx = store::write(&backend.pool).await?;
    if store::links::consume(
        &mut tx.conn(),
        &super::token::hash(token),
        Purpose::Setup,
        now,
    )
    .await?
    .is_none()
    {
        return Err(AppError::LinkExpired);
    }
    let new = NewAccount {
        email: &email,
        role: Role::MasterAdmin,
        domain_id: None,
        password_hash: &hash,
        profile: &Profile::default(),
    };
    let id = match store::accounts::insert(&mut tx.conn(), new, now).await {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "email",
                "An account with this address exists already.",
            ))
        }
        other => other?,
    };
    tx.commit().await?;
    remove_link_file(&backend.settings.data_dir.join(LINK_FILE));
    let actor = store::audit::Actor {
        account_id: Some(id),
        email: Some(email.as_str()),
        ip: Some(&meta.ip),
        domain_id: None,
    };
    store::audit::record(
        &backend.pool,
        &actor,
        AuditAction::FirstAdminCreated,
        email.as_str(),
        now,
    )
    .await?;
    start_session(backend, meta, id, now).await
}

fn remove_link_file(file: &std::path::Path) {
    if let Err(e) = std::fs::remove_file(file) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(error = %e, file = %file.display(), "could not remove the setup link file");
        }
    }
}

/// Writes a file only its owner can read (it holds a secret link).
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
