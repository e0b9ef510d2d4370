//! The Sender addresses page of a domain: an address that chosen mailboxes of the admin's
//! domains may send as.

use super::{
    auth::ctx::DomainAdminCtx,
    routing::hosted_domain,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        alias::AliasAddress,
        list::{like_pattern, page_number, Page},
        sender::{parse_users, Senders},
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
) -> Result<Senders, AppError> {
    let domain = ctx
        .domain(backend, domain_id, "list the sender addresses", now)
        .await?;
    let page = page_number(page);
    let (rows, total) =
        store::senders::page(&backend.pool, domain_id, &like_pattern(search), page).await?;
    Ok(Senders {
        domain: domain.name,
        page: Page { rows, total, page },
    })
}

pub async fn add(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    address: &str,
    users: &str,
    now: UnixTime,
) -> Result<i64, AppError> {
    let domain = hosted_domain(backend, ctx, domain_id, "add a sender address", now).await?;
    let name = DomainName::parse(&domain.name).map_err(|_| AppError::Internal)?;
    let address = match AliasAddress::parse(address, &name) {
        Ok(AliasAddress::Address(a)) => a,
        Ok(AliasAddress::CatchAll(_)) => {
            return Err(AppError::invalid(
                "address",
                "A sender address is one address, not the whole domain.",
            ))
        }
        Err(r) => return Err(AppError::invalid("address", r)),
    };
    let accounts = user_ids(backend, ctx, users).await?;
    let mut tx = store::write(&backend.pool).await?;
    let id =
        match store::senders::insert(&mut tx.conn(), domain_id, address.as_str(), &accounts, now)
            .await
        {
            Err(e) if store::is_unique_violation(&e) => {
                return Err(AppError::invalid(
                    "address",
                    format!("{address} is a sender address already. Edit who may use it instead."),
                ))
            }
            other => other?,
        };
    tx.commit().await?;
    let detail = format!("{address} for {}", users_text(users));
    let action = AuditAction::SenderAddressAdded;
    ctx.user
        .audit_in(backend, domain_id, action, &detail, now)
        .await?;
    Ok(id)
}

pub async fn edit(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    users: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let (domain_id, sender) = ctx
        .owned(
            backend,
            store::senders::find(&backend.pool, id).await?,
            "change the sender address",
            now,
        )
        .await?;
    let accounts = user_ids(backend, ctx, users).await?;
    let mut tx = store::write(&backend.pool).await?;
    store::senders::set_users(&mut tx.conn(), id, &accounts).await?;
    tx.commit().await?;
    let detail = format!("{} for {}", sender.address, users_text(users));
    let action = AuditAction::SenderAddressChanged;
    ctx.user
        .audit_in(backend, domain_id, action, &detail, now)
        .await
}

pub async fn delete(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let (domain_id, sender) = ctx
        .owned(
            backend,
            store::senders::find(&backend.pool, id).await?,
            "delete the sender address",
            now,
        )
        .await?;
    store::senders::delete(&backend.pool, id).await?;
    let action = AuditAction::SenderAddressDeleted;
    ctx.user
        .audit_in(backend, domain_id, action, &sender.address, now)
        .await
}

/// The accounts typed into the form, each a mailbox in one of the caller's domains.
async fn user_ids(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    users: &str,
) -> Result<Vec<i64>, AppError> {
    let addresses = parse_users(users).map_err(|r| AppError::invalid("users", r))?;
    let mut ids = Vec::with_capacity(addresses.len());
    for address in addresses {
        let account = ctx
            .scope
            .account(backend, address.as_str(), "users")
            .await
            .map_err(|e| match e {
                AppError::Invalid { .. } => AppError::invalid(
                    "users",
                    format!("{address} is not a mailbox in your domains."),
                ),
                other => other,
            })?;
        ids.push(account.id);
    }
    Ok(ids)
}

/// The users as typed, normalised for the audit log.
fn users_text(users: &str) -> String {
    parse_users(users)
        .map(|u| u.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}
