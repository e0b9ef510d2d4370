//! `/admin/domains/:id/routes`: where a relay domain's mail goes, in the order the servers
//! are tried. At least one route remains; "Test" opens SMTP to a route (EHLO, QUIT) and
//! shows what it answered. A master admin may allow routes to this machine (for testing).

use crate::{
    api::routing::{list_routes, AddRoute, AllowLocalRoutes, DeleteRoute, MoveRoute, TestRoute},
    components::{
        domain_tabs::{use_domain_id, DomainTabs},
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        row_forms::{CancelButton, RowForms},
        table::DataTable,
    },
    model::{
        route::{Destination, DomainKind, RouteRow, Routes},
        rows::Me,
        Role,
    },
};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Delete(i64);

#[derive(Clone, Copy)]
struct Actions {
    forms: RowForms<Delete>,
    add: ServerAction<AddRoute>,
    delete: ServerAction<DeleteRoute>,
    reorder: ServerAction<MoveRoute>,
    test: ServerAction<TestRoute>,
    allow: ServerAction<AllowLocalRoutes>,
}

#[component]
pub fn RoutesPage() -> impl IntoView {
    let id = use_domain_id();
    let forms = RowForms::new();
    let actions = Actions {
        forms,
        add: ServerAction::new(),
        delete: forms.action("The route was deleted."),
        reorder: forms.action("The order was saved."),
        test: ServerAction::new(),
        allow: forms.action("Saved."),
    };
    forms.reloads_on(actions.add);
    let list = Resource::new(
        move || (id.get(), forms.changed.get()),
        |(id, _)| list_routes(id),
    );
    view! {
        <Loaded resource=list ok=move |r| view! { <Screen id=id.get_untracked() r actions/> }/>
    }
}

#[component]
fn Screen(id: i64, r: Routes, actions: Actions) -> impl IntoView {
    let master = use_context::<Me>().is_some_and(|me| me.role == Role::MasterAdmin);
    let count = r.rows.len();
    let lines = r
        .rows
        .into_iter()
        .enumerate()
        .map(|(at, row)| view! { <Line row at count actions/> })
        .collect_view();
    view! {
        <DomainTabs id domain=r.domain.clone() screen="Routes" kind=DomainKind::Relay/>
        <p>{format!("All mail for {} goes on to these servers, tried from the top. A domain relayed here needs at least one.", r.domain)}</p>
        <AddForm id add=actions.add/>
        <h2>"Routes"</h2>
        <p class="form-success" role="status">{move || actions.forms.notice.get()}</p>
        <DataTable label="Routes" columns=&["Order", "Destination server"] actions=true>{lines}</DataTable>
        <TestResult test=actions.test/>
        {master.then(|| view! { <LocalRoutes allowed=r.allow_local allow=actions.allow/> })}
    }
}

#[component]
fn AddForm(id: i64, add: ServerAction<AddRoute>) -> impl IntoView {
    let outcome = outcome(add);
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a route"</h2>
            <ActionForm action=add>
                <input type="hidden" name="domain" value=id/>
                <Field label="Destination server" name="destination"
                    hint="A host name or IP address, with :port when it is not 25. For example mx2.example.org."
                    error=field_error(outcome, "destination") check=|v| Destination::parse(v).map(drop)/>
                <Outcome outcome success="The route was added at the end."/>
                <button type="submit" disabled=move || add.pending().get()>"Add route"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Line(row: RouteRow, at: usize, count: usize, actions: Actions) -> impl IntoView {
    let RouteRow { id, destination } = row;
    let dest = StoredValue::new(destination.clone());
    let mover = move |direction: &'static str, label: &'static str| {
        view! {
            <ActionForm action=actions.reorder>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="direction" value=direction/>
                <button type="submit" class="secondary">{label}<span class="visually-hidden">" " {dest.get_value()}</span></button>
            </ActionForm>
        }
    };
    let cell = move || {
        if actions.forms.open.get() == Some(Delete(id)) {
            view! {
                <ActionForm action=actions.delete attr:class="row-editor">
                    <input type="hidden" name="id" value=id/>
                    <p>{format!("Delete the route to {}?", dest.get_value())}</p>
                    <Outcome outcome=outcome(actions.delete) success="Deleted."/>
                    <div class="inline-actions">
                        <button type="submit" class="danger">"Delete route"</button>
                        <CancelButton forms=actions.forms/>
                    </div>
                </ActionForm>
            }
            .into_any()
        } else {
            view! {
                <div class="inline-actions">
                    <ActionForm action=actions.test>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="secondary" disabled=move || actions.test.pending().get()>
                            "Test"<span class="visually-hidden">" " {dest.get_value()}</span>
                        </button>
                    </ActionForm>
                    {(at > 0).then(|| mover("up", "Move up"))}
                    {(at + 1 < count).then(|| mover("down", "Move down"))}
                    <button type="button" class="secondary" on:click=move |_| actions.forms.open(Delete(id))>
                        "Delete"<span class="visually-hidden">" " {dest.get_value()}</span>
                    </button>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <tr>
            <td data-label="Order">{at + 1}</td>
            <td data-label="Destination server">{destination}</td>
            <td>{cell}</td>
        </tr>
    }
}

/// The last test's conversation, line by line.
#[component]
fn TestResult(test: ServerAction<TestRoute>) -> impl IntoView {
    move || {
        if test.pending().get() {
            return view! { <p class="loading" role="status">"Testing… (up to 15 seconds)"</p> }
                .into_any();
        }
        match test.value().get() {
            Some(Ok(result)) => {
                let verdict = if result.ok {
                    "The server accepted the connection and answered EHLO."
                } else {
                    "The test failed."
                };
                view! {
                    <section class="card" aria-labelledby="test-heading">
                        <h2 id="test-heading">"Route test"</h2>
                        <p role="status" class=if result.ok { "form-success" } else { "form-error" }>{verdict}</p>
                        <pre class="transcript">{result.transcript.join("\n")}</pre>
                    </section>
                }
                .into_any()
            }
            Some(Err(e)) => {
                view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
            }
            None => ().into_any(),
        }
    }
}

/// Master admins only: routes to this machine or its link, for a test set-up.
#[component]
fn LocalRoutes(allowed: bool, allow: ServerAction<AllowLocalRoutes>) -> impl IntoView {
    let (state, button, value) = if allowed {
        (
            "Routes to this machine and its local link are allowed.",
            "Refuse local routes",
            "false",
        )
    } else {
        (
            "Routes to this machine and its local link (127.0.0.1, ::1, 169.254.x.x) are refused.",
            "Allow local routes",
            "true",
        )
    };
    view! {
        <section class="card" aria-labelledby="local-heading">
            <h2 id="local-heading">"Local routes (all domains)"</h2>
            <p>{state}" Allow them only for a test set-up: a route to this machine lets domain admins reach its internal services."</p>
            <ActionForm action=allow>
                <input type="hidden" name="allow" value=value/>
                <button type="submit" class="secondary">{button}</button>
            </ActionForm>
        </section>
    }
}
