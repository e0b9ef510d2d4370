//! The heading and tabs of a domain's pages (Domains → a domain's actions).

use crate::model::route::DomainKind;
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

/// A domain's pages by what it is: (label, path under `/admin/domains/:id/`).
pub fn pages(kind: DomainKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        DomainKind::Hosted => &[
            ("Mailboxes", "mailboxes"),
            ("Aliases", "aliases"),
            ("Domain aliases", "domain-aliases"),
            ("SDR", "sdr"),
            ("Sender addresses", "senders"),
            ("Antispam thresholds", "thresholds"),
            ("Sender lists", "sender-lists"),
            ("Filter settings", "filters"),
            ("Blocked attachments", "attachments"),
            ("Local recipients", "recipients"),
            ("Settings", "settings"),
            ("Admins", "admins"),
        ],
        DomainKind::Relay => &[
            ("Routes", "routes"),
            ("Antispam thresholds", "thresholds"),
            ("Sender lists", "sender-lists"),
            ("Filter settings", "filters"),
            ("Blocked attachments", "attachments"),
            ("Local recipients", "recipients"),
            ("Settings", "settings"),
            ("Admins", "admins"),
        ],
        DomainKind::Alias => &[],
    }
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
        .iter()
        .map(|(label, path)| {
            let href = format!("/admin/domains/{id}/{path}");
            view! { <li><A href=href exact=true>{*label}</A></li> }
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
