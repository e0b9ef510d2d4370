//! `/admin/domains`: the domains the admin looks after (every domain for a master admin).

use crate::{api::admin::list_domains, model::time::format_utc};
use crate::components::table::TableRegion;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DomainsPage() -> impl IntoView {
    let domains = Resource::new(|| (), |_| list_domains());
    view! {
        <Title text="Domains"/>
        <h1>"Domains"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match domains.await {
                    Ok(rows) if rows.is_empty() => view! {
                        <p>"No domains yet. Add one with " <code>"mailportal domain add example.org"</code> "."</p>
                    }.into_any(),
                    Ok(rows) => view! {
                        <TableRegion label="Domains">
                            <table class="cards">
                                <caption class="visually-hidden">"Domains"</caption>
                                <thead><tr>
                                    <th scope="col">"Domain"</th>
                                    <th scope="col">"Mailboxes"</th>
                                    <th scope="col">"Added"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|d| view! {
                                        <tr>
                                            <td data-label="Domain">{d.name}</td>
                                            <td data-label="Mailboxes">{d.mailbox_count}</td>
                                            <td data-label="Added">{format_utc(d.created_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </TableRegion>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
