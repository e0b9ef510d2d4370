//! The mail access gate: device passwords, the non-webmail switch, and the decision for a
//! mail login (IMAP, POP3, SMTP) that the `/auth/mail` endpoint answers nginx with.
//!
//! The rules: a disabled account, or one whose non-webmail access is off (unless the login
//! comes from a webmail host), is refused. A device password works for the protocols it
//! was made for until it expires (its own date, or `device_password_idle_secs` without
//! use). The account password works only while the account has no second factor. Failures
//! count on the same per-account counter as web sign-in, TOTP and recovery codes, and a
//! burst of refusals from one client IP blocks it for a while (`throttle::record_ip_burst`).
//! Owners manage their own mailbox; domain admins the mailboxes of their domains.

use super::{
    auth::{ctx::UserCtx, password, throttle},
    keys::Purpose,
    mail_cache::{Entry, MailLoginCache, TTL_SECS},
    recorder::{DeviceUse, Event},
    store::{
        self,
        accounts::Account,
        audit::AuditAction,
        device_passwords::{NewDevicePassword as NewRow, StoredDevicePassword},
        login_events::LoginResult,
    },
    two_factor::require_recent,
    Backend,
};
use crate::{
    error::AppError,
    model::{
        mail_access::{
            parse_name, protocols_from_text, protocols_to_text, DevicePasswordRow, MailAccess,
            NewDevicePassword, Protocol,
        },
        password::MAX_CHARS,
        time::UnixTime,
        two_factor::group_by_four,
        EmailAddress,
    },
};
use rand::{rngs::OsRng, RngCore};
use std::net::IpAddr;

/// 17 random bytes: 136 bits, 28 base32 characters in seven groups of four.
const SECRET_BYTES: usize = 17;
/// Device passwords expiring within this long are flagged on the screen.
const SOON_SECS: i64 = 14 * 86_400;

/// The form a device password is compared in: lower case, without the grouping hyphens
/// or spaces people may or may not type.
fn compact(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn mac(backend: &Backend, typed: &str) -> String {
    backend
        .key
        .mac_hex(Purpose::DevicePassword, compact(typed).as_bytes())
}

/// When a device password stops working: its own expiry or the end of the idle period,
/// whichever comes first.
fn expiry(backend: &Backend, d: &StoredDevicePassword) -> UnixTime {
    let idle_end =
        d.last_used_at.unwrap_or(d.created_at) + backend.settings.device_password_idle_secs;
    d.expires_at.map_or(idle_end, |own| own.min(idle_end))
}

/// The mailbox a call manages: the caller's own, or one a domain admin looks after.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub account_id: i64,
    pub email: String,
    /// True when the caller is a domain admin acting for the mailbox's owner.
    pub for_owner: bool,
}

/// The caller's own mailbox, or with `address`, a mailbox in a domain the caller
/// administers (anything else is refused as if it did not exist).
pub async fn mailbox(
    backend: &Backend,
    user: UserCtx,
    address: Option<&str>,
    now: UnixTime,
) -> Result<(UserCtx, Mailbox), AppError> {
    let Some(address) = address.map(str::trim).filter(|a| !a.is_empty()) else {
        let own = Mailbox {
            account_id: user.account_id,
            email: user.email.clone(),
            for_owner: false,
        };
        return Ok((user, own));
    };
    let admin = user
        .domain_admin(backend, "manage a mailbox's mail access", now)
        .await?;
    let account = admin.scope.account(backend, address, "mailbox").await?;
    let mailbox = Mailbox {
        account_id: account.id,
        email: account.email.to_string(),
        for_owner: account.id != admin.user.account_id,
    };
    Ok((admin.user, mailbox))
}

pub async fn overview(
    backend: &Backend,
    user: &UserCtx,
    mailbox: &Mailbox,
    now: UnixTime,
) -> Result<MailAccess, AppError> {
    let rows = store::device_passwords::list(&backend.pool, mailbox.account_id).await?;
    let device_passwords = rows
        .iter()
        .map(|d| {
            let expires_at = expiry(backend, d);
            DevicePasswordRow {
                id: d.id,
                name: d.name.clone(),
                protocols: protocols_from_text(&d.protocols),
                created_at: d.created_at,
                expires_at,
                expiring_soon: expires_at - now < SOON_SECS,
                last_used_at: d.last_used_at,
                last_used_ip: d.last_used_ip.clone(),
                last_used_protocol: d.last_used_protocol.clone(),
            }
        })
        .collect();
    let id = mailbox.account_id;
    Ok(MailAccess {
        email: mailbox.email.clone(),
        device_passwords,
        mail_access: store::accounts::mail_access(&backend.pool, id).await?,
        second_factor: store::accounts::has_second_factor(&backend.pool, id).await?,
        idle_days: backend.settings.device_password_idle_secs / 86_400,
        confirmed: user.recently_authenticated(now),
    })
}

/// Makes a device password for the caller, shown once. Needs a recent password.
pub async fn create(
    backend: &Backend,
    user: &UserCtx,
    name: &str,
    protocols: &[Protocol],
    expires_at: Option<UnixTime>,
    now: UnixTime,
) -> Result<NewDevicePassword, AppError> {
    require_recent(user, now)?;
    let name = parse_name(name).map_err(|r| AppError::invalid("name", r))?;
    if protocols.is_empty() {
        return Err(AppError::invalid(
            "protocols",
            "Choose at least one protocol.",
        ));
    }
    if expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::invalid(
            "expires",
            "Choose a date in the future, or none.",
        ));
    }
    let password = issue(backend, user.account_id, &name, protocols, expires_at, now).await?;
    user.audit(backend, AuditAction::DevicePasswordCreated, &name, now)
        .await?;
    let added = super::security_notices::Event::DevicePasswordAdded { name: &name };
    super::account::tell(backend, &user.ip, user.account_id, added, now).await;
    Ok(NewDevicePassword { name, password })
}

/// Stores a new device password for the account and returns it in groups of four. The
/// caller has checked the person's rights and the name, and keeps the audit log.
pub async fn issue(
    backend: &Backend,
    account_id: i64,
    name: &str,
    protocols: &[Protocol],
    expires_at: Option<UnixTime>,
    now: UnixTime,
) -> Result<String, AppError> {
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let secret = base32::encode(base32::Alphabet::Rfc4648Lower { padding: false }, &bytes);
    let new = NewRow {
        account_id,
        name,
        secret_mac: &mac(backend, &secret),
        protocols: &protocols_to_text(protocols),
        expires_at,
    };
    store::device_passwords::insert(&backend.pool, new, now).await?;
    Ok(group_by_four(&secret, "-"))
}

/// Revokes one of the mailbox's device passwords; the audit log names the mailbox when an
/// admin did it.
pub async fn revoke(
    backend: &Backend,
    user: &UserCtx,
    mailbox: &Mailbox,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let name = store::device_passwords::delete(&backend.pool, mailbox.account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let detail = if mailbox.for_owner {
        format!("{name} (of {})", mailbox.email)
    } else {
        name
    };
    user.audit(backend, AuditAction::DevicePasswordRevoked, &detail, now)
        .await
}

/// Opens or closes IMAP/POP3/SMTP outside webmail for the mailbox.
pub async fn set_mail_access(
    backend: &Backend,
    user: &UserCtx,
    mailbox: &Mailbox,
    open: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    store::accounts::set_mail_access(&backend.pool, mailbox.account_id, open).await?;
    let detail = format!(
        "{} set non-webmail access {} for {}",
        user.email,
        if open { "on" } else { "off" },
        mailbox.email
    );
    user.audit(backend, AuditAction::MailAccessChanged, &detail, now)
        .await
}

/// A mail login as the proxy reports it.
#[derive(Debug, Clone)]
pub struct MailLogin<'a> {
    pub user: &'a str,
    pub password: &'a str,
    pub protocol: Protocol,
    pub client_ip: IpAddr,
    /// The client's host name as the proxy resolved it (`Client-Host`), or empty.
    pub client_host: &'a str,
}

/// Which credential let a login in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    AccountPassword,
    DevicePassword(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Granted {
        account_id: i64,
        credential: Credential,
    },
    /// `wait`: seconds before the next attempt may succeed (the throttle's answer).
    Refused {
        reason: &'static str,
        wait: Option<u64>,
    },
}

/// Decides a mail login. Every decision is a login event with its reason. A success seen in
/// the last minute for the same address, password, protocol and kind of client is answered
/// from the cache after one read (see `mail_cache`).
pub async fn check(
    backend: &Backend,
    login: &MailLogin<'_>,
    now: UnixTime,
) -> Result<Decision, AppError> {
    let ip = login.client_ip.to_string();
    let email = store::login_events::typed_address(login.user);
    let from_webmail = backend
        .settings
        .webmail_ips
        .iter()
        .any(|n| n.contains(login.client_ip));
    let cache_key = MailLoginCache::key(
        &backend.key,
        &email,
        login.password,
        login.protocol,
        from_webmail,
    );
    // A remembered success counts only while the account's auth version is unchanged.
    if let Some(hit) = backend.mail_cache.get(&cache_key, now) {
        let current = match &backend.hot_reads {
            Some(hot) => hot.auth_version(&email)?,
            None => store::accounts::auth_version(&backend.pool, &email).await?,
        };
        match current {
            Some((id, version)) if hit.account_id == id && hit.auth_version == version => {
                let credential = hit
                    .device_password
                    .map_or(Credential::AccountPassword, Credential::DevicePassword);
                let decision = Decision::Granted {
                    account_id: id,
                    credential,
                };
                mark_used(backend, login, credential, &ip, now).await;
                record(backend, login, Some(id), email, ip, &decision, true, now).await;
                return Ok(decision);
            }
            _ => backend.mail_cache.remove(&cache_key),
        }
    }
    // Boxed: the full check's future is large, and the hit path above should not carry it.
    Box::pin(check_fully(
        backend,
        login,
        email,
        ip,
        from_webmail,
        cache_key,
        now,
    ))
    .await
}

/// The check without the cache: IP blocks, throttles, the rules, and remembering a success.
async fn check_fully(
    backend: &Backend,
    login: &MailLogin<'_>,
    email: String,
    ip: String,
    from_webmail: bool,
    cache_key: crate::backend::mail_cache::Key,
    now: UnixTime,
) -> Result<Decision, AppError> {
    let keys = throttle::keys(login.user, &ip);
    let account = match EmailAddress::parse(login.user) {
        Ok(address) => store::accounts::find_by_email(&backend.pool, &address).await?,
        Err(_) => None,
    };
    let blocked = store::ip_blocks::blocked_until(&backend.pool, &ip, now).await?;
    let (decision, until) = match (blocked, throttle::check(&backend.pool, &keys, now).await) {
        (Some(end), _) => (refused_to_wait(IP_BLOCKED, end - now), None),
        (None, Err(AppError::Throttled { retry_after_secs })) => {
            (refused_to_wait(THROTTLED, retry_after_secs as i64), None)
        }
        (None, Err(e)) => return Err(e),
        (None, Ok(())) => decide(backend, account.as_ref(), login, from_webmail, now).await?,
    };
    match &decision {
        Decision::Granted {
            account_id,
            credential,
        } => {
            store::throttle::clear(&backend.pool, &keys[0].0).await?;
            mark_used(backend, login, *credential, &ip, now).await;
            let device_password = match credential {
                Credential::DevicePassword(id) => Some(*id),
                Credential::AccountPassword => None,
            };
            // The version read before the check: a change made meanwhile voids the entry.
            if let (Some(account), Some(until)) = (&account, until) {
                let entry = Entry {
                    account_id: *account_id,
                    auth_version: account.auth_version,
                    device_password,
                    until: until.min(now + TTL_SECS),
                };
                backend.mail_cache.put(cache_key, entry);
            }
        }
        Decision::Refused { reason, .. } => {
            // Attempts refused unchecked are not failures of the password, but they are
            // part of a burst.
            if !unchecked(reason) {
                throttle::record_failure(&backend.pool, &keys, now).await?;
            }
            throttle::record_ip_burst(&backend.pool, &ip, now).await?;
        }
    }
    let account_id = account.as_ref().map(|a| a.id);
    record(backend, login, account_id, email, ip, &decision, false, now).await;
    Ok(match decision {
        // The wait after a failure is what the counter now says.
        Decision::Refused { reason, wait: None } => Decision::Refused {
            reason,
            wait: throttle::wait_for(&backend.pool, &keys, now).await?,
        },
        other => other,
    })
}

// Refusals before the credentials were looked at: the client must wait.
const THROTTLED: &str = "throttled";
const IP_BLOCKED: &str = "client IP blocked after a burst of refused logins";

fn unchecked(reason: &str) -> bool {
    reason == THROTTLED || reason == IP_BLOCKED
}

fn refused_to_wait(reason: &'static str, secs: i64) -> Decision {
    Decision::Refused {
        reason,
        wait: Some(secs.max(1) as u64),
    }
}

/// Marks a device password as used just now (the account password has no such mark).
async fn mark_used(
    backend: &Backend,
    login: &MailLogin<'_>,
    credential: Credential,
    ip: &str,
    now: UnixTime,
) {
    if let Credential::DevicePassword(id) = credential {
        let used = DeviceUse {
            id,
            at: now,
            ip: ip.to_string(),
            protocol: login.protocol.as_str(),
        };
        backend.recorder.device_use(used).await;
    }
}

/// The login event for a decision, handed to the batch writer.
#[allow(clippy::too_many_arguments)]
async fn record(
    backend: &Backend,
    login: &MailLogin<'_>,
    account_id: Option<i64>,
    email: String,
    ip: String,
    decision: &Decision,
    cached: bool,
    now: UnixTime,
) {
    let result = match decision {
        Decision::Granted { .. } => LoginResult::Success,
        Decision::Refused { reason, .. } if unchecked(reason) => LoginResult::Throttled,
        Decision::Refused { .. } => LoginResult::BadCredentials,
    };
    let detail = if cached {
        format!("{} (cached)", describe(decision))
    } else {
        describe(decision).to_string()
    };
    let credential = match decision {
        Decision::Granted {
            credential: Credential::DevicePassword(_),
            ..
        } => crate::model::security::Credential::DevicePassword.as_str(),
        Decision::Refused { reason, .. } if unchecked(reason) => "",
        _ => crate::model::security::Credential::Password.as_str(),
    };
    let event = Event {
        at: now,
        account_id,
        country: backend.countries.code_of(&ip),
        email,
        ip,
        protocol: login.protocol.as_str().to_string(),
        client: login.client_host.to_string(),
        result,
        detail,
        credential,
    };
    backend.recorder.event(event).await;
}

/// What the login event records as the credential and reason.
fn describe(d: &Decision) -> &'static str {
    match d {
        Decision::Granted {
            credential: Credential::AccountPassword,
            ..
        } => "account password",
        Decision::Granted {
            credential: Credential::DevicePassword(_),
            ..
        } => "device password",
        Decision::Refused { reason, .. } => reason,
    }
}

/// The full rule check. A success comes with how long it may be trusted: a device
/// password's expiry, or no limit of its own for the account password.
async fn decide(
    backend: &Backend,
    account: Option<&Account>,
    login: &MailLogin<'_>,
    from_webmail: bool,
    now: UnixTime,
) -> Result<(Decision, Option<UnixTime>), AppError> {
    let refuse = |reason| Ok((Decision::Refused { reason, wait: None }, None));
    if login.password.is_empty() || login.password.chars().count() > MAX_CHARS {
        return refuse("empty or over-long password");
    }
    let Some(account) = account.filter(|a| a.enabled) else {
        // The same work as a wrong password, so unknown addresses take as long.
        password::verify(login.password, None).await?;
        return refuse("unknown or disabled account");
    };
    if !from_webmail && !store::accounts::mail_access(&backend.pool, account.id).await? {
        return refuse("non-webmail access is off");
    }
    if let Some(device) =
        store::device_passwords::find_by_mac(&backend.pool, &mac(backend, login.password)).await?
    {
        if device.account_id == account.id {
            if !protocols_from_text(&device.protocols).contains(&login.protocol) {
                return refuse("device password not allowed for this protocol");
            }
            let until = expiry(backend, &device);
            if until <= now {
                return refuse("device password expired");
            }
            let granted = Decision::Granted {
                account_id: account.id,
                credential: Credential::DevicePassword(device.id),
            };
            return Ok((granted, Some(until)));
        }
    }
    if store::accounts::has_second_factor(&backend.pool, account.id).await? {
        password::verify(login.password, None).await?;
        return refuse("account password refused: two-factor authentication is on");
    }
    if password::verify(login.password, Some(&account.password_hash)).await? {
        let granted = Decision::Granted {
            account_id: account.id,
            credential: Credential::AccountPassword,
        };
        Ok((granted, Some(UnixTime::MAX)))
    } else {
        refuse("wrong password")
    }
}

/// Records a mail login refused before it could be checked (a malformed request, too many
/// attempts on one connection): still a login event, and a failure for the client's IP.
pub async fn record_refusal(
    backend: &Backend,
    user: &str,
    ip: &str,
    protocol: Option<&str>,
    client_host: &str,
    reason: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let event = Event {
        at: now,
        account_id: None,
        email: store::login_events::typed_address(user),
        ip: ip.to_string(),
        protocol: protocol.unwrap_or("unknown").chars().take(10).collect(),
        client: client_host.to_string(),
        result: LoginResult::BadCredentials,
        detail: reason.to_string(),
        credential: "",
        country: backend.countries.code_of(ip),
    };
    backend.recorder.event(event).await;
    throttle::record_failure(&backend.pool, &[(throttle::ip_key(ip), throttle::IP)], now).await?;
    throttle::record_ip_burst(&backend.pool, ip, now).await?;
    Ok(())
}
