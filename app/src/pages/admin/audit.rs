//! `/admin/audit`: the audit log, newest first, filtered by who, what, when and from
//! where. Master admins read all of it; a domain admin reads their domains' entries. The
//! filters live in the address like a search, so a filtered log can be bookmarked.

use crate::{
    api::admin::audit_page,
    components::{form::FilterInput, loaded::Loaded, paging::Pager, table::DataTable},
    model::{
        audit::{action_label, AuditFilter, AuditLog},
        list::page_number,
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            let filter = AuditFilter {
                who: get("who"),
                action: get("action"),
                since: get("since"),
                until: get("until"),
                ip: get("ip"),
                domain: get("domain"),
            };
            let page = page_number(q.get("page").and_then(|p| p.parse().ok()));
            (filter, page)
        })
    });
    let log = Resource::new(
        move || asked.get(),
        |(filter, page)| audit_page(filter, page),
    );
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <p class="hint">"Every change made in the portal or on the command line, and every refused request. Times are UTC."</p>
        <Loaded resource=log ok=move |log| view! { <Screen log filter=asked.get_untracked().0/> }/>
    }
}

#[component]
fn Screen(log: AuditLog, filter: AuditFilter) -> impl IntoView {
    let AuditLog { page, actions } = log;
    let options = actions
        .into_iter()
        .map(|a| {
            let selected = a == filter.action;
            view! { <option value=a.clone() selected=selected>{action_label(&a)}</option> }
        })
        .collect_view();
    let any = [
        &filter.who,
        &filter.action,
        &filter.since,
        &filter.until,
        &filter.ip,
        &filter.domain,
    ]
    .iter()
    .any(|v| !v.is_empty());
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|r| {
            view! {
                <tr>
                    <td data-label="When" class="time">{format_utc(r.at)}</td>
                    <td data-label="Who">{r.actor.unwrap_or_else(|| "—".into())}</td>
                    <td data-label="What">{action_label(&r.action)}</td>
                    <td data-label="Domain">{r.domain.unwrap_or_default()}</td>
                    <td data-label="Detail">{r.detail}</td>
                    <td data-label="From">{r.ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let list = if page.total == 0 {
        let none = if any {
            "No entry matches these filters."
        } else {
            "The log is empty."
        };
        view! { <p class="empty">{none}</p> }.into_any()
    } else {
        view! {
            <DataTable label="Audit log, newest first" columns=&["When", "Who", "What", "Domain", "Detail", "From"]>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <Form method="GET" action="/admin/audit" attr:class="filters" attr:role="search" attr:aria-label="Filter the log">
            <FilterInput name="who" label="Who (address)" kind="search" value=filter.who/>
            <div class="field">
                <label for="action">"What"</label>
                <select id="action" name="action">
                    <option value="" selected=filter.action.is_empty()>"Any action"</option>
                    {options}
                </select>
            </div>
            <FilterInput name="since" label="From day" kind="date" value=filter.since/>
            <FilterInput name="until" label="To day (included)" kind="date" value=filter.until/>
            <FilterInput name="ip" label="From where (IP)" kind="search" value=filter.ip/>
            <FilterInput name="domain" label="Domain" kind="search" value=filter.domain/>
            <div class="filter-actions">
                <button type="submit">"Filter"</button>
                {any.then(|| view! { <a href="/admin/audit" class="button secondary">"Clear filters"</a> })}
            </div>
        </Form>
        {list}
        <Pager page what="log entries"/>
    }
}
