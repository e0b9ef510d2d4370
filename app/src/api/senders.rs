//! The Sender addresses and Settings pages of a domain.

// One argument per setting, so that the settings are plain form fields; the server macro
// repeats them in code it generates, where an item's allow is lost.
#![allow(clippy::too_many_arguments)]

use crate::{
    error::AppError,
    model::{domain_settings::DomainSettingsView, sender::Senders},
};
use leptos::prelude::*;

admin_fn! {
    #[needs(Mailboxes, Read)]
    #[server(endpoint = "senders/list")]
    pub async fn list_senders(
        domain: i64,
        search: Option<String>,
        page: Option<i64>,
    ) -> Result<Senders, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::senders};
        as_domain_admin("list sender addresses", |call, admin| async move {
            let search = search.unwrap_or_default();
            senders::list(&call.backend, &admin, domain, &search, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "senders/add")]
    pub async fn add_sender(domain: i64, address: String, users: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::senders};
        as_domain_admin("add a sender address", |call, admin| async move {
            senders::add(&call.backend, &admin, domain, &address, &users, call.now)
                .await
                .map(drop)
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "senders/edit")]
    pub async fn edit_sender(id: i64, users: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::senders};
        as_domain_admin("change a sender address", |call, admin| async move {
            senders::edit(&call.backend, &admin, id, &users, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "senders/delete")]
    pub async fn delete_sender(id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::senders};
        as_domain_admin("delete a sender address", |call, admin| async move {
            senders::delete(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Read)]
    #[server(endpoint = "domains/settings")]
    pub async fn get_domain_settings(domain: i64) -> Result<DomainSettingsView, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domain_settings};
        as_domain_admin("see domain settings", |call, admin| async move {
            domain_settings::get(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "domains/settings/save")]
    pub async fn save_domain_settings(
        domain: i64,
        contact_email: String,
        notify_from: String,
        timezone: String,
        log_days: String,
        retry_days: String,
        rejected_local_chars: String,
        #[server(default)] send_limit: String,
    ) -> Result<(), AppError> {
        use crate::{
            api::ssr::as_domain_admin, backend::domain_settings, model::domain_settings::SettingsForm,
        };
        as_domain_admin("change domain settings", |call, admin| async move {
            let form = SettingsForm {
                contact_email: &contact_email,
                notify_from: &notify_from,
                timezone: &timezone,
                log_days: &log_days,
                retry_days: &retry_days,
                rejected_local_chars: &rejected_local_chars,
                send_limit: &send_limit,
            };
            domain_settings::save(&call.backend, &admin, domain, &form, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "domains/settings/reset")]
    pub async fn reset_domain_settings(domain: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domain_settings};
        as_domain_admin("reset domain settings", |call, admin| async move {
            domain_settings::reset(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}
