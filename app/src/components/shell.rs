//! The frame around every signed-in screen: skip link, header, navigation by role, sign
//! out, and the role guard all protected routes go through.

use crate::{
    api::auth::{page_access, SignOut},
    model::{grant::Area, rows::Me, Role},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Redirect, A},
    hooks::use_location,
};

/// Renders `children` for a signed-in person whose role includes `role`; sends anyone
/// else to sign in, or shows "no access" (HTTP 403, audited). The server functions check
/// the role again themselves: this guard only decides what the page shows.
#[component]
pub fn RequireRole(role: Role, children: ChildrenFn) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let access = Resource::new(move || (), move |_| page_access(role, path.clone()));
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match access.await {
                    // An admin the policy requires to have a second factor sets it up first.
                    Ok(Some(a)) if a.enrol_first => {
                        view! { <Redirect path="/account/two-factor"/> }.into_any()
                    }
                    Ok(Some(a)) if a.allowed => {
                        view! { <Frame me=a.me>{children.read_value()()}</Frame> }.into_any()
                    }
                    Ok(Some(a)) => view! { <Frame me=a.me><NoAccess/></Frame> }.into_any(),
                    Ok(None) => view! { <Redirect path="/sign-in"/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NoAccess() -> impl IntoView {
    crate::pages::set_http_status(403);
    view! {
        <Title text="No access"/>
        <h1>"No access"</h1>
        <p>"Your account does not have access to this screen. Choose one from the menu."</p>
    }
}

/// One navigation entry: where, what it is called, the least role that sees it, and the
/// admin area it belongs to (a sub-admin sees their areas' entries only).
struct NavItem {
    href: &'static str,
    label: &'static str,
    role: Role,
    area: Option<Area>,
}

/// Auto migration's screen: in the menu of migrated accounts only.
const MIGRATION: &str = "/account/migration";

const NAV: &[NavItem] = &[
    NavItem {
        href: "/account",
        label: "Overview",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/password",
        label: "Password",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/recovery-email",
        label: "Recovery email",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/sessions",
        label: "Sessions",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/security",
        label: "Security",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/two-factor",
        label: "Two-factor authentication",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/passkeys",
        label: "Passkeys",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/mail-apps",
        label: "Mail apps",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: MIGRATION,
        label: "Mail migration",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/quarantine",
        label: "Quarantine",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/mail-log",
        label: "Mail log",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/account/senders",
        label: "My sender lists",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/learning",
        label: "Teach the spam filter",
        role: Role::MailUser,
        area: None,
    },
    NavItem {
        href: "/admin/domains",
        label: "Domains",
        role: Role::DomainAdmin,
        area: Some(Area::Domains),
    },
    NavItem {
        href: "/stats",
        label: "Statistics",
        role: Role::DomainAdmin,
        area: Some(Area::Logs),
    },
    NavItem {
        href: "/queue",
        label: "Delivery queue",
        role: Role::DomainAdmin,
        area: Some(Area::Queue),
    },
    NavItem {
        href: "/admin/mailbox-access",
        label: "Mailbox access",
        role: Role::DomainAdmin,
        area: Some(Area::Mailboxes),
    },
    NavItem {
        href: "/admin/unlock-codes",
        label: "Unlock 2FA codes",
        role: Role::DomainAdmin,
        area: Some(Area::Security),
    },
    NavItem {
        href: "/admin/security/incidents",
        label: "Security incidents",
        role: Role::DomainAdmin,
        area: Some(Area::Security),
    },
    NavItem {
        href: "/admin/security/logins",
        label: "Login history",
        role: Role::DomainAdmin,
        area: Some(Area::Security),
    },
    NavItem {
        href: "/admin/security/trusted-ips",
        label: "User trusted login IPs",
        role: Role::DomainAdmin,
        area: Some(Area::Security),
    },
    NavItem {
        href: "/admin/audit",
        label: "Audit log",
        role: Role::DomainAdmin,
        area: Some(Area::Security),
    },
    NavItem {
        href: "/account/api-tokens",
        label: "API tokens",
        role: Role::DomainAdmin,
        area: None,
    },
    NavItem {
        href: "/admin/antispam/thresholds",
        label: "Antispam thresholds",
        role: Role::MasterAdmin,
        area: Some(Area::Antispam),
    },
    NavItem {
        href: "/admin/antispam/sender-lists",
        label: "Global sender lists",
        role: Role::MasterAdmin,
        area: Some(Area::Antispam),
    },
    NavItem {
        href: "/admin/admin-two-factor",
        label: "Admin 2FA",
        role: Role::MasterAdmin,
        area: Some(Area::Security),
    },
    NavItem {
        href: "/admin/admin-ip-access",
        label: "Admin IP access list",
        role: Role::MasterAdmin,
        area: Some(Area::Security),
    },
    NavItem {
        href: "/admin/admins",
        label: "Admins",
        role: Role::MasterAdmin,
        area: Some(Area::Security),
    },
];

#[component]
fn Frame(me: Me, children: Children) -> impl IntoView {
    // Screens that differ by role (a master admin's forms) read it from here.
    provide_context(me.clone());
    let sign_out = ServerAction::<SignOut>::new();
    let items = NAV
        .iter()
        .filter(|item| me.role.includes(item.role))
        .filter(|item| item.area.is_none_or(|area| me.rights.reads(area)))
        // Only an account that came from an old server has a copy to follow.
        .filter(|item| item.href != MIGRATION || me.migrated)
        .map(|item| view! { <li><A href=item.href exact=true>{item.label}</A></li> })
        .collect_view();
    view! {
        // rel="external": the browser, not the router, follows it, and so moves focus too.
        <a class="skip-link" href="#main" rel="external">"Skip to content"</a>
        <header class="top-bar">
            <a class="brand" href="/account">"Mail Portal"</a>
            <div class="who">
                <span class="who-email">{me.email.clone()}</span>
                <span class="role-badge">{me.role.label()}</span>
                <ActionForm action=sign_out attr:class="sign-out">
                    <button type="submit" class="secondary">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <div class="layout">
            <nav aria-label="Main" class="side-nav">
                <ul>{items}</ul>
            </nav>
            <main id="main" tabindex="-1">{children()}</main>
        </div>
    }
}
