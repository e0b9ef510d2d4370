//! Login history, security incidents and trusted login IPs.

use crate::{
    error::AppError,
    model::security::{Incident, IpStatus, MySecurity, TrustedIpRow, TrustedIps, UserLogins},
};
use leptos::prelude::*;

#[server(endpoint = "account/security")]
pub async fn load_my_security() -> Result<MySecurity, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move { crate::backend::security::mine(&call.backend, &user).await })
        .await
}

admin_fn! {
    #[needs(Security, Read)]
    #[server(endpoint = "security/user-logins")]
    pub async fn list_user_logins(email: String) -> Result<UserLogins, AppError> {
        use crate::api::ssr::as_domain_admin;
        as_domain_admin("read a user's logins", |call, admin| async move {
            crate::backend::security::user_logins(&call.backend, &admin, &email, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Read)]
    #[server(endpoint = "security/incidents")]
    pub async fn security_incidents() -> Result<Vec<Incident>, AppError> {
        use crate::api::ssr::as_domain_admin;
        as_domain_admin("read the security incidents", |call, admin| async move {
            crate::backend::security::incidents(&call.backend, &admin, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Whether the admin home shows "New security incidents detected"; always false for a
    /// mail user.
    #[needs(Security, Read)]
    #[server(endpoint = "security/new-incidents")]
    pub async fn new_security_incidents() -> Result<bool, AppError> {
        use crate::{api::ssr::as_user, model::Role};
        as_user(|call, user| async move {
            if user.role == Role::MailUser {
                return Ok(false);
            }
            let admin = user
                .domain_admin(&call.backend, "read the security incidents", call.now)
                .await?;
            crate::backend::security::new_incidents(&call.backend, &admin, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "security/mark-safe")]
    pub async fn mark_ip_safe(
        email: String,
        ip: String,
        prefix: String,
        description: String,
    ) -> Result<TrustedIpRow, AppError> {
        use crate::{api::ssr::as_domain_admin, model::security::MarkSafe};
        as_domain_admin("mark an IP as safe", |call, admin| async move {
            let form = MarkSafe {
                ip,
                prefix,
                description,
            };
            let user = crate::backend::security::Named::Address(&email);
            crate::backend::security::mark_safe(&call.backend, &admin, user, &form, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Read)]
    #[server(endpoint = "security/trusted-ips")]
    pub async fn list_trusted_ips(
        #[server(default)] domain_id: Option<i64>,
    ) -> Result<TrustedIps, AppError> {
        use crate::api::ssr::as_domain_admin;
        as_domain_admin("read the trusted login IPs", |call, admin| async move {
            crate::backend::security::trusted_in_domain(&call.backend, &admin, domain_id, call.now)
                .await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Write)]
    #[server(endpoint = "security/trusted-ips/delete")]
    pub async fn remove_trusted_ip(id: i64) -> Result<(), AppError> {
        use crate::api::ssr::as_domain_admin;
        as_domain_admin("remove a trusted login IP", |call, admin| async move {
            crate::backend::security::remove_trusted(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Security, Read)]
    #[server(endpoint = "security/ip")]
    pub async fn search_ip(ip: String) -> Result<IpStatus, AppError> {
        use crate::api::ssr::as_domain_admin;
        as_domain_admin("search an IP", |call, admin| async move {
            crate::backend::security::ip_status(&call.backend, &admin, &ip, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// "Mark as safe" from the IP search: the user is named by domain and user name.
    #[needs(Security, Write)]
    #[server(endpoint = "security/ip/mark-safe")]
    pub async fn mark_searched_ip_safe(
        domain: i64,
        username: String,
        ip: String,
        prefix: String,
        description: String,
    ) -> Result<TrustedIpRow, AppError> {
        use crate::{
            api::ssr::as_domain_admin,
            backend::security::{mark_safe, Named},
            model::security::MarkSafe,
        };
        as_domain_admin("mark an IP as safe", |call, admin| async move {
            let form = MarkSafe {
                ip,
                prefix,
                description,
            };
            let user = Named::InDomain {
                domain_id: domain,
                username: &username,
            };
            mark_safe(&call.backend, &admin, user, &form, call.now).await
        })
        .await
    }
}
