//! API tokens (My account → API tokens): an admin makes named tokens for scripts, each
//! reaching a part of what the admin reaches, and revokes them. The secret is shown once
//! and stored as its SHA-256; the check is `auth::ctx::authenticate`.

use super::{
    auth::{
        ctx::{DomainScope, UserCtx},
        token::Token,
    },
    mail_scope::domains_of,
    store::{self, api_tokens::NewToken, audit::AuditAction},
    two_factor::require_recent,
    Backend,
};
use crate::{
    error::AppError,
    model::{
        api_token::{ApiTokenRow, ApiTokens, CreatedApiToken, NewApiToken, SECRET_PREFIX},
        cidr::Cidr,
        grant::Areas,
        time::UnixTime,
        Role,
    },
};
use std::collections::BTreeMap;

/// Characters of the secret kept to tell tokens apart (the prefix and 8 random ones: not
/// enough to matter for guessing the other 35).
const SHOWN: usize = SECRET_PREFIX.len() + 8;

/// The caller's tokens, and what a new one may reach.
pub async fn list(backend: &Backend, user: UserCtx, now: UnixTime) -> Result<ApiTokens, AppError> {
    let user = admin(backend, user, "list API tokens", now).await?;
    let mut names: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (token, domain) in store::api_tokens::domain_names(&backend.pool, user.account_id).await? {
        names.entry(token).or_default().push(domain);
    }
    let tokens = store::api_tokens::list(&backend.pool, user.account_id)
        .await?
        .into_iter()
        .map(|t| {
            let domains = if t.all_domains {
                Vec::new()
            } else {
                names.remove(&t.id).unwrap_or_default()
            };
            row(t, domains, now)
        })
        .collect();
    let domains = own_domains(backend, &user).await?;
    Ok(ApiTokens {
        tokens,
        domains: domains.into_iter().map(|(_, name)| name).collect(),
        confirmed: user.recently_authenticated(now),
        rights: user.grant,
    })
}

/// Makes a token; its secret is in the answer and nowhere else.
pub async fn create(
    backend: &Backend,
    user: UserCtx,
    form: NewApiToken,
    now: UnixTime,
) -> Result<CreatedApiToken, AppError> {
    let user = admin(backend, user, "make an API token", now).await?;
    require_recent(&user, now)?;
    let today = now - now.rem_euclid(86_400);
    let checked = form
        .check(today, user.grant.areas)
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    user.grant
        .hands_on(checked.areas, checked.write)
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    let domain_ids = chosen_domains(backend, &user, &checked.domains).await?;
    let networks: Vec<String> = checked.allowed_ips.iter().map(Cidr::to_string).collect();
    let ids: Option<Vec<i64>> = domain_ids
        .as_ref()
        .map(|d| d.iter().map(|(id, _)| *id).collect());
    let secret = format!("{SECRET_PREFIX}{}", Token::generate().expose());
    let prefix: String = secret.chars().take(SHOWN).collect();
    let mut tx = store::write(&backend.pool).await?;
    let new = NewToken {
        account_id: user.account_id,
        name: &checked.name,
        secret_hash: &super::auth::token::hash(&secret),
        prefix: &prefix,
        areas: checked.areas,
        write: checked.write,
        domain_ids: ids.as_deref(),
        allowed_ips: &networks.join("\n"),
        expires_at: checked.expires_at,
    };
    let Some(id) = store::api_tokens::insert(&mut tx.conn(), new, now).await? else {
        return Err(AppError::invalid(
            "name",
            format!("You have a token named “{}” already.", checked.name),
        ));
    };
    tx.commit().await?;
    let domains: Vec<String> = domain_ids
        .unwrap_or_default()
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    let token = ApiTokenRow {
        id,
        name: checked.name,
        prefix,
        areas: checked.areas,
        write: checked.write,
        domains,
        allowed_ips: networks,
        created_at: now,
        expires_at: checked.expires_at,
        last_used_at: None,
        last_used_ip: None,
        expired: false,
    };
    let detail = format!("“{}”: {}", token.name, describe(&token));
    user.audit(backend, AuditAction::ApiTokenCreated, &detail, now)
        .await?;
    Ok(CreatedApiToken { secret, token })
}

/// Revokes one of the caller's tokens: it stops working at once.
pub async fn revoke(
    backend: &Backend,
    user: UserCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let user = admin(backend, user, "revoke an API token", now).await?;
    let name = store::api_tokens::delete(&backend.pool, user.account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let detail = format!("“{name}”");
    user.audit(backend, AuditAction::ApiTokenRevoked, &detail, now)
        .await
}

/// Tokens are for admins, made and revoked in a session of their own.
async fn admin(
    backend: &Backend,
    user: UserCtx,
    what: &str,
    now: UnixTime,
) -> Result<UserCtx, AppError> {
    if user.role == Role::MailUser {
        return Err(user.deny(backend, what, now).await);
    }
    Ok(user)
}

/// The main domains the caller administers (id, name); empty for one who reaches all.
async fn own_domains(backend: &Backend, user: &UserCtx) -> Result<Vec<(i64, String)>, AppError> {
    let scope = user.reach(backend).await?;
    match scope {
        DomainScope::All => Ok(Vec::new()),
        only => domains_of(backend, &only).await,
    }
}

/// The named domains (id, name) when they are all the caller's, or `None` for "all of
/// mine" (no names).
async fn chosen_domains(
    backend: &Backend,
    user: &UserCtx,
    names: &[String],
) -> Result<Option<Vec<(i64, String)>>, AppError> {
    if names.is_empty() {
        return Ok(None);
    }
    let scope = user.reach(backend).await?;
    let reachable = match &scope {
        DomainScope::All => store::domains::list_all(&backend.pool)
            .await?
            .into_iter()
            .filter(|d| d.alias_of_id.is_none())
            .map(|d| (d.id, d.name))
            .collect(),
        only => domains_of(backend, only).await?,
    };
    let mut chosen = Vec::new();
    for name in names {
        match reachable.iter().find(|(_, n)| n == name) {
            Some(found) if !chosen.contains(found) => chosen.push(found.clone()),
            Some(_) => {}
            None => {
                return Err(AppError::invalid(
                    "domains",
                    format!(
                    "{name} is not one of your domains (name main domains, not domain aliases)."
                ),
                ))
            }
        }
    }
    Ok(Some(chosen))
}

fn row(t: store::api_tokens::Listed, domains: Vec<String>, now: UnixTime) -> ApiTokenRow {
    ApiTokenRow {
        id: t.id,
        name: t.name,
        prefix: t.prefix,
        areas: Areas::from_bits(t.areas),
        write: t.may_write,
        domains,
        allowed_ips: t.allowed_ips.lines().map(str::to_string).collect(),
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
        last_used_ip: t.last_used_ip,
        expired: t.expires_at.is_some_and(|at| now > at),
    }
}

/// What a token reaches, in words, for the audit log.
fn describe(t: &ApiTokenRow) -> String {
    let how = if t.write {
        "read and change"
    } else {
        "read-only"
    };
    let domains = if t.domains.is_empty() {
        "all domains".to_string()
    } else {
        t.domains.join(", ")
    };
    let from = if t.allowed_ips.is_empty() {
        "any address".to_string()
    } else {
        t.allowed_ips.join(", ")
    };
    let until = match t.expires_at {
        Some(at) => crate::model::time::format_utc(at),
        None => "no expiry".to_string(),
    };
    format!(
        "{how}, {}; {domains}; from {from}; {until}",
        t.areas.describe()
    )
}
