//! The Routes page of a relay domain and the SDR page of a hosted one.

use crate::{
    error::AppError,
    model::route::{RouteTest, Routes, Sdr},
};
use leptos::prelude::*;

admin_fn! {
    #[needs(Domains, Read)]
    #[server(endpoint = "routes/list")]
    pub async fn list_routes(domain: i64) -> Result<Routes, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::routing};
        as_domain_admin("list routes", |call, admin| async move {
            routing::routes(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "routes/add")]
    pub async fn add_route(domain: i64, destination: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::routing};
        as_domain_admin("add a route", |call, admin| async move {
            routing::add_route(&call.backend, &admin, domain, &destination, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "routes/delete")]
    pub async fn delete_route(id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::routing};
        as_domain_admin("delete a route", |call, admin| async move {
            routing::delete_route(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// `direction` is `up` (tried earlier) or `down`.
    #[needs(Domains, Write)]
    #[server(endpoint = "routes/move")]
    pub async fn move_route(id: i64, direction: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::routing};
        as_domain_admin("reorder routes", |call, admin| async move {
            let up = match direction.as_str() {
                "up" => true,
                "down" => false,
                _ => return Err(AppError::invalid("direction", "Move a route up or down.")),
            };
            routing::move_route(&call.backend, &admin, id, up, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Read)]
    #[server(endpoint = "routes/test")]
    pub async fn test_route(id: i64) -> Result<RouteTest, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::routing};
        as_domain_admin("test a route", |call, admin| async move {
            routing::test_route(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "routes/allow_local")]
    pub async fn allow_local_routes(allow: bool) -> Result<(), AppError> {
        use crate::{api::ssr::as_master_admin, backend::routing};
        as_master_admin("allow local routes", |call, master| async move {
            routing::set_allow_local(&call.backend, &master, allow, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Read)]
    #[server(endpoint = "sdr/get")]
    pub async fn get_sdr(domain: i64) -> Result<Sdr, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::routing};
        as_domain_admin("see split domain routing", |call, admin| async move {
            routing::sdr(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "sdr/set")]
    pub async fn set_sdr(domain: i64, enabled: bool, destination: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::routing};
        as_domain_admin("change split domain routing", |call, admin| async move {
            routing::set_sdr(
                &call.backend,
                &admin,
                domain,
                enabled,
                &destination,
                call.now,
            )
            .await
        })
        .await
    }
}
