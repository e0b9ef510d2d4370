//! `/admin/domains`: the domains the admin looks after (every domain for a master admin,
//! who also adds them, hosted here or relayed to another server; domain aliases are added
//! on their main domain's page). A domain is unverified until its DNS TXT record is found; the
//! screen shows the record to publish and checks it on request.

use crate::{
    api::domains::{list_domains, AddDomain},
    components::{
        domain_tabs::pages,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        paging::{use_list_query, Pager, SearchForm},
        table::DataTable,
        transfer::Transfer,
        verify_domain::Verify,
    },
    model::{
        route::Destination,
        rows::{DomainList, DomainRow, Me},
        time::format_utc,
        transfer::Dataset,
        DomainName, Role,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn DomainsPage() -> impl IntoView {
    let master = use_context::<Me>().is_some_and(|me| me.role == Role::MasterAdmin);
    let add = ServerAction::<AddDomain>::new();
    // Reloaded when a domain was added or verified.
    let changed = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(()))) {
            changed.update(|n| *n += 1);
        }
    });
    let query = use_list_query();
    let domains = Resource::new(
        move || (query.get(), changed.get()),
        |(q, _)| list_domains(Some(q.search), Some(q.page)),
    );
    view! {
        <Title text="Domains"/>
        <h1>"Domains"</h1>
        {master.then(|| view! { <AddForm add/> })}
        <Loaded resource=domains ok=move |list| view! { <Domains list search=query.get_untracked().search changed/> }/>
        {master.then(|| view! {
            <Transfer dataset=Dataset::Domains domain=Signal::stored(None) changed also=Dataset::RelayDomains/>
        })}
    }
}

#[component]
fn AddForm(add: ServerAction<AddDomain>) -> impl IntoView {
    let outcome = outcome(add);
    view! {
        <ActionForm action=add attr:class="card">
            <Field label="Domain name" name="name" hint="For example example.org. It stays unverified until its DNS record is found."
                error=field_error(outcome, "name") check=|v| DomainName::parse(v).map(drop)/>
            <fieldset>
                <legend>"Its mail"</legend>
                <div class="check">
                    <input type="radio" id="kind-hosted" name="kind" value="hosted" checked=true/>
                    <label for="kind-hosted">"Hosted here: its mailboxes are on this host"</label>
                </div>
                <div class="check">
                    <input type="radio" id="kind-relay" name="kind" value="relay"/>
                    <label for="kind-relay">"Relayed: all its mail goes on to another server"</label>
                </div>
            </fieldset>
            <Field label="Destination server (relayed domains)" name="destination" required=false
                hint="For example mx.example.org or 192.0.2.10:25. More routes can be added later."
                error=field_error(outcome, "destination") check=|v| Destination::parse(v).map(drop)/>
            <Outcome outcome success="The domain was added. Publish its TXT record, then verify it below."/>
            <button type="submit" disabled=move || add.pending().get()>"Add domain"</button>
        </ActionForm>
    }
}

#[component]
fn Domains(list: DomainList, search: String, changed: RwSignal<u32>) -> impl IntoView {
    let DomainList { page, missing } = list;
    let rows = page.rows.clone();
    let search_form = view! { <SearchForm what="domains" search=search.clone()/> };
    if rows.is_empty() {
        let none = if search.is_empty() {
            "No domains yet."
        } else {
            "No domain matches this search."
        };
        return view! { {search_form} <p class="empty">{none}</p> }.into_any();
    }
    // Unverified, or verified once and since then not found by the daily re-check.
    let unverified: Vec<DomainRow> = rows
        .iter()
        .filter(|d| d.verified_at.is_none() || d.record_missing_since.is_some())
        .cloned()
        .collect();
    let missing = missing
        .into_iter()
        .map(|(name, since)| {
            view! {
                <p class="warning" role="alert">
                    {format!(
                        "The DNS record of {name} was not found on {}. Mail for it is still accepted; \
                         publish the record again, or remove the domain if it moved elsewhere.",
                        format_utc(since)
                    )}
                </p>
            }
        })
        .collect_view();
    let lines = rows
        .into_iter()
        .map(|d| {
            let status = match (d.verified_at, d.record_missing_since) {
                (Some(_), Some(since)) => format!("Record missing since {}", format_utc(since)),
                (Some(at), None) => format!("Verified {}", format_utc(at)),
                (None, _) => "Not verified".to_string(),
            };
            let kind = match &d.alias_of {
                Some(main) => format!("Alias of {main}"),
                None => d.kind.label().to_string(),
            };
            // Domains → Actions: the domain's own pages.
            let links = pages(d.kind)
                .into_iter()
                .map(|(label, page)| {
                    let href = format!("/admin/domains/{}/{page}", d.id);
                    let of = format!(" of {}", d.name);
                    view! { <A href=href>{label}<span class="visually-hidden">{of.clone()}</span></A> }
                })
                .collect_view();
            view! {
                <tr>
                    <td data-label="Domain">{d.name.clone()}</td>
                    <td data-label="Kind">{kind}</td>
                    <td data-label="Status">{status}</td>
                    <td data-label="Mailboxes">{d.mailbox_count}</td>
                    <td data-label="Added" class="time">{format_utc(d.created_at)}</td>
                    <td><div class="inline-actions">{links}</div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {missing}
        {search_form}
        <DataTable label="Domains" columns=&["Domain", "Kind", "Status", "Mailboxes", "Added"] actions=true>
            {lines}
        </DataTable>
        <Pager page what="domains"/>
        {unverified.into_iter().map(|d| view! { <Verify d changed/> }).collect_view()}
    }
    .into_any()
}
