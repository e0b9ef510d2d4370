//! `/admin/admins` (master admins): the admins and their rights. A master admin adds admins
//! whose rights are a set of areas, read-only or not, in some domains or all, and changes
//! other admins' rights.

use crate::{
    api::admins::{list_admins, AddAdmin, SetAdminRights},
    components::{
        area_choice::AreaChoice,
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        loaded::Loaded,
        table::DataTable,
    },
    model::{
        admin::{AdminRow, Admins},
        grant::Areas,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminsPage() -> impl IntoView {
    let add = ServerAction::<AddAdmin>::new();
    let change = ServerAction::<SetAdminRights>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(add, changed);
    bump_on_success(change, changed);
    let admins = Resource::new(move || changed.get(), |_| list_admins());
    view! {
        <Title text="Admins"/>
        <h1>"Admins"</h1>
        <p class="hint">
            "Each admin's rights are a set of areas, whether they may change things there, and their domains: "
            "every domain makes a master admin, some domains a domain admin of those. "
            "You hand on no more than you have, and another master admin changes your own rights."
        </p>
        <Outcome outcome=outcome(change) success="The rights were changed."/>
        <Loaded resource=admins ok=move |a| view! { <Screen a add change/> }/>
    }
}

#[component]
fn Screen(
    a: Admins,
    add: ServerAction<AddAdmin>,
    change: ServerAction<SetAdminRights>,
) -> impl IntoView {
    let offered = a.yours.areas;
    let may_write = a.yours.write;
    let domains = StoredValue::new(a.domains.clone());
    let rows = a
        .admins
        .into_iter()
        .map(|admin| view! { <AdminLine admin offered may_write change/> })
        .collect_view();
    view! {
        <DataTable label="Admins" columns=&["Admin", "Role", "Rights", "Domains"] actions=true>
            {rows}
        </DataTable>
        <AddForm add offered may_write domains=domains.get_value()/>
    }
}

#[component]
fn AdminLine(
    admin: AdminRow,
    offered: Areas,
    may_write: bool,
    change: ServerAction<SetAdminRights>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(change.value().get(), Some(Ok(()))) {
            editing.set(false);
        }
    });
    let domains = if admin.domains.is_empty() {
        "Every domain".to_string()
    } else {
        admin.domains.join(", ")
    };
    let status = if admin.enabled { "" } else { " (disabled)" };
    let prefix = format!("admin-{}", admin.id);
    let email = StoredValue::new(admin.email.clone());
    let (id, rights) = (admin.id, admin.rights.clone());
    let domain_text = StoredValue::new(admin.domains.join(", "));
    let action = move || {
        if admin.you {
            view! { <span class="hint">"You"</span> }.into_any()
        } else if editing.get() {
            let done = outcome(change);
            let rights = rights.clone();
            let prefix = prefix.clone();
            let write_id = format!("{prefix}-write");
            view! {
                <ActionForm action=change attr:class="card">
                    <input type="hidden" name="id" value=id/>
                    <AreaChoice offered ticked=rights.areas id_prefix=prefix.clone()
                        hint="Tick none for every area." error=field_error(done, "areas")/>
                    {may_write.then(|| view! {
                        <div class="check">
                            <input type="checkbox" id=write_id.clone() name="write" value="true" checked=rights.write/>
                            <label for=write_id>"May change things"</label>
                        </div>
                    })}
                    <Field label="Domains" name="domains" id=format!("{prefix}-domains") required=false
                        value=domain_text.get_value() hint="Empty: every domain (a master admin)."
                        error=field_error(done, "domains")/>
                    <button type="submit">"Save rights of " {email.get_value()}</button>
                    <button type="button" class="secondary" on:click=move |_| editing.set(false)>"Cancel"</button>
                </ActionForm>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="secondary" on:click=move |_| editing.set(true)>
                    "Change rights"<span class="visually-hidden">" of " {email.get_value()}</span>
                </button>
            }
            .into_any()
        }
    };
    view! {
        <tr>
            <td data-label="Admin">{admin.email.clone()}{status}</td>
            <td data-label="Role">{admin.role.label()}</td>
            <td data-label="Rights">{admin.rights.describe()}</td>
            <td data-label="Domains">{domains}</td>
            <td>{action}</td>
        </tr>
    }
}

#[component]
fn AddForm(
    add: ServerAction<AddAdmin>,
    offered: Areas,
    may_write: bool,
    domains: Vec<String>,
) -> impl IntoView {
    let done = outcome(add);
    let domains_hint = format!(
        "Empty: every domain (a master admin). Or some of: {}.",
        domains.join(", ")
    );
    view! {
        <h2 id="add-admin-heading">"Add an admin"</h2>
        <ActionForm action=add attr:class="card" attr:aria-labelledby="add-admin-heading">
            <Field label="Email address" name="email" input_type="email" error=field_error(done, "email")
                hint="A new account; its domain must be served here unless it administers every domain."/>
            <Field label="Password" name="password" input_type="password" autocomplete="new-password"
                error=field_error(done, "password") hint="Tell it to them safely; they can change it."/>
            <AreaChoice offered id_prefix="new-admin" hint="Tick none for every area." error=field_error(done, "areas")/>
            {may_write.then(|| view! {
                <div class="check">
                    <input type="checkbox" id="new-admin-write" name="write" value="true"/>
                    <label for="new-admin-write">"May change things (otherwise read-only)"</label>
                </div>
            })}
            <Field label="Domains" name="domains" id="new-admin-domains" required=false hint=domains_hint
                error=field_error(done, "domains")/>
            <Outcome outcome=done success="The admin was added."/>
            <button type="submit" disabled=move || add.pending().get()>"Add admin"</button>
        </ActionForm>
    }
}
