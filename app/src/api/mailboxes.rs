//! The Mailboxes screen of a domain.

use crate::{error::AppError, model::mailbox::Mailboxes};
use leptos::prelude::*;

admin_fn! {
    #[needs(Mailboxes, Read)]
    #[server(endpoint = "mailboxes/list")]
    pub async fn list_mailboxes(
        domain: i64,
        search: Option<String>,
        page: Option<i64>,
    ) -> Result<Mailboxes, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::mailboxes};
        as_domain_admin("list mailboxes", |call, admin| async move {
            let search = search.unwrap_or_default();
            mailboxes::list(&call.backend, &admin, domain, &search, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mailboxes/add")]
    pub async fn add_mailbox(
        domain: i64,
        local_part: String,
        display_name: String,
        password: String,
        quota: String,
    ) -> Result<(), AppError> {
        use crate::{
            api::ssr::as_domain_admin,
            backend::mailboxes::{self, NewMailbox},
        };
        as_domain_admin("add a mailbox", |call, admin| async move {
            let new = NewMailbox {
                local_part: &local_part,
                display_name: &display_name,
                password: &password,
                quota: &quota,
            };
            mailboxes::add(&call.backend, &admin, domain, new, call.now)
                .await
                .map(drop)
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mailboxes/edit")]
    pub async fn edit_mailbox(id: i64, display_name: String, quota: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::mailboxes};
        as_domain_admin("change a mailbox", |call, admin| async move {
            mailboxes::edit(&call.backend, &admin, id, &display_name, &quota, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mailboxes/enabled")]
    pub async fn set_mailbox_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::mailboxes};
        as_domain_admin("enable or disable a mailbox", |call, admin| async move {
            mailboxes::set_enabled(&call.backend, &admin, id, enabled, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mailboxes/password")]
    pub async fn reset_mailbox_password(id: i64, password: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::mailboxes};
        as_domain_admin("set a mailbox's password", |call, admin| async move {
            mailboxes::reset_password(&call.backend, &admin, id, &password, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mailboxes/delete")]
    pub async fn delete_mailbox(id: i64, confirm: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::mailboxes};
        as_domain_admin("delete a mailbox", |call, admin| async move {
            mailboxes::delete(&call.backend, &admin, id, &confirm, call.now).await
        })
        .await
    }
}
