//! Mail Portal's isomorphic crate: shared types (`model`), server functions (`api`),
//! screens (`pages`, `components`) and, with feature "ssr", the `backend`.

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
pub mod webauthn;

#[cfg(feature = "ssr")]
pub mod backend;

use components::shell::RequireRole;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};
use model::Role;
use pages::{
    account, admin, mail, not_found::NotFound, reset, setup::SetupPage, sign_in::SignInPage,
    sign_in_code::SignInCodePage, sign_up::SignUpPage,
};

/// A screen only `role` (and roles above it) may open; see `RequireRole`.
fn guarded<V: IntoView + 'static>(role: Role, page: fn() -> V) -> impl IntoView {
    view! { <RequireRole role>{page()}</RequireRole> }
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The routes. Every route renders fully on the server before it is sent (`Async`), so
/// redirects and status codes (401, 403, 404) reach the browser as HTTP.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="mailportal" href="/pkg/mailportal.css"/>
        <Title formatter=|page: String| format!("{page} · Mail Portal")/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=pages::home::Home ssr=SsrMode::Async/>
                <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/sign-in/code") view=SignInCodePage ssr=SsrMode::Async/>
                <Route path=path!("/sign-up") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/setup/:token") view=SetupPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=reset::request::ResetRequestPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token") view=reset::complete::ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/account") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::overview::OverviewPage)/>
                <Route path=path!("/account/password") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::password::PasswordPage)/>
                <Route path=path!("/account/recovery-email") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::recovery_email::RecoveryEmailPage)/>
                <Route path=path!("/account/sessions") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::sessions::SessionsPage)/>
                <Route path=path!("/account/security") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::security::SecurityPage)/>
                <Route path=path!("/account/mail-apps") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::mail_apps::MailAppsPage)/>
                <Route path=path!("/account/migration") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::migration::MigrationPage)/>
                <Route path=path!("/account/passkeys") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::passkeys::PasskeysPage)/>
                <Route path=path!("/account/two-factor") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::two_factor::TwoFactorPage)/>
                <Route path=path!("/admin/admins") ssr=SsrMode::Async view=|| guarded(Role::MasterAdmin, admin::admins::AdminsPage)/>
                <Route path=path!("/account/api-tokens") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, account::api_tokens::ApiTokensPage)/>
                <Route path=path!("/account/api") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, account::api::ApiPage)/>
                <Route path=path!("/account/senders") ssr=SsrMode::Async view=|| guarded(Role::MailUser, account::sender_lists::MySenderListsPage)/>
                <Route path=path!("/quarantine") ssr=SsrMode::Async view=|| guarded(Role::MailUser, mail::quarantine::QuarantinePage)/>
                <Route path=path!("/quarantine/:id") ssr=SsrMode::Async view=|| guarded(Role::MailUser, mail::quarantine_message::QuarantineMessagePage)/>
                <Route path=path!("/quarantine/digest/:token") view=mail::digest_link::DigestLinkPage ssr=SsrMode::Async/>
                <Route path=path!("/mail-log") ssr=SsrMode::Async view=|| guarded(Role::MailUser, mail::mail_log::MailLogPage)/>
                <Route path=path!("/learning") ssr=SsrMode::Async view=|| guarded(Role::MailUser, mail::learning::LearningPage)/>
                <Route path=path!("/stats") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, mail::stats::StatsPage)/>
                <Route path=path!("/stats/blocked-senders") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, mail::blocked_senders::BlockedSendersPage)/>
                <Route path=path!("/queue") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, mail::delivery_queue::DeliveryQueuePage)/>
                <Route path=path!("/admin/domains") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::domains::DomainsPage)/>
                <Route path=path!("/admin/domains/:id/mailboxes") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::mailboxes::MailboxesPage)/>
                <Route path=path!("/admin/domains/:id/aliases") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::aliases::AliasesPage)/>
                <Route path=path!("/admin/domains/:id/domain-aliases") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::domain_aliases::DomainAliasesPage)/>
                <Route path=path!("/admin/domains/:id/routes") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::routes::RoutesPage)/>
                <Route path=path!("/admin/domains/:id/sdr") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::sdr::SdrPage)/>
                <Route path=path!("/admin/domains/:id/senders") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::senders::SendersPage)/>
                <Route path=path!("/admin/domains/:id/thresholds") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::thresholds::ThresholdsPage)/>
                <Route path=path!("/admin/domains/:id/sender-lists") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::sender_lists::SenderListsPage)/>
                <Route path=path!("/admin/domains/:id/filters") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::filter_settings::FilterSettingsPage)/>
                <Route path=path!("/admin/domains/:id/attachments") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::attachments::AttachmentsPage)/>
                <Route path=path!("/admin/domains/:id/recipients") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::local_recipients::LocalRecipientsPage)/>
                <Route path=path!("/admin/domains/:id/migration") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::migration::DomainMigrationPage)/>
                <Route path=path!("/admin/antispam/sender-lists") ssr=SsrMode::Async view=|| guarded(Role::MasterAdmin, admin::sender_lists::GlobalSenderListsPage)/>
                <Route path=path!("/admin/antispam/thresholds") ssr=SsrMode::Async view=|| guarded(Role::MasterAdmin, admin::global_thresholds::GlobalThresholdsPage)/>
                <Route path=path!("/admin/domains/:id/settings") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::domain_settings::DomainSettingsPage)/>
                <Route path=path!("/admin/domains/:id/admins") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::domain_admins::DomainAdminsPage)/>
                <Route path=path!("/admin/mailbox-access") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::mailbox_access::MailboxAccessPage)/>
                <Route path=path!("/admin/unlock-codes") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::unlock_codes::UnlockCodesPage)/>
                <Route path=path!("/admin/audit") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::audit::AuditPage)/>
                <Route path=path!("/admin/security/incidents") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::security_incidents::SecurityIncidentsPage)/>
                <Route path=path!("/admin/security/logins") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::login_history::LoginHistoryPage)/>
                <Route path=path!("/admin/security/trusted-ips") ssr=SsrMode::Async view=|| guarded(Role::DomainAdmin, admin::trusted_ips::TrustedIpsPage)/>
                <Route path=path!("/admin/admin-ip-access") ssr=SsrMode::Async view=|| guarded(Role::MasterAdmin, admin::admin_ip_access::AdminIpAccessPage)/>
                <Route path=path!("/admin/admin-two-factor") ssr=SsrMode::Async view=|| guarded(Role::MasterAdmin, admin::admin_two_factor::AdminTwoFactorPage)/>
            </Routes>
        </Router>
    }
}
