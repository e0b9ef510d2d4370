//! `/admin/audit`: the newest audit log entries (master admins).

use crate::{
    api::admin::list_audit,
    components::{loaded::Loaded, table::DataTable},
    model::{rows::AuditRow, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| list_audit());
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <Loaded resource=entries ok=audit_table/>
    }
}

fn audit_table(rows: Vec<AuditRow>) -> impl IntoView {
    view! {
            <DataTable label="Audit log, newest first" columns=&["When", "Who", "What", "Detail", "From"]>
                {rows.into_iter().map(|r| view! {
                            <tr>
                                <td data-label="When" class="time">{format_utc(r.at)}</td>
                                <td data-label="Who">{r.actor.unwrap_or_else(|| "—".into())}</td>
                                <td data-label="What">{action_label(&r.action)}</td>
                                <td data-label="Detail">{r.detail}</td>
                                <td data-label="From">{r.ip.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
            </DataTable>
    }
}

/// `access_denied` → "Access denied".
fn action_label(action: &str) -> String {
    let words = action.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
