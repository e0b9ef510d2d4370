//! `/admin/domains/:id/admins`: who administers a domain. Master admins assign an existing
//! account (a mail user becomes a domain admin) and remove one (with its last domain it
//! becomes a mail user again); domain admins see who shares their domain.

use crate::{
    api::domains::{list_domain_admins, AssignDomainAdmin, RemoveDomainAdmin},
    components::{
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        loaded::Loaded,
        table::DataTable,
    },
    model::{
        rows::{DomainAdminRow, DomainAdmins, Me},
        EmailAddress, Role,
    },
};
use leptos::prelude::*;

#[component]
pub fn DomainAdminsPage() -> impl IntoView {
    let id = use_domain_id();
    let master = use_context::<Me>().is_some_and(|me| me.role == Role::MasterAdmin);
    let assign = ServerAction::<AssignDomainAdmin>::new();
    let remove = ServerAction::<RemoveDomainAdmin>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(assign, changed);
    bump_on_success(remove, changed);
    let admins = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| list_domain_admins(id),
    );
    view! {
        <Loaded resource=admins ok=move |DomainAdmins { domain, kind, admins }| {
            let id = id.get_untracked();
            view! {
                <DomainTabs id domain=domain.clone() screen="Admins" kind/>
                <p>"Domain admins manage this domain's mailboxes and aliases. Master admins manage every domain."</p>
                {master.then(|| view! { <AssignForm id domain assign/> })}
                <Admins id rows=admins master remove/>
            }
        }/>
    }
}

#[component]
fn AssignForm(id: i64, domain: String, assign: ServerAction<AssignDomainAdmin>) -> impl IntoView {
    let outcome = outcome(assign);
    let heading = format!("Make an account an admin of {domain}");
    view! {
        <section class="card" aria-labelledby="assign-heading">
            <h2 id="assign-heading">{heading}</h2>
            <ActionForm action=assign>
                <input type="hidden" name="domain" value=id/>
                <Field label="Account's email address" name="email" input_type="email"
                    hint="An existing account, of this domain or another. A mail user becomes a domain admin."
                    error=field_error(outcome, "email") check=|v| EmailAddress::parse(v).map(drop)/>
                <Outcome outcome success="The account now administers this domain."/>
                <button type="submit" disabled=move || assign.pending().get()>"Make admin"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Admins(
    id: i64,
    rows: Vec<DomainAdminRow>,
    master: bool,
    remove: ServerAction<RemoveDomainAdmin>,
) -> impl IntoView {
    let removed = outcome(remove);
    if rows.is_empty() {
        return view! { <p>"No domain admin yet: only master admins manage this domain."</p> }
            .into_any();
    }
    let lines = rows
        .into_iter()
        .map(|a| {
            let email = a.email.clone();
            let action = master.then(|| {
                view! {
                    <ActionForm action=remove>
                        <input type="hidden" name="domain" value=id/>
                        <input type="hidden" name="account" value=a.account_id/>
                        <button type="submit" class="secondary">
                            "Remove"<span class="visually-hidden">" " {email}</span>
                        </button>
                    </ActionForm>
                }
            });
            view! {
                <tr>
                    <td data-label="Admin">{a.email.clone()}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Domain admins" columns=&["Admin"] actions=true>{lines}</DataTable>
        <Outcome outcome=removed success="The account no longer administers this domain."/>
    }
    .into_any()
}
