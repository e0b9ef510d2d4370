//! The Log screen: the audit log with filters. Master admins read all of it; a domain
//! admin reads the entries about their own domains.

use super::{auth::ctx::DomainAdminCtx, store, Backend};
use crate::{
    error::AppError,
    model::{
        audit::{AuditFilter, AuditLog},
        list::{page_number, Page},
    },
};

pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    filter: &AuditFilter,
    page: Option<i64>,
) -> Result<AuditLog, AppError> {
    let query = filter
        .check()
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    let page = page_number(page);
    let (rows, total) = store::audit::page(&backend.pool, &ctx.scope, &query, page).await?;
    Ok(AuditLog {
        page: Page { rows, total, page },
        actions: store::audit::actions(&backend.pool, &ctx.scope).await?,
    })
}
