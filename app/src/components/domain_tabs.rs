//! The heading and tabs of a domain's pages (Domains → a domain's actions).

use crate::model::{grant::Area, route::DomainKind, rows::Me};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

/// The domain id in the address (`/admin/domains/:id/…`); 0 when it is not a number,
/// which no domain has, so the server answers "not found".
pub fn use_domain_id() -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .with(|p| p.get("id").and_then(|id| id.parse().ok()))
            .unwrap_or(0)
    })
}

/// A domain's pages by what it is: (label, path under `/admin/domains/:id/`, area).
fn all_pages(kind: DomainKind) -> &'static [(&'static str, &'static str, Area)] {
    match kind {
        DomainKind::Hosted => &[
            ("Mailboxes", "mailboxes", Area::Mailboxes),
            ("Aliases", "aliases", Area::Mailboxes),
            ("Domain aliases", "domain-aliases", Area::Domains),
            ("SDR", "sdr", Area::Domains),
            ("Sender addresses", "senders", Area::Mailboxes),
            ("Antispam thresholds", "thresholds", Area::Antispam),
            ("Sender lists", "sender-lists", Area::Antispam),
            ("Filter settings", "filters", Area::Antispam),
            ("Blocked attachments", "attachments", Area::Antispam),
            ("Local recipients", "recipients", Area::Mailboxes),
            ("Auto migration", "migration", Area::Mailboxes),
            ("Settings", "settings", Area::Domains),
            ("Admins", "admins", Area::Security),
        ],
        DomainKind::Relay => &[
            ("Routes", "routes", Area::Domains),
            ("Antispam thresholds", "thresholds", Area::Antispam),
            ("Sender lists", "sender-lists", Area::Antispam),
            ("Filter settings", "filters", Area::Antispam),
            ("Blocked attachments", "attachments", Area::Antispam),
            ("Local recipients", "recipients", Area::Mailboxes),
            ("Settings", "settings", Area::Domains),
            ("Admins", "admins", Area::Security),
        ],
        DomainKind::Alias => &[],
    }
}

/// The pages of a domain the signed-in admin's rights reach: (label, path).
pub fn pages(kind: DomainKind) -> Vec<(&'static str, &'static str)> {
    let rights = use_context::<Me>().map(|me| me.rights);
    all_pages(kind)
        .iter()
        .filter(|(_, _, area)| rights.as_ref().is_none_or(|r| r.reads(*area)))
        .map(|(label, path, _)| (*label, *path))
        .collect()
}

/// `<h1>` with the screen and domain names, then links to the domain's other screens.
#[component]
pub fn DomainTabs(
    id: i64,
    domain: String,
    screen: &'static str,
    #[prop(default = DomainKind::Hosted)] kind: DomainKind,
) -> impl IntoView {
    let tabs = pages(kind)
        .into_iter()
        .map(|(label, path)| {
            let href = format!("/admin/domains/{id}/{path}");
            view! { <li><A href=href exact=true>{label}</A></li> }
        })
        .collect_view();
    let title = format!("{screen} of {domain}");
    view! {
        <Title text=title.clone()/>
        <p><A href="/admin/domains">"All domains"</A></p>
        <h1>{title}</h1>
        <nav class="tabs" aria-label=format!("Pages of {domain}")>
            <ul>{tabs}</ul>
        </nav>
    }
}
