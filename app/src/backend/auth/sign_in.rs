//! Sign-in with email and password, the second step for accounts with a second factor,
//! and the password confirmation other flows reuse.
//!
//! An unknown address and a wrong password get the same error after the same work (a dummy
//! hash is verified), and both count against the throttle keyed by the typed address. For
//! an account with two-factor authentication a right password gives only a short-lived
//! ticket; the session exists once the code is right too, and the account's failure
//! counter is cleared only then.

use super::{
    password, throttle,
    token::{self, Token},
    totp::{self, Proof, Stage},
};
use crate::{
    backend::{
        request::RequestMeta,
        security_notices::{self, Origin},
        store::{
            self,
            accounts::Account,
            audit::AuditAction,
            login_events::{LoginEvent, LoginResult},
        },
        two_factor, Backend,
    },
    error::AppError,
    model::{password::MAX_CHARS, security::Credential, time::UnixTime, EmailAddress, Role},
};

/// How long the second step may take after the password.
pub const PENDING_SECS: i64 = 5 * 60;

/// Where a sign-in goes next.
#[derive(Debug)]
pub enum SignedIn {
    /// A session exists; the browser goes to `next`.
    Session { token: Token, next: &'static str },
    /// The password was right; a code is asked for next. The ticket goes into a cookie.
    SecondFactor { ticket: Token },
}

/// Checks the password and either starts a session or, for an account with a second
/// factor, issues the ticket for the second step. A session the browser already had is
/// ended when the new one starts: the id always changes at sign-in.
pub async fn sign_in(
    backend: &Backend,
    meta: &RequestMeta,
    email: &str,
    pw: &str,
    now: UnixTime,
) -> Result<SignedIn, AppError> {
    if email.trim().is_empty() {
        return Err(AppError::invalid("email", "Enter your email address."));
    }
    if pw.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let account = confirm(backend, meta, email, pw, now).await?;
    // Said only after the right password, so it tells a stranger nothing.
    if !store::accounts::password_sign_in(&backend.pool, account.id).await? {
        return Err(AppError::invalid(
            "password",
            "This account signs in with a passkey only. Choose “Sign in with a passkey”.",
        ));
    }
    if store::totp::is_enabled(&backend.pool, account.id).await? {
        let ticket = Token::generate();
        store::pending_sign_ins::insert(
            &backend.pool,
            &ticket.hash(),
            account.id,
            now,
            now + PENDING_SECS,
        )
        .await?;
        record(
            backend,
            meta,
            Some(account.id),
            &account.email,
            LoginResult::SecondFactorPending,
            Some(Credential::Password),
            now,
        )
        .await?;
        return Ok(SignedIn::SecondFactor { ticket });
    }
    store::throttle::clear(&backend.pool, &throttle::account_key(email)).await?;
    finish(backend, meta, &account, Credential::Password, now).await
}

/// The second step: the ticket from the password step and a code from the authenticator
/// app (or a recovery code).
pub async fn sign_in_second_factor(
    backend: &Backend,
    meta: &RequestMeta,
    code: &str,
    now: UnixTime,
) -> Result<SignedIn, AppError> {
    let ticket = meta
        .pending_token
        .as_deref()
        .ok_or(AppError::SignInExpired)?;
    let ticket_hash = token::hash(ticket);
    let account_id = store::pending_sign_ins::account_of(&backend.pool, &ticket_hash, now)
        .await?
        .ok_or(AppError::SignInExpired)?;
    let account = store::accounts::find_by_id(&backend.pool, account_id)
        .await?
        .filter(|a| a.enabled)
        .ok_or(AppError::SignInExpired)?;
    let proof = match totp::check(backend, meta, &account, code, Stage::Enabled, now).await {
        Ok(proof) => proof,
        Err(e) => {
            let result = match e {
                AppError::Throttled { .. } => LoginResult::Throttled,
                _ => LoginResult::BadSecondFactor,
            };
            let tried = Some(Credential::PasswordAndCode);
            record(
                backend,
                meta,
                Some(account.id),
                &account.email,
                result,
                tried,
                now,
            )
            .await?;
            return Err(e);
        }
    };
    if !store::pending_sign_ins::take(&backend.pool, &ticket_hash).await? {
        return Err(AppError::SignInExpired);
    }
    let credential = match proof {
        Proof::Totp => Credential::PasswordAndCode,
        Proof::RecoveryCode { .. } => Credential::PasswordAndRecoveryCode,
    };
    if let Proof::RecoveryCode { left } = proof {
        let actor = store::audit::Actor {
            account_id: Some(account.id),
            email: Some(&account.email),
            ip: Some(&meta.ip),
            domain_id: account.domain_id,
        };
        let detail = format!("at sign-in; {left} left");
        store::audit::record(
            &backend.pool,
            &actor,
            AuditAction::RecoveryCodeUsed,
            &detail,
            now,
        )
        .await?;
    }
    finish(backend, meta, &account, credential, now).await
}

/// Starts the session and records the sign-in. An admin whom the policy requires to have
/// a second factor, and who has none, is sent to set one up.
pub(crate) async fn finish(
    backend: &Backend,
    meta: &RequestMeta,
    account: &Account,
    credential: Credential,
    now: UnixTime,
) -> Result<SignedIn, AppError> {
    // Checked after every factor: the refusal tells nothing to whoever lacks them.
    if account.role != Role::MailUser {
        if let Err(e) = crate::backend::admin_ips::check(backend, &meta.ip).await {
            let refused = LoginResult::AdminIpRefused;
            let tried = Some(credential);
            record(
                backend,
                meta,
                Some(account.id),
                &account.email,
                refused,
                tried,
                now,
            )
            .await?;
            return Err(e);
        }
    }
    let token = start_session(backend, meta, account.id, now).await?;
    record(
        backend,
        meta,
        Some(account.id),
        &account.email,
        LoginResult::Success,
        Some(credential),
        now,
    )
    .await?;
    let next = if two_factor::must_enrol(backend, account.id, account.role).await? {
        "/account/two-factor"
    } else {
        "/account"
    };
    Ok(SignedIn::Session { token, next })
}

/// Checks an address and password under the throttle and counts failures. The caller
/// clears the account's counter once the whole sign-in has succeeded. Disabled accounts
/// fail like wrong passwords.
async fn confirm(
    backend: &Backend,
    meta: &RequestMeta,
    email: &str,
    pw: &str,
    now: UnixTime,
) -> Result<Account, AppError> {
    let keys = throttle::keys(email, &meta.ip);
    if let Err(e) = throttle::check(&backend.pool, &keys, now).await {
        record(
            backend,
            meta,
            None,
            email,
            LoginResult::Throttled,
            None,
            now,
        )
        .await?;
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
        Some(a) if ok && a.enabled => Ok(a),
        other => {
            throttle::record_failure(&backend.pool, &keys, now).await?;
            let id = other.map(|a| a.id);
            let tried = Some(Credential::Password);
            record(
                backend,
                meta,
                id,
                email,
                LoginResult::BadCredentials,
                tried,
                now,
            )
            .await?;
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
        Ok(account) => {
            // The person is signed in already: proving the password clears the counter.
            store::throttle::clear(&backend.pool, &throttle::account_key(email)).await?;
            Ok(account)
        }
        Err(AppError::BadCredentials) => Err(AppError::invalid(
            field,
            "The current password is not correct.",
        )),
        Err(e) => Err(e),
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
    store::sessions::insert(&mut conn.conn(), new, now).await?;
    Ok(token)
}

/// Ends the session the browser presented.
pub async fn sign_out(backend: &Backend, meta: &RequestMeta) -> Result<(), AppError> {
    if let Some(token) = &meta.session_token {
        store::sessions::delete_by_token_hash(&backend.pool, &super::token::hash(token)).await?;
    }
    Ok(())
}

pub(crate) async fn record(
    backend: &Backend,
    meta: &RequestMeta,
    account_id: Option<i64>,
    email: &str,
    result: LoginResult,
    credential: Option<Credential>,
    now: UnixTime,
) -> Result<(), AppError> {
    backend.metrics.sign_in(result);
    let email = store::login_events::typed_address(email);
    let country = backend.countries.code_of(&meta.ip);
    let event = LoginEvent {
        account_id,
        email: &email,
        ip: &meta.ip,
        protocol: "web",
        result,
        user_agent: &meta.user_agent,
        detail: "",
        credential: credential.map_or("", Credential::as_str),
        country: &country,
    };
    if store::login_events::record(&backend.pool, event, now).await? {
        if let Some(account_id) = account_id {
            let from = Origin {
                ip: &meta.ip,
                country: &country,
            };
            let news = security_notices::Event::NewCountry { way: "web" };
            backend.notices().tell(account_id, news, from, now).await;
        }
    }
    Ok(())
}
