//! Sign-in with email and password, and the password confirmation other flows reuse.
//!
//! An unknown address and a wrong password get the same error after the same work (a dummy
//! hash is verified), and both count against the throttle keyed by the typed address.

use super::{password, throttle, token::Token};
use crate::{
    backend::{
        request::RequestMeta,
        store::{
            self,
            accounts::Account,
            login_events::{LoginEvent, LoginResult},
        },
        Backend,
    },
    error::AppError,
    model::{password::MAX_CHARS, time::UnixTime, EmailAddress},
};

/// Signs in and returns the new session's token for the cookie. A session the browser
/// already had is ended: the id always changes at sign-in.
pub async fn sign_in(
    backend: &Backend,
    meta: &RequestMeta,
    email: &str,
    pw: &str,
    now: UnixTime,
) -> Result<Token, AppError> {
    if email.trim().is_empty() {
        return Err(AppError::invalid("email", "Enter your email address."));
    }
    if pw.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let account = confirm(backend, meta, email, pw, now).await?;
    let token = start_session(backend, meta, account.id, now).await?;
    record(
        backend,
        meta,
        Some(account.id),
        account.email.as_str(),
        LoginResult::Success,
        now,
    )
    .await?;
    Ok(token)
}

/// Checks an address and password under the throttle; counts failures and clears the
/// account's counter on success. Disabled accounts fail like wrong passwords.
async fn confirm(
    backend: &Backend,
    meta: &RequestMeta,
    email: &str,
    pw: &str,
    now: UnixTime,
) -> Result<Account, AppError> {
    let keys = [
        (throttle::account_key(email), throttle::ACCOUNT),
        (throttle::ip_key(&meta.ip), throttle::IP),
    ];
    if let Err(e) = throttle::check(&backend.pool, &keys, now).await {
        record(backend, meta, None, email, LoginResult::Throttled, now).await?;
        return Err(e);
    }
    let account = match EmailAddress::parse(email) {
        Ok(address) => store::accounts::find_by_email(&backend.pool, &address).await?,
        Err(_) => None,
    };
    // Over-long input is never hashed (argon2 over megabytes is a cheap denial of service).
    let ok = pw.chars().count() <= MAX_CHARS
        && password::verify(pw, account.as_ref().map(|a| &a.password_hash)).await?;
    match account {
        Some(a) if ok && a.enabled => {
            store::throttle::clear(&backend.pool, &keys[0].0).await?;
            Ok(a)
        }
        other => {
            throttle::record_failure(&backend.pool, &keys, now).await?;
            let id = other.map(|a| a.id);
            record(backend, meta, id, email, LoginResult::BadCredentials, now).await?;
            Err(AppError::BadCredentials)
        }
    }
}

/// Re-checks the signed-in person's password before a sensitive change. A wrong password
/// counts against the same throttle as sign-in and is reported against `field`.
pub async fn confirm_password(
    backend: &Backend,
    meta: &RequestMeta,
    email: &str,
    pw: &str,
    field: &str,
    now: UnixTime,
) -> Result<Account, AppError> {
    if pw.is_empty() {
        return Err(AppError::invalid(field, "Enter your current password."));
    }
    match confirm(backend, meta, email, pw, now).await {
        Err(AppError::BadCredentials) => Err(AppError::invalid(
            field,
            "The current password is not correct.",
        )),
        other => other,
    }
}

/// Creates a session for the account, ending the one the browser presented (if any).
pub async fn start_session(
    backend: &Backend,
    meta: &RequestMeta,
    account_id: i64,
    now: UnixTime,
) -> Result<Token, AppError> {
    if let Some(old) = &meta.session_token {
        store::sessions::delete_by_token_hash(&backend.pool, &super::token::hash(old)).await?;
    }
    let token = Token::generate();
    let mut conn = backend.pool.acquire().await?;
    let new = store::sessions::NewSession {
        token_hash: &token.hash(),
        account_id,
        ip: &meta.ip,
        user_agent: &meta.user_agent,
    };
    store::sessions::insert(&mut conn, new, now).await?;
    Ok(token)
}

/// Ends the session the browser presented.
pub async fn sign_out(backend: &Backend, meta: &RequestMeta) -> Result<(), AppError> {
    if let Some(token) = &meta.session_token {
        store::sessions::delete_by_token_hash(&backend.pool, &super::token::hash(token)).await?;
    }
    Ok(())
}

async fn record(
    backend: &Backend,
    meta: &RequestMeta,
    account_id: Option<i64>,
    email: &str,
    result: LoginResult,
    now: UnixTime,
) -> Result<(), AppError> {
    let email: String = email.trim().to_lowercase().chars().take(254).collect();
    let event = LoginEvent {
        account_id,
        email: &email,
        ip: &meta.ip,
        protocol: "web",
        result,
        user_agent: &meta.user_agent,
    };
    store::login_events::record(&backend.pool, event, now).await?;
    Ok(())
}
