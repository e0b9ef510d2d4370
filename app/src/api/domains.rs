//! The Domains screen: the caller's domains, adding one (master admins), checking its
//! DNS TXT record, and who administers it.

use crate::{
    error::AppError,
    model::rows::{DomainAdmins, DomainRow},
};
use leptos::prelude::*;

#[server(endpoint = "admin/domains")]
pub async fn list_domains() -> Result<Vec<DomainRow>, AppError> {
    use crate::{api::ssr::as_domain_admin, backend::domains};
    as_domain_admin("list domains", |call, admin| async move {
        domains::list(&call.backend, &admin).await
    })
    .await
}

#[server(endpoint = "domains/add")]
pub async fn add_domain(name: String) -> Result<(), AppError> {
    use crate::{api::ssr::as_master_admin, backend::domains};
    as_master_admin("add a domain", |call, master| async move {
        domains::add(&call.backend, &master, &name, call.now)
            .await
            .map(drop)
    })
    .await
}

#[server(endpoint = "domains/verify")]
pub async fn verify_domain(id: i64) -> Result<(), AppError> {
    use crate::{api::ssr::as_domain_admin, backend::domains};
    as_domain_admin("verify a domain", |call, admin| async move {
        domains::verify(&call.backend, &admin, id, call.now).await
    })
    .await
}

#[server(endpoint = "domains/admins")]
pub async fn list_domain_admins(domain: i64) -> Result<DomainAdmins, AppError> {
    use crate::{api::ssr::as_domain_admin, backend::domain_admins};
    as_domain_admin("list a domain's admins", |call, admin| async move {
        domain_admins::list(&call.backend, &admin, domain, call.now).await
    })
    .await
}

#[server(endpoint = "domains/admins/assign")]
pub async fn assign_domain_admin(domain: i64, email: String) -> Result<(), AppError> {
    use crate::{api::ssr::as_master_admin, backend::domain_admins};
    as_master_admin("assign a domain admin", |call, master| async move {
        domain_admins::assign(&call.backend, &master, domain, &email, call.now).await
    })
    .await
}

#[server(endpoint = "domains/admins/remove")]
pub async fn remove_domain_admin(domain: i64, account: i64) -> Result<(), AppError> {
    use crate::{api::ssr::as_master_admin, backend::domain_admins};
    as_master_admin("remove a domain admin", |call, master| async move {
        domain_admins::remove(&call.backend, &master, domain, account, call.now).await
    })
    .await
}
