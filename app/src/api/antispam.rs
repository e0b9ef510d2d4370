//! The antispam policy screens: thresholds per domain and global.

use crate::{
    error::AppError,
    model::antispam::{ThresholdPreview, Thresholds, ThresholdsView},
};
use leptos::prelude::*;

admin_fn! {
    #[needs(Antispam, Read)]
    #[server(endpoint = "antispam/thresholds")]
    pub async fn get_thresholds(domain: i64) -> Result<ThresholdsView, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::antispam};
        as_domain_admin("see antispam thresholds", |call, admin| async move {
            antispam::thresholds(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "antispam/thresholds/save")]
    pub async fn save_thresholds(
        domain: i64,
        defer: String,
        tag: String,
        reject: String,
    ) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::antispam};
        as_domain_admin("change antispam thresholds", |call, admin| async move {
            let levels = (defer.as_str(), tag.as_str(), reject.as_str());
            antispam::save_thresholds(&call.backend, &admin, domain, levels, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// How the domain's last days of mail would have gone with these values (not saved).
    #[needs(Antispam, Read)]
    #[server(endpoint = "antispam/thresholds/preview")]
    pub async fn preview_thresholds(
        domain: i64,
        defer: String,
        tag: String,
        reject: String,
    ) -> Result<ThresholdPreview, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::antispam};
        as_domain_admin("preview antispam thresholds", |call, admin| async move {
            let levels = (defer.as_str(), tag.as_str(), reject.as_str());
            antispam::preview_thresholds(&call.backend, &admin, domain, levels, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "antispam/thresholds/reset")]
    pub async fn reset_thresholds(domain: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::antispam};
        as_domain_admin("reset antispam thresholds", |call, admin| async move {
            antispam::reset_thresholds(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Read)]
    #[server(endpoint = "antispam/global")]
    pub async fn get_global_thresholds() -> Result<Thresholds, AppError> {
        use crate::{api::ssr::as_master_admin, backend::antispam};
        as_master_admin("see the global antispam thresholds", |call, _| async move {
            antispam::global_thresholds(&call.backend).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "antispam/global/save")]
    pub async fn save_global_thresholds(
        defer: String,
        tag: String,
        reject: String,
    ) -> Result<(), AppError> {
        use crate::{api::ssr::as_master_admin, backend::antispam};
        as_master_admin(
            "change the global antispam thresholds",
            |call, master| async move {
                let levels = (defer.as_str(), tag.as_str(), reject.as_str());
                antispam::save_global_thresholds(&call.backend, &master, levels, call.now).await
            },
        )
        .await
    }
}
