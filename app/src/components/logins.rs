//! A list of logins, newest first: when, from where (IP and country), how (portal or mail
//! protocol, and the credential), and what came of it. An admin's copy has a button per
//! row that opens "Mark as safe" for the row's IP.

use crate::{
    components::table::DataTable,
    model::{
        security::{credential_label, protocol_label, result_label, LoginRow},
        time::format_utc,
    },
};
use leptos::prelude::*;

#[component]
pub fn LoginTable(
    rows: Vec<LoginRow>,
    /// Set to the row's IP and the button's id by its "Mark as safe" button (focus goes
    /// back to the button when the dialog closes); no buttons without it.
    #[prop(optional)]
    mark_safe: Option<RwSignal<Option<(String, String)>>>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No logins yet."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            let result_class = if r.success { "ok" } else { "refused" };
            let trusted = r.trusted.clone().map(|n| {
                view! { <span class="badge">"Marked safe (" {n} ")"</span> }
            });
            let action = mark_safe.filter(|_| r.trusted.is_none()).map(|open| {
                let ip = r.ip.clone();
                let context = format!(" {} at {}", r.ip, format_utc(r.at));
                let id = format!("mark-safe-{}", r.id);
                let opener = id.clone();
                view! {
                    <button type="button" class="secondary" id=id
                        on:click=move |_| open.set(Some((ip.clone(), opener.clone())))>
                        "Mark as safe"<span class="visually-hidden">{context}</span>
                    </button>
                }
            });
            view! {
                <tr>
                    <td data-label="When" class="time">{format_utc(r.at)}</td>
                    <td data-label="IP address">{r.ip.clone()} " " {trusted}</td>
                    <td data-label="Country">{r.country.clone()}</td>
                    <td data-label="Way in">{protocol_label(&r.protocol)}</td>
                    <td data-label="Credential">{credential_label(&r.credential)}</td>
                    <td data-label="Result" class=result_class>{result_label(&r.result)}</td>
                    <td data-label="App">{r.client.clone()}</td>
                    {mark_safe.map(|_| view! { <td>{action}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Logins, newest first"
            columns=&["When", "IP address", "Country", "Way in", "Credential", "Result", "App"]
            actions=mark_safe.is_some()>
            {rows}
        </DataTable>
    }
    .into_any()
}
