//! `/account/sessions`: where the account is signed in, with sign-out of any session.

use crate::components::table::DataTable;
use crate::{
    api::account::{list_sessions, RevokeSession, SignOutOtherSessions},
    components::{
        form::{outcome, Outcome},
        loaded::Loaded,
    },
    model::{rows::SessionRow, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SessionsPage() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let others = ServerAction::<SignOutOtherSessions>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), others.version().get()),
        |_| list_sessions(),
    );
    let show_table = move |rows: Vec<SessionRow>| view! { <SessionTable rows revoke/> };
    let others_outcome = outcome(others);
    let revoke_outcome = outcome(revoke);
    view! {
        <Title text="Sessions"/>
        <h1>"Your sessions"</h1>
        <p>"Every browser signed in to your account. Sign out any you do not recognise, then change your password."</p>
        <Loaded resource=sessions ok=show_table/>
        <Outcome outcome=revoke_outcome success="The session was signed out."/>
        <ActionForm action=others attr:class="inline">
            <Outcome outcome=others_outcome success="All other sessions were signed out."/>
            <button type="submit" class="secondary">"Sign out all other sessions"</button>
        </ActionForm>
    }
}

#[component]
fn SessionTable(rows: Vec<SessionRow>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|s| {
            let context = format!(" {} from {}", s.device, s.ip);
            view! {
                <tr>
                    <td data-label="Device">
                        {s.device.clone()}
                        {s.current.then(|| view! { <span class="badge">"This browser"</span> })}
                    </td>
                    <td data-label="IP address">{s.ip.clone()}</td>
                    <td data-label="Signed in" class="time">{format_utc(s.created_at)}</td>
                    <td data-label="Last seen" class="time">{format_utc(s.last_seen_at)}</td>
                    <td>
                        <ActionForm action=revoke>
                            <input type="hidden" name="id" value=s.id/>
                            <button type="submit" class="secondary">
                                "Sign out"<span class="visually-hidden">{context}</span>
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Signed-in sessions" columns=&["Device", "IP address", "Signed in", "Last seen"] actions=true>
                {rows}
            </DataTable>
    }
}
