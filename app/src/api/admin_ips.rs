//! The admin IP access list (master admins).

use crate::{error::AppError, model::admin_ips::AdminIpAccess};
use leptos::prelude::*;

admin_fn! {
    #[needs(Security, Read)]
    #[server(endpoint = "admin-ips")]
    pub async fn read_admin_ip_access() -> Result<AdminIpAccess, AppError> {
        use crate::api::ssr::as_master_admin;
        as_master_admin("read the admin IP access list", |call, master| async move {
            crate::backend::admin_ips::overview(&call.backend, &master).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "admin-ips/add")]
    pub async fn add_admin_ip(network: String, description: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_master_admin, model::admin_ips::NewAdminIp};
        as_master_admin(
            "add to the admin IP access list",
            |call, master| async move {
                let form = NewAdminIp {
                    network,
                    description,
                };
                crate::backend::admin_ips::add(&call.backend, &master, &form, call.now).await
            },
        )
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "admin-ips/remove")]
    pub async fn remove_admin_ip(id: i64) -> Result<(), AppError> {
        use crate::api::ssr::as_master_admin;
        as_master_admin(
            "remove from the admin IP access list",
            |call, master| async move {
                crate::backend::admin_ips::remove(&call.backend, &master, id, call.now).await
            },
        )
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "admin-ips/restrict")]
    pub async fn restrict_admin_ips() -> Result<(), AppError> {
        use crate::api::ssr::as_master_admin;
        as_master_admin("restrict admin access", |call, master| async move {
            crate::backend::admin_ips::restrict(&call.backend, &master, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "admin-ips/unrestrict")]
    pub async fn unrestrict_admin_ips() -> Result<bool, AppError> {
        use crate::api::ssr::as_master_admin;
        as_master_admin(
            "allow unrestricted admin access",
            |call, master| async move {
                crate::backend::admin_ips::unrestrict(&call.backend, &master.user.actor(), call.now)
                    .await
            },
        )
        .await
    }
}
