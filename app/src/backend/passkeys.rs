//! The caller's passkeys (My account → Passwordless authentication): the list, names,
//! deleting, and passkey-only sign-in. The ceremonies themselves are in `auth::passkey`.

use super::{
    auth::{ctx::UserCtx, passkey},
    store::{self, audit::AuditAction},
    two_factor::{must_have_a_factor, require_recent},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        passkey::{parse_name, Ceremony, PasskeyOverview, PasskeyRow, PASSKEY_ONLY_MIN},
        time::UnixTime,
    },
};
use webauthn_rs_proto::{CreationChallengeResponse, RegisterPublicKeyCredential};

pub async fn overview(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<PasskeyOverview, AppError> {
    let passkeys = store::passkeys::list(&backend.pool, user.account_id)
        .await?
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        })
        .collect();
    Ok(PasskeyOverview {
        passkeys,
        password_sign_in: store::accounts::password_sign_in(&backend.pool, user.account_id).await?,
        confirmed: user.recently_authenticated(now),
        available: backend.webauthn.is_some(),
    })
}

/// Step one of "New credential": the name is checked before the browser asks the person.
pub async fn begin_adding(
    backend: &Backend,
    user: &UserCtx,
    name: &str,
    now: UnixTime,
) -> Result<Ceremony<CreationChallengeResponse>, AppError> {
    require_recent(user, now)?;
    let name = parse_name(name).map_err(|r| AppError::invalid("name", r))?;
    passkey::begin_registration(backend, user, &name, now).await
}

pub async fn finish_adding(
    backend: &Backend,
    user: &UserCtx,
    ceremony: &str,
    answer: &RegisterPublicKeyCredential,
    now: UnixTime,
) -> Result<(), AppError> {
    let name = passkey::finish_registration(backend, user, ceremony, answer, now).await?;
    user.audit(backend, AuditAction::PasskeyAdded, &name, now)
        .await?;
    let added = super::security_notices::Event::PasskeyAdded { name: &name };
    super::account::tell(backend, &user.ip, user.account_id, added, now).await;
    Ok(())
}

pub async fn rename(
    backend: &Backend,
    user: &UserCtx,
    id: i64,
    name: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let name = parse_name(name).map_err(|r| AppError::invalid("name", r))?;
    if !store::passkeys::rename(&backend.pool, user.account_id, id, &name).await? {
        return Err(AppError::NotFound);
    }
    user.audit(backend, AuditAction::PasskeyRenamed, &name, now)
        .await
}

/// Deletes a passkey; refused when it would leave passkey-only sign-in with fewer than two,
/// or an admin whom the policy requires to have a second factor with none.
pub async fn delete(
    backend: &Backend,
    user: &UserCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    require_recent(user, now)?;
    let left = store::passkeys::count(&backend.pool, user.account_id).await? - 1;
    if !store::accounts::password_sign_in(&backend.pool, user.account_id).await?
        && left < PASSKEY_ONLY_MIN as i64
    {
        return Err(AppError::PasskeyRefused(format!(
            "Password sign-in is off, so keep at least {PASSKEY_ONLY_MIN} passkeys. Turn password sign-in on first."
        )));
    }
    if left == 0
        && must_have_a_factor(backend, user.role).await?
        && !store::totp::is_enabled(&backend.pool, user.account_id).await?
    {
        return Err(AppError::PasskeyRefused(
            "Admins must keep a second factor: set up the authenticator app before deleting your last passkey."
                .into(),
        ));
    }
    let name = store::passkeys::delete(&backend.pool, user.account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    user.audit(backend, AuditAction::PasskeyDeleted, &name, now)
        .await
}

/// Turns password sign-in to the portal off (passkeys only) or back on. Off needs at least
/// two passkeys. Back on needs a recent confirmation, which with password sign-in off only a
/// passkey can give.
pub async fn set_password_sign_in(
    backend: &Backend,
    user: &UserCtx,
    allowed: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    require_recent(user, now)?;
    if !allowed
        && store::passkeys::count(&backend.pool, user.account_id).await? < PASSKEY_ONLY_MIN as i64
    {
        return Err(AppError::PasskeyRefused(format!(
            "Add at least {PASSKEY_ONLY_MIN} passkeys first, so that losing one device does not lock you out."
        )));
    }
    store::accounts::set_password_sign_in(&backend.pool, user.account_id, allowed).await?;
    let detail = if allowed {
        "password sign-in on"
    } else {
        "passkeys only"
    };
    user.audit(backend, AuditAction::PasswordSignInChanged, detail, now)
        .await
}
