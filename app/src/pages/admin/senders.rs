//! `/admin/domains/:id/senders`: sender addresses, each an address that chosen mailboxes
//! (of the admin's domains) may send as.

use crate::{
    api::senders::{list_senders, AddSender, DeleteSender, EditSender},
    components::{
        domain_tabs::DomainTabs,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        paging::PagedList,
        row_forms::{domain_list, CancelButton, RowForms},
        transfer::Transfer,
    },
    model::{
        mailbox::check_local_part,
        sender::{parse_users, SenderRow, Senders},
        time::format_utc,
        transfer::Dataset,
    },
};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Edit(i64),
    Delete(i64),
}

#[derive(Clone, Copy)]
struct Actions {
    forms: RowForms<Open>,
    add: ServerAction<AddSender>,
    edit: ServerAction<EditSender>,
    delete: ServerAction<DeleteSender>,
}

#[component]
pub fn SendersPage() -> impl IntoView {
    let forms = RowForms::new();
    let add = ServerAction::new();
    forms.reloads_on(add);
    let actions = Actions {
        forms,
        add,
        edit: forms.action("The sender address was saved."),
        delete: forms.action("The sender address was deleted."),
    };
    let (id, query, list) = domain_list(forms, list_senders);
    view! {
        <Loaded resource=list ok=move |s| view! { <Screen id=id.get_untracked() s search=query.get_untracked().search actions/> }/>
        <Transfer dataset=Dataset::Senders domain=Signal::derive(move || Some(id.get())) changed=actions.forms.changed/>
    }
}

#[component]
fn Screen(id: i64, s: Senders, search: String, actions: Actions) -> impl IntoView {
    let Senders { domain, page } = s;
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row actions/> })
        .collect_view();
    view! {
        <DomainTabs id domain=domain.clone() screen="Sender addresses"/>
        <p>"A sender address is an address that the chosen mailboxes may send as, for example a shared info@ address. Mail to it is set up separately, as an alias."</p>
        <AddForm id domain add=actions.add/>
        <h2>"Sender addresses"</h2>
        <PagedList page search what="sender addresses" label="Sender addresses" columns=&["Address", "May be used by", "Added"]
            empty="This domain has no sender addresses yet." unmatched="No sender address matches this search." notice=actions.forms.notice>
            {rows}
        </PagedList>
    }
}

#[component]
fn AddForm(id: i64, domain: String, add: ServerAction<AddSender>) -> impl IntoView {
    let outcome = outcome(add);
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a sender address"</h2>
            <ActionForm action=add>
                <input type="hidden" name="domain" value=id/>
                <Field label="Address" name="address" hint=format!("The part before @{domain}, for example info.")
                    error=field_error(outcome, "address") check=|v| check_local_part(v.split('@').next().unwrap_or_default())/>
                <Field label="Mailboxes that may send as it" name="users" lines=3
                    hint="Their addresses, separated by commas or lines."
                    error=field_error(outcome, "users") check=|v| parse_users(v).map(drop)/>
                <Outcome outcome success="The sender address was added."/>
                <button type="submit" disabled=move || add.pending().get()>"Add sender address"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Line(row: SenderRow, actions: Actions) -> impl IntoView {
    let users = row
        .users
        .iter()
        .map(|u| view! { <li>{u.clone()}</li> })
        .collect_view();
    let id = row.id;
    let created = row.created_at;
    let address = row.address.clone();
    let row = StoredValue::new(row);
    let cell = move || {
        let r = row.get_value();
        match actions.forms.open.get() {
            Some(Open::Edit(i)) if i == id => {
                let outcome = outcome(actions.edit);
                view! {
                    <ActionForm action=actions.edit attr:class="row-editor">
                        <input type="hidden" name="id" value=id/>
                        <Field label=format!("Mailboxes that may send as {}", r.address) name="users" id=format!("users-{id}") lines=3
                            value=r.users.join("\n") error=field_error(outcome, "users") check=|v| parse_users(v).map(drop)/>
                        <Outcome outcome success="Saved."/>
                        <div class="inline-actions">
                            <button type="submit">"Save"</button>
                            <CancelButton forms=actions.forms/>
                        </div>
                    </ActionForm>
                }
                .into_any()
            }
            Some(Open::Delete(i)) if i == id => view! {
                <ActionForm action=actions.delete attr:class="row-editor">
                    <input type="hidden" name="id" value=id/>
                    <p>{format!("Delete {}? Its mailboxes can no longer send as it.", r.address)}</p>
                    <Outcome outcome=outcome(actions.delete) success="Deleted."/>
                    <div class="inline-actions">
                        <button type="submit" class="danger">"Delete sender address"</button>
                        <CancelButton forms=actions.forms/>
                    </div>
                </ActionForm>
            }
            .into_any(),
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
            <td data-label="May be used by"><ul class="plain-list">{users}</ul></td>
            <td data-label="Added" class="time">{format_utc(created)}</td>
            <td>{cell}</td>
        </tr>
    }
}
