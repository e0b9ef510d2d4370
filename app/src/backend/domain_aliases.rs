//! A hosted domain's domain aliases: other names for it (user@alias is user@main). Like a
//! domain, an alias is unverified until its TXT record is found, and receives mail only
//! once verified. Its main domain's admins add, verify and delete it.

use super::{
    admin::{self, NewDomain, Operator},
    auth::ctx::DomainAdminCtx,
    routing::hosted_domain,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        route::DomainKind,
        rows::{DomainAliases, DomainRow},
        time::UnixTime,
    },
};

pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<DomainAliases, AppError> {
    let domain = hosted_domain(backend, ctx, domain_id, "list the domain aliases", now).await?;
    let mut rows = store::domains::aliases_of(&backend.pool, domain_id).await?;
    super::domains::with_tokens(backend, &mut rows).await?;
    Ok(DomainAliases {
        domain: domain.name,
        rows,
    })
}

pub async fn add(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    name: &str,
    now: UnixTime,
) -> Result<i64, AppError> {
    let main = hosted_domain(backend, ctx, domain_id, "add a domain alias", now).await?;
    let new = NewDomain {
        name,
        kind: DomainKind::Alias,
        alias_of: Some(&main),
        route: None,
    };
    admin::create_domain_with(backend, &Operator::DomainAdmin(ctx), new, now).await
}

pub async fn delete(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let alias: DomainRow = ctx
        .domain(backend, id, "delete the domain alias", now)
        .await?;
    if alias.kind != DomainKind::Alias {
        return Err(AppError::NotAllowed(format!(
            "{} is not a domain alias; domains are removed by the host.",
            alias.name
        )));
    }
    store::domains::delete(&backend.pool, id).await?;
    let detail = format!(
        "{} (alias of {})",
        alias.name,
        alias.alias_of.as_deref().unwrap_or_default()
    );
    ctx.user
        .audit_in(
            backend,
            alias.alias_of_id,
            AuditAction::DomainDeleted,
            &detail,
            now,
        )
        .await
}
