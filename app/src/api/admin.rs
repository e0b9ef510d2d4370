//! The audit log (master admins).

use crate::{error::AppError, model::rows::AuditRow};
use leptos::prelude::*;

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
