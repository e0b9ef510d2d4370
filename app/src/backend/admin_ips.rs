//! The admin IP access list: the networks admins may sign in and work from, once a master
//! admin restricts admin access to it.
//!
//! While restricted, an admin's sign-in from another address is refused, and so is every
//! admin request (the role checks in `auth::ctx` ask here). Restricting is refused while the
//! master admin's own address is not listed, and so is removing the last entry that holds
//! it: nobody shuts themselves out from the portal. Whoever runs the server gets back in
//! with `mailportal admin unrestrict`.

use super::{
    auth::ctx::MasterAdminCtx,
    store::{self, audit::AuditAction, portal_settings::Switch},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        admin_ips::{AdminIpAccess, NewAdminIp},
        cidr::Cidr,
        time::UnixTime,
    },
};

/// The list, the switch, and where the caller is.
pub async fn overview(
    backend: &Backend,
    master: &MasterAdminCtx,
) -> Result<AdminIpAccess, AppError> {
    let entries = store::admin_ips::list(&backend.pool).await?;
    let yours = Cidr::holding(&entries_networks(&entries), &master.user.ip).map(|n| n.to_string());
    Ok(AdminIpAccess {
        restricted: restricted(backend).await?,
        your_ip: master.user.ip.clone(),
        yours,
        entries,
    })
}

pub async fn add(
    backend: &Backend,
    master: &MasterAdminCtx,
    form: &NewAdminIp,
    now: UnixTime,
) -> Result<(), AppError> {
    let (network, description) = form
        .check()
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    let shown = network.to_string();
    if !store::admin_ips::add(&backend.pool, &shown, &description, &master.user.email, now).await? {
        return Err(AppError::invalid(
            "network",
            format!("{shown} is listed already."),
        ));
    }
    let detail = format!("{shown}: {description}");
    master
        .user
        .audit(backend, AuditAction::AdminIpAdded, &detail, now)
        .await
}

pub async fn remove(
    backend: &Backend,
    master: &MasterAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let entries = store::admin_ips::list(&backend.pool).await?;
    let entry = entries
        .iter()
        .find(|e| e.id == id)
        .ok_or(AppError::NotFound)?;
    if restricted(backend).await? {
        let rest: Vec<Cidr> = entries_networks(entries.iter().filter(|e| e.id != id));
        if Cidr::holding(&rest, &master.user.ip).is_none() {
            return Err(AppError::NotAllowed(format!(
                "Admin access is restricted to this list, and without {} your own address ({}) would be shut out. Add the network you use first, or allow unrestricted admin access.",
                entry.network, master.user.ip
            )));
        }
    }
    if !store::admin_ips::delete(&backend.pool, id).await? {
        return Err(AppError::NotFound);
    }
    master
        .user
        .audit(backend, AuditAction::AdminIpRemoved, &entry.network, now)
        .await
}

/// Restricts admin access to the list; refused unless the caller's own address is on it.
pub async fn restrict(
    backend: &Backend,
    master: &MasterAdminCtx,
    now: UnixTime,
) -> Result<(), AppError> {
    let entries = store::admin_ips::list(&backend.pool).await?;
    if Cidr::holding(&entries_networks(&entries), &master.user.ip).is_none() {
        return Err(AppError::NotAllowed(format!(
            "Your own address ({}) is not in the list: restricting now would shut you out. Add it first.",
            master.user.ip
        )));
    }
    store::portal_settings::set(&backend.pool, Switch::RestrictAdminIps, true).await?;
    let detail = format!("{} networks listed", entries.len());
    master
        .user
        .audit(backend, AuditAction::AdminIpsRestricted, &detail, now)
        .await
}

/// Lets admins in from anywhere again; `false` when they could already. `actor` is the
/// master admin, or the command line.
pub async fn unrestrict(
    backend: &Backend,
    actor: &store::audit::Actor<'_>,
    now: UnixTime,
) -> Result<bool, AppError> {
    if !restricted(backend).await? {
        return Ok(false);
    }
    store::portal_settings::set(&backend.pool, Switch::RestrictAdminIps, false).await?;
    store::audit::record(
        &backend.pool,
        actor,
        AuditAction::AdminIpsUnrestricted,
        "",
        now,
    )
    .await?;
    Ok(true)
}

pub async fn restricted(backend: &Backend) -> Result<bool, AppError> {
    Ok(store::portal_settings::get(&backend.pool, Switch::RestrictAdminIps).await?)
}

/// `AdminIpRefused` when admin access is restricted and `ip` is not listed.
pub async fn check(backend: &Backend, ip: &str) -> Result<(), AppError> {
    if !restricted(backend).await? {
        return Ok(());
    }
    let entries = store::admin_ips::list(&backend.pool).await?;
    match Cidr::holding(&entries_networks(&entries), ip) {
        Some(_) => Ok(()),
        None => Err(AppError::AdminIpRefused(ip.to_string())),
    }
}

fn entries_networks<'a>(
    entries: impl IntoIterator<Item = &'a crate::model::admin_ips::AdminIpEntry>,
) -> Vec<Cidr> {
    Cidr::parse_stored(entries.into_iter().map(|e| e.network.as_str()))
}
