//! The Domains screen: the caller's domains, adding one (master admins), and checking its
//! DNS TXT record.

use crate::{error::AppError, model::rows::DomainRow};
use leptos::prelude::*;

#[server(endpoint = "admin/domains")]
pub async fn list_domains() -> Result<Vec<DomainRow>, AppError> {
    use crate::{api::ssr::as_user, backend::domains};
    as_user(|call, user| async move {
        let admin = user
            .domain_admin(&call.backend, "list domains", call.now)
            .await?;
        domains::list(&call.backend, &admin).await
    })
    .await
}

#[server(endpoint = "domains/add")]
pub async fn add_domain(name: String) -> Result<(), AppError> {
    use crate::{api::ssr::as_user, backend::domains};
    as_user(|call, user| async move {
        let master = user
            .master_admin(&call.backend, "add a domain", call.now)
            .await?;
        domains::add(&call.backend, &master, &name, call.now)
            .await
            .map(drop)
    })
    .await
}

#[server(endpoint = "domains/verify")]
pub async fn verify_domain(id: i64) -> Result<(), AppError> {
    use crate::{api::ssr::as_user, backend::domains};
    as_user(|call, user| async move {
        let admin = user
            .domain_admin(&call.backend, "verify a domain", call.now)
            .await?;
        domains::verify(&call.backend, &admin, id, call.now).await
    })
    .await
}
