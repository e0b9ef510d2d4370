//! CSV import and export of a domain's lists (mailboxes, aliases, sender addresses,
//! domain aliases) and of the host's domains. An export is a file a spreadsheet opens; an
//! import checks every row, applies all of them in one transaction or none, and reports
//! each refused row by its number.

pub mod export;
pub mod import;

use super::{antispam::mail_domain, auth::ctx::DomainAdminCtx, routing::hosted_domain, Backend};
use crate::{
    error::AppError,
    model::{rows::DomainRow, time::UnixTime, transfer::Dataset},
};

/// Whose list a file holds.
pub enum Owner {
    /// One hosted domain's (checked: the caller administers it).
    Domain(DomainRow),
    /// The host's domains (checked: the caller is a master admin).
    Host,
}

impl Owner {
    /// The owner the caller names, once their rights to it are checked (403 otherwise).
    pub async fn checked(
        backend: &Backend,
        ctx: &DomainAdminCtx,
        dataset: Dataset,
        domain_id: Option<i64>,
        what: &str,
        now: UnixTime,
    ) -> Result<Owner, AppError> {
        if !dataset.per_domain() {
            if ctx.scope != super::auth::ctx::DomainScope::All {
                let what = format!("{what} {}", dataset.label());
                return Err(ctx.user.deny(backend, &what, now).await);
            }
            return Ok(Owner::Host);
        }
        let id = domain_id.ok_or_else(|| AppError::invalid("domain", "Choose a domain."))?;
        let what = format!("{what} the {}", dataset.label());
        // Policy lists belong to relay domains too; the others to hosted domains only.
        let domain = match dataset {
            Dataset::SenderLists | Dataset::LocalRecipients => {
                mail_domain(backend, ctx, id, &what, now).await?
            }
            _ => hosted_domain(backend, ctx, id, &what, now).await?,
        };
        Ok(Owner::Domain(domain))
    }

    pub fn domain_id(&self) -> Option<i64> {
        match self {
            Owner::Domain(d) => Some(d.id),
            Owner::Host => None,
        }
    }

    /// "example.test", or "all" for the host's lists.
    pub fn name(&self) -> &str {
        match self {
            Owner::Domain(d) => &d.name,
            Owner::Host => "all",
        }
    }
}
