//! Auto migration: a domain's old IMAP server (Domains → a domain → Auto migration), the
//! sign-up that checks an address and password there and starts the copy, and the copy's
//! progress for the user and the admin.

use crate::{
    error::AppError,
    model::migration::{DomainMigration, MyMigration},
};
use leptos::prelude::*;

admin_fn! {
    /// The domain's old server and every user's copy, newest first.
    #[needs(Mailboxes, Read)]
    #[server(endpoint = "migration/domain")]
    pub async fn get_domain_migration(domain: i64) -> Result<DomainMigration, AppError> {
        use crate::{api::ssr::{as_domain_admin, mail_plane}, backend::migration};
        let local = mail_plane()?.lmtp.is_none();
        as_domain_admin("see a domain's migration", |call, admin| async move {
            migration::domain_view(&call.backend, &admin, domain, local, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// `server` is `host` or `host:port`; `security` is `tls`, `starttls` or `plain`;
    /// `enabled` is a checkbox (present when ticked): whether users may sign up now.
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "migration/source/save")]
    pub async fn save_migration_source(
        domain: i64,
        server: String,
        security: String,
        enabled: Option<String>,
    ) -> Result<(), AppError> {
        use crate::{api::ssr::{as_domain_admin, mail_plane}, backend::migration};
        let local = mail_plane()?.lmtp.is_none();
        as_domain_admin("set a domain's old IMAP server", |call, admin| async move {
            migration::save_source(
                &call.backend,
                &admin,
                domain,
                (&server, &security, enabled.is_some()),
                local,
                call.now,
            )
            .await
        })
        .await
    }
}

admin_fn! {
    /// Ends sign-ups for the domain; copies under way go on.
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "migration/source/remove")]
    pub async fn remove_migration_source(domain: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::migration};
        as_domain_admin("remove a domain's old IMAP server", |call, admin| async move {
            migration::remove_source(&call.backend, &admin, domain, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Queues a failed or cancelled copy again; it goes on where it stopped.
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "migration/retry")]
    pub async fn retry_migration(domain: i64, id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::migration};
        as_domain_admin("retry a mail migration", |call, admin| async move {
            migration::retry(&call.backend, &admin, domain, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Stops a copy and forgets the old password; what was copied stays.
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "migration/cancel")]
    pub async fn cancel_migration(domain: i64, id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::migration};
        as_domain_admin("cancel a mail migration", |call, admin| async move {
            migration::cancel(&call.backend, &admin, domain, id, call.now).await
        })
        .await
    }
}

/// Sign-up with an address of a domain that moves here and its password on the old server:
/// checked there over IMAP, then the account is created with that password, the copy is
/// queued and the browser is signed in and sent to `/account/migration`.
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(email: String, password: String) -> Result<(), AppError> {
    use crate::api::ssr::{mail_plane, reply, set_cookie, Call};
    use crate::backend::{auth::session, migration};
    let call = Call::new()?;
    let local = reply(mail_plane())?.lmtp.is_none();
    let token = reply(
        migration::sign_up(
            &call.backend,
            &call.meta,
            &email,
            &password,
            local,
            call.now,
        )
        .await,
    )?;
    set_cookie(&session::set_cookie(&call.backend.settings, &token));
    leptos_axum::redirect("/account/migration");
    Ok(())
}

/// The caller's own copy, or `None` when their account did not come by sign-up.
#[server(endpoint = "account/migration")]
pub async fn get_my_migration() -> Result<Option<MyMigration>, AppError> {
    use crate::{api::ssr::as_user, backend::migration};
    as_user(|call, user| async move { migration::mine(&call.backend, &user).await }).await
}

/// Copies again what is new on the old server (or what a cancelled copy left), with the
/// old password typed again: the portal forgets it once a copy ends.
#[server(endpoint = "account/migration/restart")]
pub async fn restart_my_migration(password: String) -> Result<(), AppError> {
    use crate::{api::ssr::as_user, backend::migration};
    as_user(|call, user| async move {
        migration::restart(&call.backend, &call.meta, &user, &password, call.now).await
    })
    .await
}
