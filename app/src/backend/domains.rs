//! The Domains screen: master admins add domains; a domain is the host's once its DNS TXT
//! record `mailportal-verification=<token>` is found (looked up with hickory-resolver, see
//! `dns`). Domain admins see and verify their own domains only.

use super::{
    admin::{self, Operator},
    auth::ctx::{DomainAdminCtx, DomainScope, MasterAdminCtx},
    dns,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        domain,
        list::{like_pattern, page_number, Page},
        route::DomainKind,
        rows::{DomainList, DomainRow},
        time::UnixTime,
        DomainName,
    },
};
use rand::{rngs::OsRng, RngCore};

/// 16 random bytes in lower-case base32: 26 characters, easy to paste into a DNS console.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    base32::encode(base32::Alphabet::Rfc4648Lower { padding: false }, &bytes)
}

/// One page of the caller's domains (every domain for a master admin) whose name contains
/// the search, each with its token.
pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    search: &str,
    page: Option<i64>,
) -> Result<DomainList, AppError> {
    let admin = match &ctx.scope {
        DomainScope::All => None,
        DomainScope::Only(_) => Some(ctx.user.account_id),
    };
    // Names are stored in their ASCII form: "bücher" finds xn--bcher-kva.example.
    let search = DomainName::parse(search)
        .map(|d| d.as_str().to_string())
        .unwrap_or_else(|_| search.to_string());
    let page = page_number(page);
    let (mut rows, total) =
        store::domains::page(&backend.pool, admin, &like_pattern(&search), page).await?;
    with_tokens(backend, &mut rows).await?;
    Ok(DomainList {
        page: Page { rows, total, page },
        missing: store::domains::missing_records(&backend.pool, admin).await?,
    })
}

/// Adds a domain from the portal (master admins); unverified until its record is found.
/// A relay domain comes with its first route.
pub async fn add(
    backend: &Backend,
    master: &MasterAdminCtx,
    name: &str,
    relay_to: Option<&str>,
    now: UnixTime,
) -> Result<i64, AppError> {
    let route = match relay_to {
        Some(to) => Some(super::routing::checked(backend, to, "destination").await?),
        None => None,
    };
    let new = admin::NewDomain {
        name,
        kind: if route.is_some() {
            DomainKind::Relay
        } else {
            DomainKind::Hosted
        },
        alias_of: None,
        route: route.as_ref(),
    };
    admin::create_domain_with(backend, &Operator::MasterAdmin(master), new, now).await
}

/// Looks the domain's TXT record up now and marks the domain verified when it is there.
/// A domain outside the caller's scope is refused like any other forbidden access.
pub async fn verify(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    ctx.domain(backend, id, "verify the domain", now).await?;
    let row = with_token(backend, id).await?;
    let token = row.verification_token.as_deref().unwrap_or_default();
    let record = domain::verification_record(token);
    let texts = dns::txt(&backend.settings, &row.name).await.map_err(|e| {
        AppError::NotVerified(format!(
            "The DNS lookup for {} failed ({e}). Try again in a few minutes.",
            row.name
        ))
    })?;
    if !domain::proves(&texts, token) {
        return Err(AppError::NotVerified(format!(
            "No TXT record “{record}” was found at {} yet. Publish it with your DNS provider; \
             a change can take up to an hour to be seen.",
            row.name
        )));
    }
    store::domains::mark_verified(&backend.pool, id, now).await?;
    let owner = row.alias_of_id.unwrap_or(row.id);
    ctx.user
        .audit_in(backend, owner, AuditAction::DomainVerified, &row.name, now)
        .await
}

/// Gives each row without a token one (`with_token`); rows with one are not read again.
pub(crate) async fn with_tokens(backend: &Backend, rows: &mut [DomainRow]) -> Result<(), AppError> {
    for row in rows.iter_mut().filter(|r| r.verification_token.is_none()) {
        *row = with_token(backend, row.id).await?;
    }
    Ok(())
}

/// The domain, given a token first if it was made before tokens existed.
pub(crate) async fn with_token(backend: &Backend, id: i64) -> Result<DomainRow, AppError> {
    let row = store::domains::find(&backend.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.verification_token.is_some() {
        return Ok(row);
    }
    store::domains::set_token_if_missing(&backend.pool, id, &new_token()).await?;
    store::domains::find(&backend.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}
