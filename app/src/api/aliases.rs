//! The Aliases screen of a domain.

use crate::{error::AppError, model::alias::Aliases};
use leptos::prelude::*;

admin_fn! {
    #[needs(Mailboxes, Read)]
    #[server(endpoint = "aliases/list")]
    pub async fn list_aliases(
        domain: i64,
        search: Option<String>,
        page: Option<i64>,
    ) -> Result<Aliases, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::aliases};
        as_domain_admin("list aliases", |call, admin| async move {
            let search = search.unwrap_or_default();
            aliases::list(&call.backend, &admin, domain, &search, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "aliases/add")]
    pub async fn add_alias(domain: i64, address: String, targets: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::aliases};
        as_domain_admin("add an alias", |call, admin| async move {
            aliases::add(&call.backend, &admin, domain, &address, &targets, call.now)
                .await
                .map(drop)
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "aliases/edit")]
    pub async fn edit_alias(id: i64, targets: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::aliases};
        as_domain_admin("change an alias", |call, admin| async move {
            aliases::edit(&call.backend, &admin, id, &targets, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "aliases/delete")]
    pub async fn delete_alias(id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::aliases};
        as_domain_admin("delete an alias", |call, admin| async move {
            aliases::delete(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}
