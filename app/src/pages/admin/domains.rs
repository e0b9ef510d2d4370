//! `/admin/domains`: the domains the admin looks after (every domain for a master admin).

use crate::{
    api::admin::list_domains,
    components::{loaded::Loaded, table::DataTable},
    model::{rows::DomainRow, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DomainsPage() -> impl IntoView {
    let domains = Resource::new(|| (), |_| list_domains());
    view! {
        <Title text="Domains"/>
        <h1>"Domains"</h1>
        <Loaded resource=domains ok=domain_table/>
    }
}

fn domain_table(rows: Vec<DomainRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
                    <p>"No domains yet. Add one with " <code>"mailportal domain add example.org"</code> "."</p>
                }.into_any();
    }
    view! {
        <DataTable label="Domains" columns=&["Domain", "Mailboxes", "Added"]>
                {rows.into_iter().map(|d| view! {
                        <tr>
                            <td data-label="Domain">{d.name}</td>
                            <td data-label="Mailboxes">{d.mailbox_count}</td>
                            <td data-label="Added" class="time">{format_utc(d.created_at)}</td>
                        </tr>
                    }).collect_view()}
            </DataTable>
    }
    .into_any()
}
