//! `/account/security`: where and how the account was signed in to lately (portal and
//! mail apps), and the changes made to how it signs in.

use crate::{
    api::security::load_my_security,
    components::{loaded::Loaded, logins::LoginTable, table::DataTable},
    model::{security::MySecurity, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let security = Resource::new(|| (), |_| load_my_security());
    view! {
        <Title text="Security"/>
        <h1>"Security"</h1>
        <p>"Every sign-in to the portal and every login of a mail app, newest first. If you see a place or an app that was not you, change your password and sign out your other sessions."</p>
        <Loaded resource=security ok=screen/>
    }
}

fn screen(s: MySecurity) -> impl IntoView {
    let events = if s.events.is_empty() {
        view! { <p class="empty">"No changes yet."</p> }.into_any()
    } else {
        let rows = s
            .events
            .into_iter()
            .map(|e| {
                view! {
                    <tr>
                        <td data-label="When" class="time">{format_utc(e.at)}</td>
                        <td data-label="What">{e.what}</td>
                        <td data-label="Detail">{e.detail}</td>
                        <td data-label="From">{e.ip.unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <DataTable label="Security changes, newest first" columns=&["When", "What", "Detail", "From"]>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="logins-heading">
            <h2 id="logins-heading">"Recent logins"</h2>
            <LoginTable rows=s.logins/>
            <p><a href="/account/password">"Change password"</a> " · " <a href="/account/sessions">"Review sessions"</a></p>
        </section>
        <section aria-labelledby="changes-heading">
            <h2 id="changes-heading">"Security changes"</h2>
            {events}
        </section>
    }
}
