//! `/admin/domains/:id/domain-aliases`: other names of a hosted domain. Mail to
//! user@alias goes to user@domain once the alias's TXT record is found (Verify).

use crate::{
    api::domains::{list_domain_aliases, AddDomainAlias, DeleteDomainAlias},
    components::{
        domain_tabs::{use_domain_id, DomainTabs},
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        row_forms::{CancelButton, RowForms},
        table::DataTable,
        transfer::Transfer,
        verify_domain::Verify,
    },
    model::{
        rows::{DomainAliases, DomainRow},
        time::format_utc,
        transfer::Dataset,
        DomainName,
    },
};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Delete(i64);

#[component]
pub fn DomainAliasesPage() -> impl IntoView {
    let id = use_domain_id();
    let forms = RowForms::<Delete>::new();
    let add = ServerAction::<AddDomainAlias>::new();
    forms.reloads_on(add);
    let delete = forms.action::<DeleteDomainAlias>("The domain alias was deleted.");
    let list = Resource::new(
        move || (id.get(), forms.changed.get()),
        |(id, _)| list_domain_aliases(id),
    );
    view! {
        <Loaded resource=list ok=move |DomainAliases { domain, rows }| {
            let id = id.get_untracked();
            let unverified: Vec<DomainRow> = rows.iter().filter(|d| d.verified_at.is_none()).cloned().collect();
            view! {
                <DomainTabs id domain=domain.clone() screen="Domain aliases"/>
                <p>{format!("Mail to any address at a domain alias goes to the same address at {domain}; the mailbox must exist there. An alias receives mail once its DNS record is verified.")}</p>
                <AddForm id add/>
                <h2>"Domain aliases"</h2>
                <p class="form-success" role="status">{move || forms.notice.get()}</p>
                <Aliases rows forms delete/>
                {unverified.into_iter().map(|d| view! { <Verify d changed=forms.changed/> }).collect_view()}
            }
        }/>
        <Transfer dataset=Dataset::DomainAliases domain=Signal::derive(move || Some(id.get())) changed=forms.changed/>
    }
}

#[component]
fn AddForm(id: i64, add: ServerAction<AddDomainAlias>) -> impl IntoView {
    let outcome = outcome(add);
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a domain alias"</h2>
            <ActionForm action=add>
                <input type="hidden" name="domain" value=id/>
                <Field label="Alias domain name" name="name" hint="For example example.net."
                    error=field_error(outcome, "name") check=|v| DomainName::parse(v).map(drop)/>
                <Outcome outcome success="The domain alias was added. Publish its TXT record, then verify it below."/>
                <button type="submit" disabled=move || add.pending().get()>"Add domain alias"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Aliases(
    rows: Vec<DomainRow>,
    forms: RowForms<Delete>,
    delete: ServerAction<DeleteDomainAlias>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p>"This domain has no aliases."</p> }.into_any();
    }
    let lines = rows
        .into_iter()
        .map(|d| {
            let status = match d.verified_at {
                Some(at) => format!("Verified {}: receives mail", format_utc(at)),
                None => "Not verified: receives no mail yet".to_string(),
            };
            let (id, name) = (d.id, StoredValue::new(d.name.clone()));
            let cell = move || {
                if forms.open.get() == Some(Delete(id)) {
                    view! {
                        <ActionForm action=delete attr:class="row-editor">
                            <input type="hidden" name="id" value=id/>
                            <p>{format!("Delete {}? Mail to it will be refused.", name.get_value())}</p>
                            <Outcome outcome=outcome(delete) success="Deleted."/>
                            <div class="inline-actions">
                                <button type="submit" class="danger">"Delete domain alias"</button>
                                <CancelButton forms/>
                            </div>
                        </ActionForm>
                    }
                    .into_any()
                } else {
                    view! {
                        <button type="button" class="secondary" on:click=move |_| forms.open(Delete(id))>
                            "Delete"<span class="visually-hidden">" " {name.get_value()}</span>
                        </button>
                    }
                    .into_any()
                }
            };
            view! {
                <tr>
                    <td data-label="Alias">{d.name.clone()}</td>
                    <td data-label="Status">{status}</td>
                    <td data-label="Added" class="time">{format_utc(d.created_at)}</td>
                    <td>{cell}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Domain aliases" columns=&["Alias", "Status", "Added"] actions=true>{lines}</DataTable>
    }
    .into_any()
}
