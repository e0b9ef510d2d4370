//! Whose mail a reader of the mail screens (quarantine, incoming log) sees.

use super::{
    auth::ctx::{DomainScope, UserCtx},
    store::{self, reader::Reader},
    Backend,
};
use crate::{
    error::AppError,
    model::{time::UnixTime, Role},
};

/// Whose mail the caller reads on the mail screens, and the domains they read it for
/// (id, name; none for a mail user). A mail user always may; `what` names the screen for
/// the audit log when an admin's rights are refused (a second factor missing).
pub async fn reader(
    backend: &Backend,
    user: UserCtx,
    what: &str,
    now: UnixTime,
) -> Result<(UserCtx, Reader, Vec<(i64, String)>), AppError> {
    if user.role == Role::MailUser {
        let reader = Reader::Address(user.email.clone());
        return Ok((user, reader, Vec::new()));
    }
    let admin = user.domain_admin(backend, what, now).await?;
    let domains = domains_of(backend, &admin.scope).await?;
    let reader = match admin.scope {
        DomainScope::All => Reader::All,
        DomainScope::Only(ids) => Reader::Domains(ids),
    };
    Ok((admin.user, reader, domains))
}

/// The reader an admin is, by their domains, for the admin-only mail screens (the delivery
/// queue, the blocked senders); `what` names the screen for the audit log when refused.
pub async fn admin_reader(
    backend: &Backend,
    user: UserCtx,
    what: &str,
    now: UnixTime,
) -> Result<(UserCtx, Reader), AppError> {
    let admin = user.domain_admin(backend, what, now).await?;
    let reader = match admin.scope {
        DomainScope::All => Reader::All,
        DomainScope::Only(ids) => Reader::Domains(ids),
    };
    Ok((admin.user, reader))
}

/// The main domains (not domain aliases) of a scope, by id and name, for a screen's domain
/// choice.
pub async fn domains_of(
    backend: &Backend,
    scope: &DomainScope,
) -> Result<Vec<(i64, String)>, AppError> {
    let rows = match scope {
        DomainScope::All => store::domains::list_all(&backend.pool).await?,
        DomainScope::Only(ids) => {
            let mut rows = Vec::new();
            for id in ids {
                rows.extend(store::domains::find(&backend.pool, *id).await?);
            }
            rows
        }
    };
    Ok(rows
        .into_iter()
        .filter(|d| d.alias_of_id.is_none())
        .map(|d| (d.id, d.name))
        .collect())
}
