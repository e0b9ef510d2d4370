//! `/admin/domains/:id/aliases`: a domain's aliases and forwards. An alias hands mail for
//! its address to one or more recipients: mailboxes here, or addresses elsewhere (a
//! forward). `@domain` is the catch-all, shown with a warning; loops are refused.

use crate::{
    api::aliases::{list_aliases, AddAlias, DeleteAlias, EditAlias},
    components::{
        domain_tabs::DomainTabs,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        paging::PagedList,
        row_forms::{domain_list, CancelButton, RowForms},
        transfer::Transfer,
    },
    model::{
        alias::{parse_targets, AliasRow, Aliases},
        mailbox::check_local_part,
        time::format_utc,
        transfer::Dataset,
    },
};
use leptos::prelude::*;

const CATCH_ALL_WARNING: &str = "A catch-all accepts mail for every address of the domain that \
    does not exist, including the made-up ones spammers try: it invites spam. Prefer an alias \
    per address you really use.";

/// The row whose form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Edit(i64),
    Delete(i64),
}

#[derive(Clone, Copy)]
struct Actions {
    forms: RowForms<Open>,
    add: ServerAction<AddAlias>,
    edit: ServerAction<EditAlias>,
    delete: ServerAction<DeleteAlias>,
}

#[component]
pub fn AliasesPage() -> impl IntoView {
    let forms = RowForms::new();
    let add = ServerAction::new();
    forms.reloads_on(add);
    let actions = Actions {
        forms,
        add,
        edit: forms.action("The alias was saved."),
        delete: forms.action("The alias was deleted."),
    };
    let (id, query, list) = domain_list(forms, list_aliases);
    view! {
        <Loaded resource=list ok=move |a| view! { <Screen id=id.get_untracked() a search=query.get_untracked().search actions/> }/>
        <Transfer dataset=Dataset::Aliases domain=Signal::derive(move || Some(id.get())) changed=actions.forms.changed/>
    }
}

#[component]
fn Screen(id: i64, a: Aliases, search: String, actions: Actions) -> impl IntoView {
    let Aliases {
        domain,
        forwards,
        page,
    } = a;
    let forwards = StoredValue::new(forwards);
    let has_catch_all = page.rows.iter().any(AliasRow::is_catch_all);
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row forwards actions/> })
        .collect_view();
    view! {
        <DomainTabs id domain=domain.clone() screen="Aliases"/>
        <AddForm id domain add=actions.add/>
        <h2>"Aliases"</h2>
        {has_catch_all.then(|| view! { <p class="warning">"This domain has a catch-all. " {CATCH_ALL_WARNING}</p> })}
        <PagedList page search what="aliases" label="Aliases" columns=&["Address", "Recipients", "Added"]
            empty="This domain has no aliases yet." unmatched="No alias matches this search." notice=actions.forms.notice>
            {rows}
        </PagedList>
    }
}

/// The browser-side check of the address field: a local part, or `@` / `*` alone for
/// the catch-all (the server reads the full forms too).
fn check_address(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v == "@" || v == "*" || v.starts_with('@') {
        return Ok(());
    }
    match v.split_once('@') {
        Some((local, _)) => check_local_part(local),
        None => check_local_part(v),
    }
}

#[component]
fn AddForm(id: i64, domain: String, add: ServerAction<AddAlias>) -> impl IntoView {
    let outcome = outcome(add);
    let typed = RwSignal::new(String::new());
    let catch_all = move || {
        let t = typed.get();
        let t = t.trim();
        t == "@" || t == "*" || t.starts_with('@')
    };
    let hint = format!(
        "The part before @{domain}, for example sales. Type @ alone for the catch-all (every other address of {domain})."
    );
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add an alias"</h2>
            <ActionForm action=add>
                <input type="hidden" name="domain" value=id/>
                // Warns as soon as the catch-all is typed, before it is saved.
                <div on:input=move |ev| typed.set(event_target_value(&ev))>
                    <Field label="Address" name="address" hint error=field_error(outcome, "address") check=check_address/>
                </div>
                <p class="warning" role="status">{move || catch_all().then_some(CATCH_ALL_WARNING)}</p>
                <Field label="Recipients" name="targets" lines=3
                    hint="One or more addresses, separated by commas or lines. Addresses outside this host make the alias a forward."
                    error=field_error(outcome, "targets") check=|v| parse_targets(v).map(drop)/>
                <Outcome outcome success="The alias was added."/>
                <button type="submit" disabled=move || add.pending().get()>"Add alias"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Line(row: AliasRow, forwards: StoredValue<Vec<String>>, actions: Actions) -> impl IntoView {
    let targets = row
        .targets
        .iter()
        .map(|t| {
            let forward = forwards.with_value(|f| f.contains(t));
            view! {
                <li>{t.clone()}{forward.then(|| view! { " " <span class="badge">"Forward"</span> })}</li>
            }
        })
        .collect_view();
    let address = if row.is_catch_all() {
        view! { {row.address.clone()} " " <span class="badge">"Catch-all"</span> }.into_any()
    } else {
        view! { {row.address.clone()} }.into_any()
    };
    let id = row.id;
    let row = StoredValue::new(row);
    let cell = move || {
        let r = row.get_value();
        match actions.forms.open.get() {
            Some(Open::Edit(i)) if i == id => view! { <EditForm r actions/> }.into_any(),
            Some(Open::Delete(i)) if i == id => view! { <DeleteForm r actions/> }.into_any(),
            _ => view! {
                <div class="inline-actions">
                    <button type="button" class="secondary" on:click=move |_| actions.forms.open(Open::Edit(id))>
                        "Edit"<span class="visually-hidden">" " {r.address.clone()}</span>
                    </button>
                    <button type="button" class="secondary" on:click=move |_| actions.forms.open(Open::Delete(id))>
                        "Delete"<span class="visually-hidden">" " {r.address.clone()}</span>
                    </button>
                </div>
            }
            .into_any(),
        }
    };
    view! {
        <tr>
            <td data-label="Address">{address}</td>
            <td data-label="Recipients"><ul class="plain-list">{targets}</ul></td>
            <td data-label="Added" class="time">{format_utc(row.with_value(|r| r.created_at))}</td>
            <td>{cell}</td>
        </tr>
    }
}

#[component]
fn EditForm(r: AliasRow, actions: Actions) -> impl IntoView {
    let outcome = outcome(actions.edit);
    view! {
        <ActionForm action=actions.edit attr:class="row-editor">
            <input type="hidden" name="id" value=r.id/>
            <Field label=format!("Recipients of {}", r.address) name="targets" id=format!("targets-{}", r.id) lines=3
                value=r.targets.join("\n") error=field_error(outcome, "targets") check=|v| parse_targets(v).map(drop)/>
            <Outcome outcome success="Saved."/>
            <div class="inline-actions">
                <button type="submit">"Save"</button>
                <CancelButton forms=actions.forms/>
            </div>
        </ActionForm>
    }
}

#[component]
fn DeleteForm(r: AliasRow, actions: Actions) -> impl IntoView {
    let outcome = outcome(actions.delete);
    let question = if r.is_catch_all() {
        "Delete the catch-all? Mail to addresses that do not exist will be refused.".to_string()
    } else {
        format!("Delete {}? Mail to it will be refused.", r.address)
    };
    view! {
        <ActionForm action=actions.delete attr:class="row-editor">
            <input type="hidden" name="id" value=r.id/>
            <p>{question}</p>
            <Outcome outcome success="Deleted."/>
            <div class="inline-actions">
                <button type="submit" class="danger">"Delete alias"</button>
                <CancelButton forms=actions.forms/>
            </div>
        </ActionForm>
    }
}
