//! The audit log: master admins read all of it, domain admins their domains' entries.

use crate::{
    error::AppError,
    model::audit::{AuditFilter, AuditLog},
};
use leptos::prelude::*;

admin_fn! {
    /// One page of the log; every filter may be left out (empty means any).
    #[needs(Security, Read)]
    #[server(endpoint = "admin/audit")]
    pub async fn list_audit(
        #[server(default)] who: String,
        #[server(default)] action: String,
        #[server(default)] since: String,
        #[server(default)] until: String,
        #[server(default)] ip: String,
        #[server(default)] domain: String,
        #[server(default)] page: Option<i64>,
    ) -> Result<AuditLog, AppError> {
        use crate::api::ssr::as_domain_admin;
        let filter = AuditFilter {
            who,
            action,
            since,
            until,
            ip,
            domain,
        };
        as_domain_admin("read the audit log", |call, admin| async move {
            crate::backend::audit_log::list(&call.backend, &admin, &filter, page).await
        })
        .await
    }
}

/// The log for a filter as the Log screen holds it.
pub async fn audit_page(filter: AuditFilter, page: i64) -> Result<AuditLog, AppError> {
    let AuditFilter {
        who,
        action,
        since,
        until,
        ip,
        domain,
    } = filter;
    list_audit(who, action, since, until, ip, domain, Some(page)).await
}
