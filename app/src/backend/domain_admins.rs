//! Who administers a domain. Master admins assign domain admins: an existing account gets
//! the domain (and the Domain admin role, if it was a mail user); removing its last domain
//! makes it a mail user again.

use super::{
    auth::ctx::{DomainAdminCtx, MasterAdminCtx},
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        rows::{DomainAdminRow, DomainAdmins},
        time::UnixTime,
        Role,
    },
};

/// The domain's admins; domain admins may see who shares their domain.
pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<DomainAdmins, AppError> {
    let domain = ctx
        .domain(backend, domain_id, "list the admins", now)
        .await?;
    let admins = store::accounts::domain_admins(&backend.pool, domain_id)
        .await?
        .into_iter()
        .map(|(account_id, email)| DomainAdminRow { account_id, email })
        .collect();
    Ok(DomainAdmins {
        kind: domain.kind,
        domain: domain.name,
        admins,
    })
}

pub async fn assign(
    backend: &Backend,
    master: &MasterAdminCtx,
    domain_id: i64,
    email: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = store::domains::find(&backend.pool, domain_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let address =
        crate::model::EmailAddress::parse(email).map_err(|r| AppError::invalid("email", r))?;
    let account = store::accounts::find_by_email(&backend.pool, &address)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "email",
                format!("No account has the address {address}. Add its mailbox first."),
            )
        })?;
    if account.role == Role::MasterAdmin {
        return Err(AppError::invalid(
            "email",
            "A master admin administers every domain already.",
        ));
    }
    let mut tx = store::write(&backend.pool).await?;
    tx.serialize(&role_changes(account.id)).await?;
    if account.role == Role::MailUser {
        store::accounts::set_role(&mut tx.conn(), account.id, Role::DomainAdmin).await?;
    }
    store::accounts::make_domain_admin(&mut tx.conn(), account.id, domain_id).await?;
    tx.commit().await?;
    let detail = format!("{address} for {}", domain.name);
    let action = AuditAction::DomainAdminAssigned;
    master
        .user
        .audit_in(backend, domain_id, action, &detail, now)
        .await
}

/// The `Tx::serialize` topic of an account's domain admin rights: a removal decides on the
/// role by counting the domains left, which an assignment beside it would change.
fn role_changes(account_id: i64) -> String {
    format!("domain admin rights of account {account_id}")
}

pub async fn remove(
    backend: &Backend,
    master: &MasterAdminCtx,
    domain_id: i64,
    account_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = store::domains::find(&backend.pool, domain_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = store::accounts::find_by_id(&backend.pool, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = store::write(&backend.pool).await?;
    tx.serialize(&role_changes(account_id)).await?;
    if !store::accounts::remove_domain_admin(&mut tx.conn(), account_id, domain_id).await? {
        return Err(AppError::NotFound);
    }
    if account.role == Role::DomainAdmin
        && store::accounts::administered_count(&mut tx.conn(), account_id).await? == 0
    {
        store::accounts::set_role(&mut tx.conn(), account_id, Role::MailUser).await?;
    }
    tx.commit().await?;
    let detail = format!("{} for {}", account.email, domain.name);
    let action = AuditAction::DomainAdminRemoved;
    master
        .user
        .audit_in(backend, domain_id, action, &detail, now)
        .await
}
