//! Password reset through the recovery email: a single-use link valid 30 minutes.
//!
//! The request answers the same whether or not the address has an account (no enumeration);
//! completing it signs the account out everywhere.

use super::{password, token::Token};
use crate::{
    backend::{
        notify::Notice,
        request::RequestMeta,
        store::{self, audit::AuditAction, links::Purpose},
        Backend,
    },
    error::AppError,
    model::{password as rules, time::UnixTime, EmailAddress},
};

/// How long a reset link works.
pub const LINK_SECS: i64 = 30 * 60;
/// At most one reset mail per account in this many seconds (no mail bombing).
pub const RESEND_SECS: i64 = 60;

/// Sends a reset link to the account's recovery email, if it has one. Only the address's
/// form is checked before answering; the look-up and the mail happen in the background, so
/// the answer and its timing are the same for every well-formed address.
pub async fn request(
    backend: &Backend,
    meta: &RequestMeta,
    email: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(email).map_err(|r| AppError::invalid("email", r))?;
    let (backend, meta) = (backend.clone(), meta.clone());
    tokio::spawn(async move {
        if let Err(e) = send_link(&backend, &meta, &email, now).await {
            tracing::error!(error = %e, "password reset link not sent");
        }
    });
    Ok(())
}

async fn send_link(
    backend: &Backend,
    meta: &RequestMeta,
    email: &EmailAddress,
    now: UnixTime,
) -> Result<(), AppError> {
    let account = store::accounts::find_by_email(&backend.pool, email).await?;
    let Some((account, recovery)) = account
        .filter(|a| a.enabled)
        .and_then(|a| a.recovery_email.clone().map(|r| (a, r)))
    else {
        return Ok(());
    };
    let token = Token::generate();
    let issued = store::links::insert_unless_recent(
        &backend.pool,
        &token.hash(),
        Purpose::PasswordReset,
        account.id,
        now,
        now + LINK_SECS,
        now - RESEND_SECS,
    )
    .await?;
    if !issued {
        return Ok(());
    }
    store::links::void_others(
        &backend.pool,
        Purpose::PasswordReset,
        account.id,
        &token.hash(),
        now,
    )
    .await?;
    let link = backend
        .settings
        .link(&format!("/reset-password/{}", token.expose()));
    let to = EmailAddress::parse(&recovery).map_err(|_| AppError::Internal)?;
    let body = format!(
        "Someone asked to reset the password of {email} at {portal}.\n\n\
         To choose a new password, open this link within 30 minutes:\n\n{link}\n\n\
         If it was not you, ignore this message: your password stays as it is.\n",
        portal = backend.settings.public_url,
    );
    backend
        .notifier
        .deliver(Notice {
            to,
            subject: "Reset your mail password".into(),
            body,
        })
        .await?;
    let actor = store::audit::Actor {
        account_id: Some(account.id),
        email: Some(email.as_str()),
        ip: Some(&meta.ip),
        domain_id: account.domain_id,
    };
    let detail = format!("link sent to {recovery}");
    store::audit::record(
        &backend.pool,
        &actor,
        AuditAction::PasswordResetRequested,
        &detail,
        now,
    )
    .await?;
    Ok(())
}

pub async fn link_is_usable(
    backend: &Backend,
    token: &str,
    now: UnixTime,
) -> Result<bool, AppError> {
    super::token::link_is_usable(&backend.pool, token, Purpose::PasswordReset, now).await
}

/// Sets the new password through a reset link and ends every session of the account.
pub async fn complete(
    backend: &Backend,
    meta: &RequestMeta,
    token: &str,
    pw: &str,
    confirmation: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let hash_of_token = super::token::hash(token);
    let account_id =
        store::links::account_of(&backend.pool, &hash_of_token, Purpose::PasswordReset, now)
            .await?
            .ok_or(AppError::LinkExpired)?;
    let account = store::accounts::find_by_id(&backend.pool, account_id)
        .await?
        .ok_or(AppError::LinkExpired)?;
    let email = EmailAddress::parse(&account.email).map_err(|_| AppError::Internal)?;
    password::check_new(pw, &email, "password")?;
    rules::check_confirmation(pw, confirmation).map_err(|r| AppError::invalid("confirm", r))?;
    let hash = password::hash(pw).await?;

    let mut tx = store::write(&backend.pool).await?;
    if store::links::consume(&mut tx.conn(), &hash_of_token, Purpose::PasswordReset, now).await?
        != Some(Some(account_id))
    {
        return Err(AppError::LinkExpired);
    }
    store::accounts::set_password(&mut tx.conn(), account_id, &hash, now).await?;
    store::sessions::delete_all_for_account(&mut tx.conn(), account_id, None).await?;
    tx.commit().await?;

    store::throttle::clear(&backend.pool, &super::throttle::account_key(email.as_str())).await?;
    let actor = store::audit::Actor {
        account_id: Some(account_id),
        email: Some(email.as_str()),
        ip: Some(&meta.ip),
        domain_id: None,
    };
    store::audit::record(
        &backend.pool,
        &actor,
        AuditAction::PasswordReset,
        "through the recovery email",
        now,
    )
    .await?;
    let reset = crate::backend::security_notices::Event::PasswordReset;
    crate::backend::account::tell(backend, &meta.ip, account_id, reset, now).await;
    Ok(())
}
