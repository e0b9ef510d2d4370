//! A signed-in person's own account: password, recovery email, sessions.

use super::{
    auth::{ctx::UserCtx, password, sign_in::confirm_password},
    request::{describe_device, RequestMeta},
    security_notices::{Event, Origin},
    store::{self, audit::AuditAction},
    Backend,
};
use crate::backend::store::db::Conn;
use crate::{
    error::AppError,
    model::{
        password as rules,
        rows::{AccountSummary, SessionRow},
        time::UnixTime,
        EmailAddress,
    },
};

pub async fn summary(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<AccountSummary, AppError> {
    let account = store::accounts::find_by_id(&backend.pool, user.account_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let sessions = list_sessions(backend, user, now).await?;
    Ok(AccountSummary {
        email: account.email,
        role: account.role,
        recovery_email: account.recovery_email,
        password_changed_at: account.password_changed_at,
        session_count: sessions.len() as i64,
        totp_enabled_at: store::totp::find(&backend.pool, user.account_id)
            .await?
            .and_then(|f| f.enabled_at),
        passkey_count: store::passkeys::count(&backend.pool, user.account_id).await?,
    })
}

pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirmation: &'a str,
    pub sign_out_others: bool,
}

/// Changes the password after checking the current one; optionally ends every other session.
pub async fn change_password(
    backend: &Backend,
    meta: &RequestMeta,
    user: &UserCtx,
    change: PasswordChange<'_>,
    now: UnixTime,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(&user.email).map_err(|_| AppError::Internal)?;
    password::check_new(change.new, &email, "new_password")?;
    rules::check_confirmation(change.new, change.confirmation)
        .map_err(|r| AppError::invalid("confirm", r))?;
    confirm_password(
        backend,
        meta,
        &user.email,
        change.current,
        "current_password",
        now,
    )
    .await?;
    if change.new == change.current {
        return Err(AppError::invalid(
            "new_password",
            "The new password is the same as the current one.",
        ));
    }
    let hash = password::hash(change.new).await?;
    let mut tx = store::write(&backend.pool).await?;
    store::accounts::set_password(&mut tx.conn(), user.account_id, &hash, now).await?;
    let ended = end_other_sessions(&mut tx.conn(), user, change.sign_out_others).await?;
    tx.commit().await?;
    store::sessions::mark_authenticated(&backend.pool, user.session_id, now).await?;
    let detail = format!("{ended} other session(s) signed out");
    store::audit::record(
        &backend.pool,
        &user.actor(),
        AuditAction::PasswordChanged,
        &detail,
        now,
    )
    .await?;
    tell(
        backend,
        &meta.ip,
        user.account_id,
        Event::PasswordChanged,
        now,
    )
    .await;
    Ok(())
}

pub struct RecoveryChange<'a> {
    pub current: &'a str,
    pub recovery: &'a str,
    pub sign_out_others: bool,
}

/// Sets (or, with an empty address, removes) the recovery email; the password is asked
/// for again because the recovery email can take over the account. Optionally ends every
/// other session: whoever set a recovery address behind the owner's back is shut out too.
pub async fn set_recovery_email(
    backend: &Backend,
    meta: &RequestMeta,
    user: &UserCtx,
    change: RecoveryChange<'_>,
    now: UnixTime,
) -> Result<(), AppError> {
    let recovery = match change.recovery.trim() {
        "" => None,
        typed => {
            Some(EmailAddress::parse(typed).map_err(|r| AppError::invalid("recovery_email", r))?)
        }
    };
    if recovery.as_ref().is_some_and(|r| r.as_str() == user.email) {
        return Err(AppError::invalid(
            "recovery_email",
            "Use an address outside this account: you need to reach it when you cannot sign in here.",
        ));
    }
    confirm_password(
        backend,
        meta,
        &user.email,
        change.current,
        "current_password",
        now,
    )
    .await?;
    let old = store::accounts::find_by_id(&backend.pool, user.account_id)
        .await?
        .and_then(|a| a.recovery_email);
    store::accounts::set_recovery_email(&backend.pool, user.account_id, recovery.as_ref()).await?;
    store::sessions::mark_authenticated(&backend.pool, user.session_id, now).await?;
    let mut conn = backend.pool.acquire().await?;
    let ended = end_other_sessions(&mut conn.conn(), user, change.sign_out_others).await?;
    let detail = recovery
        .as_ref()
        .map_or("removed".to_string(), |r| format!("set to {r}"))
        + &format!("; {ended} other session(s) signed out");
    store::audit::record(
        &backend.pool,
        &user.actor(),
        AuditAction::RecoveryEmailChanged,
        &detail,
        now,
    )
    .await?;
    let changed = Event::RecoveryEmailChanged {
        old: old.as_deref(),
    };
    tell(backend, &meta.ip, user.account_id, changed, now).await;
    Ok(())
}

/// Sends the account's owner a security notice about a change made from `ip`.
pub(crate) async fn tell(
    backend: &Backend,
    ip: &str,
    account_id: i64,
    event: Event<'_>,
    now: UnixTime,
) {
    let country = backend.countries.code_of(ip);
    let from = Origin {
        ip,
        country: &country,
    };
    backend.notices().tell(account_id, event, from, now).await;
}

/// Ends every session of the caller but the current one when `wanted`; returns how many.
pub(crate) async fn end_other_sessions(
    conn: &mut Conn<'_>,
    user: &UserCtx,
    wanted: bool,
) -> Result<u64, AppError> {
    if !wanted {
        return Ok(0);
    }
    Ok(
        store::sessions::delete_all_for_account(conn, user.account_id, Some(user.session_id))
            .await?,
    )
}

pub async fn list_sessions(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<Vec<SessionRow>, AppError> {
    let s = &backend.settings;
    let rows = store::sessions::list_live(
        &backend.pool,
        user.account_id,
        now - s.session_idle_secs + 1,
        now - s.session_absolute_secs + 1,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionRow {
            id: r.id,
            current: r.id == user.session_id,
            device: describe_device(&r.user_agent),
            ip: r.ip,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
        })
        .collect())
}

/// Ends one of the caller's own sessions; another account's session is `NotFound`.
pub async fn revoke_session(
    backend: &Backend,
    user: &UserCtx,
    session_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    if !store::sessions::delete_owned(&backend.pool, user.account_id, session_id).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("session {session_id}");
    store::audit::record(
        &backend.pool,
        &user.actor(),
        AuditAction::SessionRevoked,
        &detail,
        now,
    )
    .await?;
    Ok(())
}

/// Ends every session of the caller but the current one; returns how many ended.
pub async fn sign_out_others(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<u64, AppError> {
    let mut conn = backend.pool.acquire().await?;
    let n = end_other_sessions(&mut conn.conn(), user, true).await?;
    let detail = format!("{n} session(s)");
    store::audit::record(
        &backend.pool,
        &user.actor(),
        AuditAction::OtherSessionsSignedOut,
        &detail,
        now,
    )
    .await?;
    Ok(n)
}
