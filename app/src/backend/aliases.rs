//! The Aliases screen of a domain: addresses (and the catch-all) that hand their mail to
//! local mailboxes or forward it elsewhere. Every change is checked for loops first.

use super::{
    auth::ctx::DomainAdminCtx,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::backend::store::db::Conn;
use crate::{
    error::AppError,
    model::{
        alias::{find_loop, parse_targets, AliasAddress, Aliases, Expansions},
        list::{like_pattern, page_number, Page},
        time::UnixTime,
        DomainName, EmailAddress,
    },
};

/// How many addresses the loop check follows before it gives up and refuses: real alias
/// chains are a few links long.
const MAX_WALK: usize = 1000;

pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    search: &str,
    page: Option<i64>,
    now: UnixTime,
) -> Result<Aliases, AppError> {
    let domain = ctx
        .domain(backend, domain_id, "list the aliases", now)
        .await?;
    let page = page_number(page);
    let (rows, total) =
        store::aliases::page(&backend.pool, domain_id, &like_pattern(search), page).await?;
    // Marked here, so that admins do not learn which other domains the host serves.
    let local = store::domains::names(&backend.pool).await?;
    let mut forwards: Vec<String> = rows
        .iter()
        .flat_map(|r| r.targets.iter())
        .filter(|t| {
            let domain = t.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
            !local.iter().any(|l| l == domain)
        })
        .cloned()
        .collect();
    forwards.sort();
    forwards.dedup();
    Ok(Aliases {
        domain: domain.name,
        forwards,
        page: Page { rows, total, page },
    })
}

pub async fn add(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    address: &str,
    targets: &str,
    now: UnixTime,
) -> Result<i64, AppError> {
    let domain =
        super::routing::hosted_domain(backend, ctx, domain_id, "add an alias", now).await?;
    let domain_name = DomainName::parse(&domain.name).map_err(|_| AppError::Internal)?;
    let address =
        AliasAddress::parse(address, &domain_name).map_err(|r| AppError::invalid("address", r))?;
    if let AliasAddress::Address(a) = &address {
        super::domain_settings::check_local_part(backend, domain_id, a.local_part(), "address")
            .await?;
    }
    let key = address.as_key();
    if store::mailboxes::exists(&backend.pool, &key).await? {
        return Err(AppError::invalid(
            "address",
            format!("{key} is a mailbox. An alias needs an address of its own."),
        ));
    }
    let targets = parse_targets(targets).map_err(|r| AppError::invalid("targets", r))?;
    let mut tx = store::write(&backend.pool).await?;
    // The loop check reads every alias: two writes checked side by side could each close
    // half of a loop.
    tx.serialize(ALIAS_WRITES).await?;
    let targets = checked_targets(&mut tx.conn(), &key, &targets, "targets").await?;
    let id = match store::aliases::insert(&mut tx.conn(), domain_id, &key, &targets, now).await {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "address",
                format!("The alias {key} exists already. Edit its recipients instead."),
            ))
        }
        other => other?,
    };
    tx.commit().await?;
    let detail = format!("{key} → {}", targets.join(", "));
    ctx.user
        .audit_in(backend, domain_id, AuditAction::AliasCreated, &detail, now)
        .await?;
    Ok(id)
}

/// Replaces an alias's recipients.
pub async fn edit(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    targets: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let (domain_id, alias) = ctx
        .owned(
            backend,
            store::aliases::find(&backend.pool, id).await?,
            "change the alias",
            now,
        )
        .await?;
    let targets = parse_targets(targets).map_err(|r| AppError::invalid("targets", r))?;
    let mut tx = store::write(&backend.pool).await?;
    // The loop check reads every alias: two writes checked side by side could each close
    // half of a loop.
    tx.serialize(ALIAS_WRITES).await?;
    let targets = checked_targets(&mut tx.conn(), &alias.address, &targets, "targets").await?;
    store::aliases::set_targets(&mut tx.conn(), id, &targets).await?;
    tx.commit().await?;
    let detail = format!("{} → {}", alias.address, targets.join(", "));
    ctx.user
        .audit_in(backend, domain_id, AuditAction::AliasChanged, &detail, now)
        .await
}

pub async fn delete(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let (domain_id, alias) = ctx
        .owned(
            backend,
            store::aliases::find(&backend.pool, id).await?,
            "delete the alias",
            now,
        )
        .await?;
    store::aliases::delete(&backend.pool, id).await?;
    let action = AuditAction::AliasDeleted;
    ctx.user
        .audit_in(backend, domain_id, action, &alias.address, now)
        .await
}

/// The `Tx::serialize` topic of every transaction that writes alias recipients.
pub(super) const ALIAS_WRITES: &str = "alias writes";

/// The recipients as stored, once each local one is known to exist and none leads mail
/// back to `source`. Runs inside the change's transaction, after `Tx::serialize` with
/// `ALIAS_WRITES`, so two admins (on two instances) cannot each close half of a loop.
pub(super) async fn checked_targets(
    tx: &mut Conn<'_>,
    source: &str,
    targets: &[EmailAddress],
    field: &str,
) -> Result<Vec<String>, AppError> {
    let mut next = Expansions::new();
    for target in targets {
        if target.as_str() == source {
            return Err(AppError::invalid(
                field,
                format!("{source} cannot send its mail to itself."),
            ));
        }
        let local = store::domains::find_id(&mut *tx, &target.domain())
            .await?
            .is_some();
        if local && expansion(tx, target.as_str()).await?.is_none() {
            return Err(AppError::invalid(
                field,
                format!(
                    "{target} is in a domain served here but is neither a mailbox nor an alias. Add it first."
                ),
            ));
        }
    }
    let targets: Vec<String> = targets.iter().map(|t| t.as_str().to_string()).collect();
    // Everything reachable from the new recipients, as it is stored now.
    let mut queue: Vec<String> = targets.clone();
    while let Some(at) = queue.pop() {
        if next.contains_key(&at) || at == source {
            continue;
        }
        if next.len() >= MAX_WALK {
            return Err(AppError::invalid(
                field,
                "These recipients lead through too many aliases to check. Point them at mailboxes directly.",
            ));
        }
        let to = expansion(tx, &at).await?.unwrap_or_default();
        queue.extend(to.iter().cloned());
        next.insert(at, to);
    }
    if let Some(path) = find_loop(source, &targets, &next) {
        return Err(AppError::invalid(
            field,
            format!(
                "This would make a loop: {}. Mail would go round until it bounced.",
                path.join(" → ")
            ),
        ));
    }
    Ok(targets)
}

/// Where mail to `address` goes next: an alias's recipients; nothing for a mailbox (it is
/// delivered); the catch-all for another local part of a domain that has one (`@domain`
/// stands for it). `None` when the address is not local or has nowhere to go.
async fn expansion(tx: &mut Conn<'_>, address: &str) -> Result<Option<Vec<String>>, AppError> {
    if let Some((_, targets)) = store::aliases::find_by_address(&mut *tx, address).await? {
        return Ok(Some(targets));
    }
    if address.starts_with('@') {
        return Ok(None);
    }
    if store::mailboxes::exists(&mut *tx, address).await? {
        return Ok(Some(Vec::new()));
    }
    let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let catch_all = format!("@{domain}");
    if store::aliases::find_by_address(&mut *tx, &catch_all)
        .await?
        .is_some()
    {
        return Ok(Some(vec![catch_all]));
    }
    Ok(None)
}
