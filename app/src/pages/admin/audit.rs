//! `/admin/audit`: the newest audit log entries (master admins).

use crate::{api::admin::list_audit, model::time::format_utc};
use crate::components::table::TableRegion;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| list_audit());
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(rows) => view! {
                        <TableRegion label="Audit log">
                            <table class="cards">
                                <caption class="visually-hidden">"Audit log, newest first"</caption>
                                <thead><tr>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"What"</th>
                                    <th scope="col">"Detail"</th>
                                    <th scope="col">"From"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td data-label="When">{format_utc(r.at)}</td>
                                            <td data-label="Who">{r.actor.unwrap_or_else(|| "—".into())}</td>
                                            <td data-label="What">{r.action}</td>
                                            <td data-label="Detail">{r.detail}</td>
                                            <td data-label="From">{r.ip.unwrap_or_default()}</td>
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
