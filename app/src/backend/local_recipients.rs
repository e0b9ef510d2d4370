//! The Local recipients page of a domain: the addresses its relayed mail is taken for.

use super::{
    antispam::mail_domain,
    auth::ctx::DomainAdminCtx,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        list::{like_pattern, page_number, Page},
        local_recipient::{parse_recipient, LocalRecipients},
        time::UnixTime,
        DomainName,
    },
};

pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    search: &str,
    page: Option<i64>,
    now: UnixTime,
) -> Result<LocalRecipients, AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "see the local recipients", now).await?;
    let page = page_number(page);
    let pool = &backend.pool;
    let (rows, total) =
        store::local_recipients::page(pool, domain_id, &like_pattern(search), page).await?;
    let (sdr, _) = store::domains::sdr(pool, domain_id).await?;
    Ok(LocalRecipients {
        domain: domain.name,
        kind: domain.kind,
        sdr,
        callouts: store::callouts::enabled(pool, domain_id).await?,
        cached: store::callouts::count(pool, domain_id).await?,
        page: Page { rows, total, page },
    })
}

pub async fn add(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    address: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "add a local recipient", now).await?;
    let name = DomainName::parse(&domain.name).map_err(|_| AppError::Internal)?;
    let address = parse_recipient(address, &name).map_err(|r| AppError::invalid("address", r))?;
    let mut conn = backend.pool.acquire().await?;
    if !store::local_recipients::insert(&mut conn.conn(), domain_id, address.as_str(), now).await? {
        return Err(AppError::invalid(
            "address",
            format!("{address} is on the list already."),
        ));
    }
    drop(conn);
    let action = AuditAction::LocalRecipientAdded;
    ctx.user
        .audit_in(backend, domain_id, action, address.as_str(), now)
        .await
}

pub async fn delete(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let Some((domain_id, row)) = store::local_recipients::find(&backend.pool, id).await? else {
        return Err(AppError::NotFound);
    };
    mail_domain(backend, ctx, domain_id, "delete a local recipient", now).await?;
    store::local_recipients::delete(&backend.pool, id).await?;
    let action = AuditAction::LocalRecipientDeleted;
    ctx.user
        .audit_in(backend, domain_id, action, &row.address, now)
        .await
}

/// Empties the list: the domain's relayed mail is taken for any address again.
pub async fn clear(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "clear the local recipients", now).await?;
    let n = store::local_recipients::clear(&backend.pool, domain_id).await?;
    let detail = format!("{}: {n} addresses removed", domain.name);
    let action = AuditAction::LocalRecipientsCleared;
    ctx.user
        .audit_in(backend, domain_id, action, &detail, now)
        .await
}

/// Turns recipient callouts on or off for the domain.
pub async fn set_callouts(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    on: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "switch recipient callouts", now).await?;
    store::callouts::set_enabled(&backend.pool, domain_id, on).await?;
    let detail = format!("{}: {}", domain.name, if on { "on" } else { "off" });
    let action = AuditAction::CalloutsChanged;
    ctx.user
        .audit_in(backend, domain_id, action, &detail, now)
        .await
}

/// Forgets the destination's answers: the next message asks again.
pub async fn clear_callout_cache(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "clear the callout cache", now).await?;
    let n = store::callouts::clear(&backend.pool, domain_id).await?;
    let detail = format!("{}: {n} answers forgotten", domain.name);
    let action = AuditAction::CalloutCacheCleared;
    ctx.user
        .audit_in(backend, domain_id, action, &detail, now)
        .await
}
