//! `/admin/security/trusted-ips`: the IP ranges marked safe for the users of one domain
//! (`?domain=…`), each removable; and the search of one IP (`?ip=…`): whether logins from it
//! are refused now, for whom it is marked safe, and "Mark as safe" for a user, which also
//! lifts its block.

use crate::{
    api::security::{list_trusted_ips, search_ip, MarkSearchedIpSafe, RemoveTrustedIp},
    components::{
        form::{bump_on_success, field_error, outcome, Field, FilterInput, Outcome},
        loaded::Loaded,
        mark_safe::{MarkSafeFields, TrustedList},
    },
    model::{
        security::{IpStatus, TrustedIps},
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn TrustedIpsPage() -> impl IntoView {
    let query = use_query_map();
    let domain = Memo::new(move |_| query.with(|q| q.get("domain").and_then(|d| d.parse().ok())));
    let remove = ServerAction::<RemoveTrustedIp>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(remove, changed);
    let list = Resource::new(
        move || (domain.get(), changed.get()),
        |(domain, _)| list_trusted_ips(domain),
    );
    let show = move |t: TrustedIps| view! { <Screen found=t remove/> };
    let ip = Memo::new(move |_| query.with(|q| q.get("ip").unwrap_or_default()));
    let mark = ServerAction::<MarkSearchedIpSafe>::new();
    let marked = RwSignal::new(0u32);
    bump_on_success(mark, marked);
    let status = Resource::new(
        move || (ip.get(), marked.get(), changed.get()),
        |(ip, _, _)| async move {
            if ip.trim().is_empty() {
                Ok(None)
            } else {
                search_ip(ip).await.map(Some)
            }
        },
    );
    let show_ip = move |s: Option<IpStatus>| s.map(|s| view! { <IpFound found=s mark remove/> });
    view! {
        <Title text="User trusted login IPs"/>
        <h1>"User trusted login IPs"</h1>
        <p class="hint">"IPs marked safe for a user raise no security incidents. Mark an IP safe from the user's login history, or search it below."</p>
        <Loaded resource=list ok=show/>
        <h2>"Search an IP"</h2>
        <Form method="GET" action="/admin/security/trusted-ips" attr:class="filters" attr:role="search" attr:aria-label="Search an IP">
            <FilterInput name="ip" label="IP address" kind="search" value=ip.get_untracked()/>
            <div class="filter-actions"><button type="submit">"Search IP"</button></div>
        </Form>
        <Loaded resource=status ok=show_ip/>
    }
}

/// One IP: refused or not, marked safe for whom, and the form to mark it safe for a user.
#[component]
fn IpFound(
    found: IpStatus,
    mark: ServerAction<MarkSearchedIpSafe>,
    remove: ServerAction<RemoveTrustedIp>,
) -> impl IntoView {
    let done = outcome(mark);
    let blocked = match &found.blocked {
        Some((until, why)) => format!("Blocked until {}: {why}.", format_utc(*until)),
        None => "Not blocked by the mail login check.".into(),
    };
    let throttled = match found.throttled_secs {
        Some(secs) => format!(
            "Logins from it must wait {secs} more seconds: {} failed logins this hour.",
            found.failures
        ),
        None => format!("{} failed logins this hour; not throttled.", found.failures),
    };
    let domains = found
        .domains
        .iter()
        .map(|(id, name)| view! { <option value=*id>{name.clone()}</option> })
        .collect_view();
    view! {
        <section aria-labelledby="ip-heading">
            <h3 id="ip-heading">{found.ip.clone()} " (" {found.country.clone()} ")"</h3>
            <ul>
                <li>{blocked}</li>
                <li>{throttled}</li>
            </ul>
            <h4>"Marked safe for"</h4>
            <TrustedList rows=found.trusted remove show_user=true/>
            <ActionForm action=mark attr:class="card" attr:aria-labelledby="mark-ip-heading">
                <h4 id="mark-ip-heading">"Mark as safe for a user"</h4>
                <p class="hint">"The user's logins from this range raise no incidents, and any block on an address in it ends now."</p>
                <div class="field">
                    <label for="mark-ip-domain">"User's domain"</label>
                    <select id="mark-ip-domain" name="domain">{domains}</select>
                </div>
                <Field label="User name" name="username" id="mark-ip-username"
                    hint="The part of the address before the @."
                    error=field_error(done, "username")/>
                <MarkSafeFields ip=found.ip.clone() done/>
                <Outcome outcome=done success="Marked as safe."/>
                <button type="submit" disabled=move || mark.pending().get()>"Mark as safe"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Screen(found: TrustedIps, remove: ServerAction<RemoveTrustedIp>) -> impl IntoView {
    let chosen = found.domain;
    let options = found
        .domains
        .iter()
        .map(|(id, name)| view! { <option value=*id selected=chosen == Some(*id)>{name.clone()}</option> })
        .collect_view();
    let name = chosen
        .and_then(|id| found.domains.iter().find(|(d, _)| *d == id))
        .map(|(_, n)| n.clone());
    let results = name.map(|name| {
        view! {
            <section aria-labelledby="trusted-domain-heading">
                <h2 id="trusted-domain-heading">"Marked safe in " {name}</h2>
                <TrustedList rows=found.rows remove show_user=true/>
            </section>
        }
    });
    view! {
        <Form method="GET" action="/admin/security/trusted-ips" attr:class="filters" attr:role="search" attr:aria-label="Choose a domain">
            <div class="field">
                <label for="domain">"Domain"</label>
                <select id="domain" name="domain">
                    <option value="" selected=chosen.is_none()>"Choose a domain"</option>
                    {options}
                </select>
            </div>
            <div class="filter-actions"><button type="submit">"Search"</button></div>
        </Form>
        {results}
    }
}
