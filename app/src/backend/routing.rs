//! Where a domain's mail goes beyond this host: a relay domain's routes (ordered, at least
//! one, each testable over SMTP) and a hosted domain's split domain routing (SDR). A
//! destination on this machine or its link is refused unless a master admin allowed it;
//! one at the portal's own listening address never is.

use super::{
    auth::ctx::{DomainAdminCtx, MasterAdminCtx},
    mail::outbound::is_own,
    smtp_probe,
    store::{self, audit::AuditAction, portal_settings::Switch},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        route::{Destination, DomainKind, Host, RouteTest, Routes, Sdr},
        rows::DomainRow,
        time::UnixTime,
    },
};
use std::net::SocketAddr;

pub async fn routes(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<Routes, AppError> {
    let domain = relay_domain(backend, ctx, domain_id, "list the routes", now).await?;
    Ok(Routes {
        domain: domain.name,
        rows: store::routes::list(&backend.pool, domain_id).await?,
        allow_local: allow_local(backend).await?,
    })
}

pub async fn add_route(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    destination: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = relay_domain(backend, ctx, domain_id, "add a route", now).await?;
    let dest = checked(backend, destination, "destination").await?;
    let mut tx = store::write(&backend.pool).await?;
    match store::routes::insert(&mut tx.conn(), domain_id, &dest.to_string(), now).await {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "destination",
                format!("{dest} is already a route of {}.", domain.name),
            ))
        }
        other => other?,
    };
    tx.commit().await?;
    audit(backend, ctx, &domain, AuditAction::RouteAdded, dest, now).await
}

pub async fn delete_route(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let (domain, destination) = route(backend, ctx, id, "delete the route", now).await?;
    if !store::routes::delete_unless_last(&backend.pool, id).await? {
        return Err(AppError::NotAllowed(
            "A relay domain needs at least one route. Add the new one before deleting this one."
                .into(),
        ));
    }
    audit(
        backend,
        ctx,
        &domain,
        AuditAction::RouteDeleted,
        destination,
        now,
    )
    .await
}

/// Moves a route one place earlier (`up`) or later in the order they are tried.
pub async fn move_route(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    up: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    let (domain, destination) = route(backend, ctx, id, "reorder the routes", now).await?;
    let mut ids: Vec<i64> = store::routes::list(&backend.pool, domain.id)
        .await?
        .iter()
        .map(|r| r.id)
        .collect();
    let at = ids
        .iter()
        .position(|r| *r == id)
        .ok_or(AppError::NotFound)?;
    let to = if up { at.checked_sub(1) } else { Some(at + 1) };
    let Some(to) = to.filter(|to| *to < ids.len()) else {
        return Ok(()); // Already first (or last): nothing to move.
    };
    ids.swap(at, to);
    let mut tx = store::write(&backend.pool).await?;
    store::routes::reorder(&mut tx.conn(), domain.id, &ids).await?;
    tx.commit().await?;
    let moved = format!("{destination} moved to place {} of {}", to + 1, ids.len());
    audit(
        backend,
        ctx,
        &domain,
        AuditAction::RoutesReordered,
        moved,
        now,
    )
    .await
}

/// Opens SMTP to the route (EHLO, QUIT) and reports the answers.
pub async fn test_route(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<RouteTest, AppError> {
    let (_, destination) = route(backend, ctx, id, "test the route", now).await?;
    let dest = Destination::parse(&destination).map_err(|_| AppError::Internal)?;
    let allow = allow_local(backend).await?;
    if let Err(reason) = refusal(backend, &dest, allow) {
        return Ok(RouteTest {
            ok: false,
            transcript: vec![format!("Not tested: {reason}")],
        });
    }
    Ok(smtp_probe::probe(&backend.settings, &dest, &helo_name(backend), allow).await)
}

pub async fn sdr(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<Sdr, AppError> {
    let domain = hosted_domain(backend, ctx, domain_id, "see split domain routing", now).await?;
    let (enabled, destination) = store::domains::sdr(&backend.pool, domain_id).await?;
    Ok(Sdr {
        domain: domain.name,
        enabled,
        destination,
    })
}

pub async fn set_sdr(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    enabled: bool,
    destination: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = hosted_domain(backend, ctx, domain_id, "change split domain routing", now).await?;
    let dest = if destination.trim().is_empty() && !enabled {
        None
    } else {
        Some(
            checked(backend, destination, "destination")
                .await?
                .to_string(),
        )
    };
    store::domains::set_sdr(&backend.pool, domain_id, enabled, dest.as_deref()).await?;
    let state = match (&dest, enabled) {
        (Some(d), true) => format!("on, other local parts to {d}"),
        _ => "off".to_string(),
    };
    audit(backend, ctx, &domain, AuditAction::SdrChanged, state, now).await
}

/// Master admins may let routes point at this machine or its link (a test set-up).
pub async fn set_allow_local(
    backend: &Backend,
    master: &MasterAdminCtx,
    allow: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    store::portal_settings::set(&backend.pool, Switch::AllowLocalRoutes, allow).await?;
    let detail = if allow { "allowed" } else { "refused" };
    master
        .user
        .audit(backend, AuditAction::LocalRoutesChanged, detail, now)
        .await
}

/// Whether a master admin allowed routes to this machine or its link.
pub(super) async fn allow_local(backend: &Backend) -> Result<bool, AppError> {
    Ok(store::portal_settings::get(&backend.pool, Switch::AllowLocalRoutes).await?)
}

/// The destination typed into `field`, parsed and allowed.
pub(super) async fn checked(
    backend: &Backend,
    input: &str,
    field: &str,
) -> Result<Destination, AppError> {
    let dest = Destination::parse(input).map_err(|r| AppError::invalid(field, r))?;
    refusal(backend, &dest, allow_local(backend).await?)
        .map_err(|r| AppError::invalid(field, r))?;
    Ok(dest)
}

/// Why mail may not go to `dest`, if it may not.
pub(super) fn refusal(
    backend: &Backend,
    dest: &Destination,
    allow_local: bool,
) -> Result<(), String> {
    if let Host::Ip(ip) = dest.host {
        if is_own(&backend.settings, SocketAddr::new(ip, dest.port)) {
            return Err(format!("{dest} is this portal itself."));
        }
    }
    if dest.is_local() && !allow_local {
        return Err(format!(
            "{dest} is on this machine or its local link. Routes must lead to another mail server."
        ));
    }
    Ok(())
}

/// The name this host gives in EHLO: the portal's public host name.
fn helo_name(backend: &Backend) -> String {
    let url = &backend.settings.public_url;
    let host = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let host = host.split(['/', ':']).next().unwrap_or_default();
    if host.is_empty() {
        "localhost".into()
    } else {
        host.to_string()
    }
}

async fn relay_domain(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    what: &str,
    now: UnixTime,
) -> Result<DomainRow, AppError> {
    let domain = ctx.domain(backend, id, what, now).await?;
    if domain.kind != DomainKind::Relay {
        return Err(AppError::NotAllowed(format!(
            "{} is not a relay domain: its mail is delivered here, so it has no routes.",
            domain.name
        )));
    }
    Ok(domain)
}

/// Records a change to a domain's routing as "domain: what".
async fn audit(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain: &DomainRow,
    action: AuditAction,
    what: impl std::fmt::Display,
    now: UnixTime,
) -> Result<(), AppError> {
    let detail = format!("{}: {what}", domain.name);
    ctx.user
        .audit_in(backend, domain.id, action, &detail, now)
        .await
}

/// The domain, when it is hosted here (mailboxes, aliases and SDR belong to those).
pub async fn hosted_domain(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    what: &str,
    now: UnixTime,
) -> Result<DomainRow, AppError> {
    let domain = ctx.domain(backend, id, what, now).await?;
    if domain.kind != DomainKind::Hosted {
        let why = match domain.kind {
            DomainKind::Alias => "it is an alias: change its main domain",
            _ => "its mail is relayed to another server",
        };
        return Err(AppError::NotAllowed(format!(
            "{} has no mailboxes here: {why}.",
            domain.name
        )));
    }
    Ok(domain)
}

/// The route with this id, when it is in one of the caller's domains.
async fn route(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    what: &str,
    now: UnixTime,
) -> Result<(DomainRow, String), AppError> {
    let (domain_id, destination) = store::routes::find(&backend.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let domain = ctx.domain(backend, domain_id, what, now).await?;
    Ok((domain, destination))
}
