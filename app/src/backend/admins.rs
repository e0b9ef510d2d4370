//! Security → Admins: a master admin makes admins whose rights are a set of areas, read-only
//! or not, in some domains (a domain admin) or all (a master admin), and changes them. An
//! admin hands on no more than they have, and nobody changes their own rights: a master
//! admin could otherwise lock everyone out, or lift their own limits.

use super::{
    admin::{self, Operator},
    auth::ctx::MasterAdminCtx,
    mail_scope::domains_of,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        admin::{AdminRow, Admins, Rights, RightsForm},
        grant::{Domains, Grant},
        time::UnixTime,
        Role,
    },
};
use std::collections::BTreeMap;

/// Every admin with their rights.
pub async fn list(backend: &Backend, master: &MasterAdminCtx) -> Result<Admins, AppError> {
    let mut domains: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (account, name) in store::admin_rights::administered_names(&backend.pool).await? {
        domains.entry(account).or_default().push(name);
    }
    let admins = store::admin_rights::admins(&backend.pool)
        .await?
        .into_iter()
        .map(|a| AdminRow {
            you: a.id == master.user.account_id,
            domains: domains.remove(&a.id).unwrap_or_default(),
            rights: a.rights,
            id: a.id,
            email: a.email,
            role: a.role,
            enabled: a.enabled,
        })
        .collect();
    let all = domains_of(backend, &super::auth::ctx::DomainScope::All).await?;
    Ok(Admins {
        admins,
        domains: all.into_iter().map(|(_, name)| name).collect(),
        yours: master.user.grant.clone(),
    })
}

/// Adds an admin with `rights`; their id.
pub async fn add(
    backend: &Backend,
    master: &MasterAdminCtx,
    email: &str,
    password: &str,
    form: RightsForm,
    now: UnixTime,
) -> Result<i64, AppError> {
    let rights = checked(backend, master, &form).await?;
    let by = Operator::MasterAdmin(master);
    let role = rights.rights.role();
    let id = admin::create_account(backend, &by, email, role, password, now).await?;
    let mut tx = store::write(&backend.pool).await?;
    store::admin_rights::set(&mut tx.conn(), id, &rights.grant()).await?;
    if role == Role::DomainAdmin {
        store::admin_rights::set_administered(&mut tx.conn(), id, &rights.domain_ids).await?;
    }
    tx.commit().await?;
    let detail = format!(
        "{}: {}",
        email.trim().to_lowercase(),
        rights.rights.describe()
    );
    master
        .user
        .audit(backend, AuditAction::AdminRightsChanged, &detail, now)
        .await?;
    Ok(id)
}

/// Sets another admin's rights; every domain makes them a master admin, some a domain
/// admin of those.
pub async fn set_rights(
    backend: &Backend,
    master: &MasterAdminCtx,
    id: i64,
    form: RightsForm,
    now: UnixTime,
) -> Result<(), AppError> {
    let account = store::accounts::find_by_id(&backend.pool, id)
        .await?
        .filter(|a| a.role != Role::MailUser)
        .ok_or(AppError::NotFound)?;
    if account.id == master.user.account_id {
        return Err(AppError::NotAllowed(
            "You cannot change your own rights; another master admin can.".into(),
        ));
    }
    let rights = checked(backend, master, &form).await?;
    let role = rights.rights.role();
    let mut tx = store::write(&backend.pool).await?;
    tx.serialize(&format!("domain admin rights of account {id}"))
        .await?;
    store::accounts::set_role(&mut tx.conn(), id, role).await?;
    store::admin_rights::set(&mut tx.conn(), id, &rights.grant()).await?;
    store::admin_rights::set_administered(&mut tx.conn(), id, &rights.domain_ids).await?;
    tx.commit().await?;
    let detail = format!("{}: {}", account.email, rights.rights.describe());
    master
        .user
        .audit(backend, AuditAction::AdminRightsChanged, &detail, now)
        .await
}

/// Rights checked against the form's rules and the granting admin's own, with their
/// domains found by name.
struct Checked {
    rights: Rights,
    domain_ids: Vec<i64>,
}

impl Checked {
    fn grant(&self) -> Grant {
        Grant {
            areas: self.rights.areas,
            write: self.rights.write,
            domains: Domains::All,
        }
    }
}

async fn checked(
    backend: &Backend,
    master: &MasterAdminCtx,
    form: &RightsForm,
) -> Result<Checked, AppError> {
    let rights = form
        .check()
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    master
        .user
        .grant
        .hands_on(rights.areas, rights.write)
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    let all = domains_of(backend, &super::auth::ctx::DomainScope::All).await?;
    let mut domain_ids = Vec::new();
    for name in &rights.domains {
        let (id, _) = all.iter().find(|(_, n)| n == name).ok_or_else(|| {
            AppError::invalid(
                "domains",
                format!("{name} is not a domain here (name main domains, not domain aliases)."),
            )
        })?;
        if !domain_ids.contains(id) {
            domain_ids.push(*id);
        }
    }
    Ok(Checked { rights, domain_ids })
}
