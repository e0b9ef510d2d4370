//! Security → Admins: admins and their rights (areas, read-only or not, domains).

use crate::{error::AppError, model::admin::Admins};
use leptos::prelude::*;

admin_fn! {
    /// Every admin with their rights.
    #[needs(Security, Read)]
    #[server(endpoint = "admins/list")]
    pub async fn list_admins() -> Result<Admins, AppError> {
        use crate::{api::ssr::as_master_admin, backend::admins};
        as_master_admin("list the admins", |call, master| async move {
            admins::list(&call.backend, &master).await
        })
        .await
    }
}

admin_fn! {
    /// Adds an admin; their id. `areas` and `domains` are comma- or line-separated (empty:
    /// every area; every domain, which makes a master admin).
    #[needs(Security, Write)]
    #[server(endpoint = "admins/add")]
    pub async fn add_admin(
        email: String,
        password: String,
        #[server(default)] areas: String,
        #[server(default)] write: bool,
        #[server(default)] domains: String,
    ) -> Result<i64, AppError> {
        use crate::{api::ssr::as_master_admin, backend::admins, model::admin::RightsForm};
        as_master_admin("add an admin", |call, master| async move {
            let form = RightsForm { areas, write, domains };
            admins::add(&call.backend, &master, &email, &password, form, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Sets another admin's rights, as `admins/add` takes them.
    #[needs(Security, Write)]
    #[server(endpoint = "admins/rights")]
    pub async fn set_admin_rights(
        id: i64,
        #[server(default)] areas: String,
        #[server(default)] write: bool,
        #[server(default)] domains: String,
    ) -> Result<(), AppError> {
        use crate::{api::ssr::as_master_admin, backend::admins, model::admin::RightsForm};
        as_master_admin("change an admin's rights", |call, master| async move {
            let form = RightsForm { areas, write, domains };
            admins::set_rights(&call.backend, &master, id, form, call.now).await
        })
        .await
    }
}
