//! The Local recipients page of a domain.

use crate::{error::AppError, model::local_recipient::LocalRecipients};
use leptos::prelude::*;

admin_fn! {
    #[needs(Mailboxes, Read)]
    #[server(endpoint = "local-recipients/list")]
    pub async fn list_local_recipients(
        domain: i64,
        search: Option<String>,
        page: Option<i64>,
    ) -> Result<LocalRecipients, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::local_recipients};
        as_domain_admin("list local recipients", |call, admin| async move {
            let search = search.unwrap_or_default();
            local_recipients::list(&call.backend, &admin, domain, &search, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "local-recipients/add")]
    pub async fn add_local_recipient(domain: i64, address: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::local_recipients};
        as_domain_admin("add a local recipient", |call, admin| async move {
            local_recipients::add(&call.backend, &admin, domain, &address, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "local-recipients/delete")]
    pub async fn delete_local_recipient(id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::local_recipients};
        as_domain_admin("delete a local recipient", |call, admin| async move {
            local_recipients::delete(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "local-recipients/clear")]
    pub async fn clear_local_recipients(domain: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::local_recipients};
        as_domain_admin("clear the local recipients", |call, admin| async move {
            local_recipients::clear(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Ticked, the check box sends `enabled`.
    #[needs(Mailboxes, Read)]
    #[server(endpoint = "local-recipients/callouts")]
    pub async fn set_callouts(domain: i64, enabled: Option<String>) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::local_recipients};
        as_domain_admin("switch recipient callouts", |call, admin| async move {
            let on = enabled.is_some();
            local_recipients::set_callouts(&call.backend, &admin, domain, on, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "local-recipients/clear-cache")]
    pub async fn clear_callout_cache(domain: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::local_recipients};
        as_domain_admin("clear the callout cache", |call, admin| async move {
            local_recipients::clear_callout_cache(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}
