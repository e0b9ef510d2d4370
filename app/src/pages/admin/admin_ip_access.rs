//! `/admin/admin-ip-access` (master admins): the networks admins may sign in and work from,
//! and the switch that restricts admin access to them. Restricting asks first, and is
//! refused while the master admin's own address is not listed.

use crate::{
    api::admin_ips::{
        read_admin_ip_access, AddAdminIp, RemoveAdminIp, RestrictAdminIps, UnrestrictAdminIps,
    },
    components::{
        ask_first::{asking_until, AskFirst},
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        loaded::Loaded,
        table::DataTable,
    },
    model::{
        admin_ips::{AdminIpAccess, AdminIpEntry},
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page's actions; any success reloads what it shows.
#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<AddAdminIp>,
    remove: ServerAction<RemoveAdminIp>,
    restrict: ServerAction<RestrictAdminIps>,
    unrestrict: ServerAction<UnrestrictAdminIps>,
}

#[component]
pub fn AdminIpAccessPage() -> impl IntoView {
    let actions = Actions {
        add: ServerAction::new(),
        remove: ServerAction::new(),
        restrict: ServerAction::new(),
        unrestrict: ServerAction::new(),
    };
    let changed = RwSignal::new(0u32);
    bump_on_success(actions.add, changed);
    bump_on_success(actions.remove, changed);
    bump_on_success(actions.restrict, changed);
    bump_on_success(actions.unrestrict, changed);
    let access = Resource::new(move || changed.get(), |_| read_admin_ip_access());
    view! {
        <Title text="Admin IP access list"/>
        <h1>"Admin IP access list"</h1>
        <p class="hint">"The networks admins may sign in and work from once admin access is restricted to them. Mail users are not affected."</p>
        <Loaded resource=access ok=move |a| view! { <Screen a actions/> }/>
        <AddForm add=actions.add/>
    }
}

#[component]
fn Screen(a: AdminIpAccess, actions: Actions) -> impl IntoView {
    let where_you_are = match &a.yours {
        Some(network) => format!("You are at {}, in the list as {network}.", a.your_ip),
        None => format!("You are at {}, which is not in the list.", a.your_ip),
    };
    let removed = outcome(actions.remove);
    let rows = a
        .entries
        .iter()
        .map(|e| entry_row(e.clone(), actions.remove))
        .collect_view();
    let list = if a.entries.is_empty() {
        view! { <p class="empty">"The list is empty."</p> }.into_any()
    } else {
        view! {
            <DataTable label="Admin IP access list" columns=&["IP or network", "Description", "Added"] actions=true>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <p class="banner" role="status">
            {if a.restricted {
                "Admin access is restricted: admins are refused from any address outside this list."
            } else {
                "Admin access is not restricted: admins may sign in from any address."
            }}
            " " {where_you_are}
        </p>
        <Outcome outcome=removed success="The entry was removed."/>
        {list}
        {if a.restricted {
            view! { <Unrestrict unrestrict=actions.unrestrict/> }.into_any()
        } else {
            view! { <Restrict restrict=actions.restrict listed=a.yours.is_some()/> }.into_any()
        }}
    }
}

fn entry_row(e: AdminIpEntry, remove: ServerAction<RemoveAdminIp>) -> impl IntoView {
    let question = format!("Remove {} from the admin IP access list?", e.network);
    let (id, network) = (e.id, StoredValue::new(e.network.clone()));
    view! {
        <tr>
            <td data-label="IP or network">{e.network.clone()}</td>
            <td data-label="Description">{e.description.clone()}</td>
            <td data-label="Added" class="time">{format_utc(e.created_at)} " by " {e.created_by.clone()}</td>
            <td>
                <AskFirst asking=asking_until(remove) label="Remove" context=e.network.clone() question>
                    <ActionForm action=remove attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="danger">"Remove " {network.get_value()}</button>
                    </ActionForm>
                </AskFirst>
            </td>
        </tr>
    }
}

#[component]
fn AddForm(add: ServerAction<AddAdminIp>) -> impl IntoView {
    let done = outcome(add);
    view! {
        <ActionForm action=add attr:class="card" attr:aria-labelledby="add-admin-ip-heading">
            <h2 id="add-admin-ip-heading">"Add an IP or network"</h2>
            <Field label="IP address or network" name="network" hint="For example 192.0.2.7, 192.0.2.0/24 or 2001:db8::/48."
                error=field_error(done, "network")/>
            <Field label="Description" name="description" hint="What this network is, e.g. the office. At least 2 characters."
                error=field_error(done, "description")/>
            <Outcome outcome=done success="Added to the list."/>
            <button type="submit" disabled=move || add.pending().get()>"Add"</button>
        </ActionForm>
    }
}

#[component]
fn Restrict(restrict: ServerAction<RestrictAdminIps>, listed: bool) -> impl IntoView {
    let done = outcome(restrict);
    let question = "Admins will be refused at sign-in and on every admin screen from any address outside this list. If you lose access, only `mailportal admin unrestrict` on the server lets admins back in. Restrict now?";
    view! {
        <section class="card" aria-labelledby="restrict-heading">
            <h2 id="restrict-heading">"Restrict admin access"</h2>
            <p class="warning">
                "Warning: restricting shuts out every admin who is not on a listed network, until someone restricts no more."
                {(!listed).then_some(" Your own address is not listed: add it first.")}
            </p>
            <Outcome outcome=done success="Admin access is now restricted to the list."/>
            <AskFirst asking=asking_until(restrict) label="Restrict admin access only to IPs in list" question>
                <ActionForm action=restrict attr:class="inline">
                    <button type="submit" class="danger">"Restrict admin access"</button>
                </ActionForm>
            </AskFirst>
        </section>
    }
}

#[component]
fn Unrestrict(unrestrict: ServerAction<UnrestrictAdminIps>) -> impl IntoView {
    let done = outcome(unrestrict);
    view! {
        <ActionForm action=unrestrict attr:class="card">
            <Outcome outcome=done success="Admins may sign in from any address again."/>
            <button type="submit">"Allow unrestricted admin access"</button>
        </ActionForm>
    }
}
