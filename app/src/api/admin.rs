//! Admin screens available from the start: domains and the audit log.

use crate::{
    error::AppError,
    model::rows::{AuditRow, DomainRow},
};
use leptos::prelude::*;

#[server(endpoint = "admin/domains")]
pub async fn list_domains() -> Result<Vec<DomainRow>, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        let admin = user
            .domain_admin(&call.backend, "list domains", call.now)
            .await?;
        crate::backend::admin::list_domains(&call.backend, &admin).await
    })
    .await
}

#[server(endpoint = "admin/audit")]
pub async fn list_audit() -> Result<Vec<AuditRow>, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        let master = user
            .master_admin(&call.backend, "read the audit log", call.now)
            .await?;
        crate::backend::admin::list_audit(&call.backend, &master, 200).await
    })
    .await
}
