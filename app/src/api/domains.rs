//! The Domains screen: the caller's domains, adding one (master admins), checking its
//! DNS TXT record, and who administers it.

use crate::{
    error::AppError,
    model::rows::{DomainAdmins, DomainAliases, DomainList},
};
use leptos::prelude::*;

admin_fn! {
    #[needs(Domains, Read)]
    #[server(endpoint = "admin/domains")]
    pub async fn list_domains(
        #[server(default)] search: Option<String>,
        #[server(default)] page: Option<i64>,
    ) -> Result<DomainList, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domains};
        as_domain_admin("list domains", |call, admin| async move {
            let search = search.unwrap_or_default();
            domains::list(&call.backend, &admin, &search, page).await
        })
        .await
    }
}

admin_fn! {
    /// `kind` is `hosted` (the default) or `relay`; a relay domain needs its first route in
    /// `destination`.
    #[needs(Domains, Write)]
    #[server(endpoint = "domains/add")]
    pub async fn add_domain(
        name: String,
        kind: Option<String>,
        destination: Option<String>,
    ) -> Result<(), AppError> {
        use crate::{api::ssr::as_master_admin, backend::domains};
        as_master_admin("add a domain", |call, master| async move {
            let relay_to = match kind.as_deref() {
                Some("relay") => Some(destination.as_deref().unwrap_or_default()),
                None | Some("hosted") => None,
                Some(_) => return Err(AppError::invalid("kind", "Choose hosted or relayed.")),
            };
            domains::add(&call.backend, &master, &name, relay_to, call.now)
                .await
                .map(drop)
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "domains/verify")]
    pub async fn verify_domain(id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domains};
        as_domain_admin("verify a domain", |call, admin| async move {
            domains::verify(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Read)]
    #[server(endpoint = "domains/admins")]
    pub async fn list_domain_admins(domain: i64) -> Result<DomainAdmins, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domain_admins};
        as_domain_admin("list a domain's admins", |call, admin| async move {
            domain_admins::list(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "domains/admins/assign")]
    pub async fn assign_domain_admin(domain: i64, email: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_master_admin, backend::domain_admins};
        as_master_admin("assign a domain admin", |call, master| async move {
            domain_admins::assign(&call.backend, &master, domain, &email, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "domains/admins/remove")]
    pub async fn remove_domain_admin(domain: i64, account: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_master_admin, backend::domain_admins};
        as_master_admin("remove a domain admin", |call, master| async move {
            domain_admins::remove(&call.backend, &master, domain, account, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Read)]
    #[server(endpoint = "domains/aliases")]
    pub async fn list_domain_aliases(domain: i64) -> Result<DomainAliases, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domain_aliases};
        as_domain_admin("list domain aliases", |call, admin| async move {
            domain_aliases::list(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "domains/aliases/add")]
    pub async fn add_domain_alias(domain: i64, name: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domain_aliases};
        as_domain_admin("add a domain alias", |call, admin| async move {
            domain_aliases::add(&call.backend, &admin, domain, &name, call.now)
                .await
                .map(drop)
        })
        .await
    }
}

admin_fn! {
    #[needs(Domains, Write)]
    #[server(endpoint = "domains/aliases/delete")]
    pub async fn delete_domain_alias(id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::domain_aliases};
        as_domain_admin("delete a domain alias", |call, admin| async move {
            domain_aliases::delete(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}
