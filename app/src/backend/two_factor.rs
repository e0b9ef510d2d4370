//! The caller's second factors (My account → Two-factor authentication), confirming it's
//! them before a change, and the admin side: the portal-wide requirement and unlocking.
//!
//! Every change here needs a password proved within the last ten minutes
//! (`REAUTH_WINDOW_SECS`); otherwise the page asks the person to confirm it's them.

use super::{
    account::end_other_sessions,
    auth::{
        ctx::{DomainScope, MasterAdminCtx, UserCtx},
        sign_in::confirm_password,
        totp::{self, Proof, Stage, CODE_FIELD},
    },
    request::RequestMeta,
    store::{self, accounts::Account, audit::AuditAction, portal_settings::Switch},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        time::UnixTime,
        two_factor::{TotpOffer, TwoFactorPolicy, TwoFactorStatus},
        Role,
    },
};

pub async fn status(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<TwoFactorStatus, AppError> {
    let factor = store::totp::find(&backend.pool, user.account_id)
        .await?
        .filter(|f| f.enabled_at.is_some());
    Ok(TwoFactorStatus {
        totp_enabled_at: factor.as_ref().and_then(|f| f.enabled_at),
        recovery_codes_left: store::recovery_codes::count_unused(&backend.pool, user.account_id)
            .await?,
        locked: factor.as_ref().is_some_and(|f| f.locked_at.is_some()),
        confirmed: user.recently_authenticated(now),
        required: must_enrol(backend, user.account_id, user.role).await?,
    })
}

/// "Confirm it's you": proves the password again, opening the re-authentication window.
pub async fn confirm_identity(
    backend: &Backend,
    meta: &RequestMeta,
    user: &UserCtx,
    password: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    if !store::accounts::password_sign_in(&backend.pool, user.account_id).await? {
        return Err(AppError::invalid(
            "password",
            "Your account signs in with passkeys only: confirm with a passkey.",
        ));
    }
    confirm_password(backend, meta, &user.email, password, "password", now).await?;
    store::sessions::mark_authenticated(&backend.pool, user.session_id, now).await?;
    Ok(())
}

pub(crate) fn require_recent(user: &UserCtx, now: UnixTime) -> Result<(), AppError> {
    if user.recently_authenticated(now) {
        Ok(())
    } else {
        Err(AppError::ReauthRequired)
    }
}

async fn own_account(backend: &Backend, user: &UserCtx) -> Result<Account, AppError> {
    store::accounts::find_by_id(&backend.pool, user.account_id)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// Step one of turning TOTP on: a new secret to put into an app.
pub async fn offer_totp(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<TotpOffer, AppError> {
    require_recent(user, now)?;
    totp::offer(backend, user.account_id, &user.email, now).await
}

/// Step two: a code from the app proves it holds the secret; TOTP is then on, and the
/// recovery codes are returned for showing once.
pub async fn enable_totp(
    backend: &Backend,
    meta: &RequestMeta,
    user: &UserCtx,
    code: &str,
    sign_out_others: bool,
    now: UnixTime,
) -> Result<Vec<String>, AppError> {
    require_recent(user, now)?;
    let account = own_account(backend, user).await?;
    totp::check(backend, meta, &account, code, Stage::Offered, now).await?;
    let (shown, hashes) = totp::new_recovery_codes().await?;
    let mut tx = store::write(&backend.pool).await?;
    store::totp::enable(&mut tx.conn(), user.account_id, now).await?;
    store::recovery_codes::replace(&mut tx.conn(), user.account_id, &hashes, now).await?;
    let ended = end_other_sessions(&mut tx.conn(), user, sign_out_others).await?;
    tx.commit().await?;
    let detail = format!("authenticator app; {ended} other session(s) signed out");
    user.audit(backend, AuditAction::TwoFactorEnabled, &detail, now)
        .await?;
    Ok(shown)
}

/// Turns TOTP off; needs a current code or a recovery code as well as a recent password.
pub async fn disable_totp(
    backend: &Backend,
    meta: &RequestMeta,
    user: &UserCtx,
    code: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    require_recent(user, now)?;
    let account = own_account(backend, user).await?;
    if must_have_a_factor(backend, user.role).await?
        && store::passkeys::count(&backend.pool, user.account_id).await? == 0
    {
        return Err(AppError::invalid(
            CODE_FIELD,
            "Admins must keep two-factor authentication on: the portal's policy requires it.",
        ));
    }
    let proof = totp::check(backend, meta, &account, code, Stage::Enabled, now).await?;
    let mut tx = store::write(&backend.pool).await?;
    store::totp::delete(&mut tx.conn(), user.account_id).await?;
    store::recovery_codes::delete_all(&mut tx.conn(), user.account_id).await?;
    tx.commit().await?;
    let detail = match proof {
        Proof::Totp => "confirmed with an authenticator code",
        Proof::RecoveryCode { .. } => "confirmed with a recovery code",
    };
    user.audit(backend, AuditAction::TwoFactorDisabled, detail, now)
        .await?;
    let off = super::security_notices::Event::TwoFactorOff;
    super::account::tell(backend, &user.ip, user.account_id, off, now).await;
    Ok(())
}

/// A new set of recovery codes; the old ones stop working.
pub async fn regenerate_recovery_codes(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<Vec<String>, AppError> {
    require_recent(user, now)?;
    if !store::totp::is_enabled(&backend.pool, user.account_id).await? {
        return Err(AppError::invalid(
            CODE_FIELD,
            "Turn on two-factor authentication first; recovery codes come with it.",
        ));
    }
    let (shown, hashes) = totp::new_recovery_codes().await?;
    let mut tx = store::write(&backend.pool).await?;
    store::recovery_codes::replace(&mut tx.conn(), user.account_id, &hashes, now).await?;
    tx.commit().await?;
    user.audit(backend, AuditAction::RecoveryCodesRegenerated, "", now)
        .await?;
    Ok(shown)
}

/// True when the portal requires every admin to have a second factor and `role` is one.
pub(crate) async fn must_have_a_factor(backend: &Backend, role: Role) -> Result<bool, AppError> {
    Ok(role != Role::MailUser
        && store::portal_settings::get(&backend.pool, Switch::RequireAdminTwoFactor).await?)
}

/// True when the account is an admin who must set up a second factor (TOTP or a passkey)
/// before using admin screens.
pub async fn must_enrol(backend: &Backend, account_id: i64, role: Role) -> Result<bool, AppError> {
    Ok(must_have_a_factor(backend, role).await?
        && !store::accounts::has_second_factor(&backend.pool, account_id).await?)
}

pub async fn policy(backend: &Backend, _by: &MasterAdminCtx) -> Result<TwoFactorPolicy, AppError> {
    Ok(TwoFactorPolicy {
        require_for_admins: store::portal_settings::get(
            &backend.pool,
            Switch::RequireAdminTwoFactor,
        )
        .await?,
        admins_without: store::accounts::admins_without_two_factor(&backend.pool).await?,
    })
}

/// Turns the admin requirement on or off. A master admin turns it on only with a second
/// factor of their own, so the switch never locks out the person who flips it.
pub async fn set_policy(
    backend: &Backend,
    by: &MasterAdminCtx,
    require_for_admins: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    if require_for_admins
        && !store::accounts::has_second_factor(&backend.pool, by.user.account_id).await?
    {
        return Err(AppError::invalid(
            "require_for_admins",
            "Turn on two-factor authentication for your own account first.",
        ));
    }
    store::portal_settings::set(
        &backend.pool,
        Switch::RequireAdminTwoFactor,
        require_for_admins,
    )
    .await?;
    let detail = if require_for_admins {
        "admins must use two-factor authentication"
    } else {
        "two-factor authentication optional for admins"
    };
    by.user
        .audit(backend, AuditAction::TwoFactorPolicyChanged, detail, now)
        .await
}

/// Unlocks an account's authenticator codes after a run of wrong ones, and clears its
/// sign-in throttle. An address outside the admin's domains is `NotFound`, like an unknown one.
pub async fn unlock(
    backend: &Backend,
    actor: &store::audit::Actor<'_>,
    scope: &DomainScope,
    email: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let account = scope.account(backend, email, "email").await?;
    if !store::totp::unlock(&backend.pool, account.id).await? {
        return Err(AppError::invalid(
            "email",
            "This account's authenticator codes are not locked.",
        ));
    }
    store::throttle::clear(
        &backend.pool,
        &super::auth::throttle::account_key(&account.email),
    )
    .await?;
    store::audit::record(
        &backend.pool,
        actor,
        AuditAction::TwoFactorUnlocked,
        &account.email,
        now,
    )
    .await?;
    Ok(())
}
