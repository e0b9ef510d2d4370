//! The Filter settings and Blocked attachments screens of a domain.

// A server function takes one argument per form field, and the filter settings form has
// ten; the server macro copies the arguments into functions of its own, where an
// attribute on the function does not reach.
#![allow(clippy::too_many_arguments)]

use crate::{error::AppError, model::filter_settings::FilterSettingsView};
use leptos::prelude::*;

admin_fn! {
    #[needs(Antispam, Read)]
    #[server(endpoint = "filter-settings")]
    pub async fn get_filter_settings(domain: i64) -> Result<FilterSettingsView, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::filter_settings};
        as_domain_admin("see filter settings", |call, admin| async move {
            filter_settings::get(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Check boxes arrive only when ticked.
    #[needs(Antispam, Write)]
    #[server(endpoint = "filter-settings/save")]
    pub async fn save_filter_settings(
        domain: i64,
        quarantine: Option<String>,
        quarantine_days: String,
        quarantine_reply: String,
        skip_spf: Option<String>,
        spf_exempt: String,
        skip_line_length: Option<String>,
        subject_tag: String,
        size_limit: String,
        oversize: String,
        #[server(default)] digest: String,
    ) -> Result<(), AppError> {
        use crate::{
            api::ssr::as_domain_admin, backend::filter_settings, model::filter_settings::FilterForm,
        };
        as_domain_admin("change filter settings", |call, admin| async move {
            let form = FilterForm {
                quarantine: quarantine.is_some(),
                quarantine_days: &quarantine_days,
                quarantine_reply: &quarantine_reply,
                skip_spf: skip_spf.is_some(),
                spf_exempt: &spf_exempt,
                skip_line_length: skip_line_length.is_some(),
                subject_tag: &subject_tag,
                size_limit: &size_limit,
                oversize: &oversize,
                digest: &digest,
            };
            filter_settings::save(&call.backend, &admin, domain, &form, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "filter-settings/reset")]
    pub async fn reset_filter_settings(domain: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::filter_settings};
        as_domain_admin("reset filter settings", |call, admin| async move {
            filter_settings::reset(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "attachments/add")]
    pub async fn block_extension(domain: i64, extension: String) -> Result<(), AppError> {
        use crate::{
            api::ssr::as_domain_admin,
            backend::filter_settings::{self, ExtensionChange},
        };
        as_domain_admin("block an attachment type", |call, admin| async move {
            let change = ExtensionChange::Add(&extension);
            filter_settings::change_extensions(&call.backend, &admin, domain, change, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "attachments/remove")]
    pub async fn unblock_extension(domain: i64, extension: String) -> Result<(), AppError> {
        use crate::{
            api::ssr::as_domain_admin,
            backend::filter_settings::{self, ExtensionChange},
        };
        as_domain_admin("unblock an attachment type", |call, admin| async move {
            let change = ExtensionChange::Remove(&extension);
            filter_settings::change_extensions(&call.backend, &admin, domain, change, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "attachments/reset")]
    pub async fn reset_extensions(domain: i64) -> Result<(), AppError> {
        use crate::{
            api::ssr::as_domain_admin,
            backend::filter_settings::{self, ExtensionChange},
        };
        as_domain_admin(
            "reset the blocked attachment types",
            |call, admin| async move {
                let change = ExtensionChange::Reset;
                filter_settings::change_extensions(&call.backend, &admin, domain, change, call.now)
                    .await
            },
        )
        .await
    }
}
