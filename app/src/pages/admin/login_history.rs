//! `/admin/security/logins?user=…`: one user's last logins, for an admin of their domain.
//! Each login's IP can be marked safe (a dialog asks why and how wide a range); the
//! ranges marked safe are listed below, each removable.

use crate::{
    api::security::{list_user_logins, MarkIpSafe, RemoveTrustedIp},
    components::{
        form::{bump_on_success, outcome, FilterInput, Outcome},
        loaded::Loaded,
        logins::LoginTable,
        mark_safe::{MarkSafeFields, TrustedList},
    },
    model::security::UserLogins,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn LoginHistoryPage() -> impl IntoView {
    let query = use_query_map();
    let user = Memo::new(move |_| query.with(|q| q.get("user").unwrap_or_default()));
    let mark = ServerAction::<MarkIpSafe>::new();
    let remove = ServerAction::<RemoveTrustedIp>::new();
    // Reloaded after a change only: a refused one keeps the dialog and its message.
    let changed = RwSignal::new(0u32);
    bump_on_success(mark, changed);
    bump_on_success(remove, changed);
    let logins = Resource::new(
        move || (user.get(), changed.get()),
        |(user, _)| async move {
            if user.trim().is_empty() {
                Ok(None)
            } else {
                list_user_logins(user).await.map(Some)
            }
        },
    );
    let show =
        move |found: Option<UserLogins>| found.map(|u| view! { <Logins found=u mark remove/> });
    view! {
        <Title text="Login history"/>
        <h1>"Login history"</h1>
        <p class="hint">"A user's last 50 logins to the portal and from mail apps, with the country of each IP. Times are UTC."</p>
        <Form method="GET" action="/admin/security/logins" attr:class="filters" attr:role="search" attr:aria-label="Find a user">
            <FilterInput name="user" label="User's address" kind="search" value=user.get_untracked()/>
            <div class="filter-actions"><button type="submit">"Show logins"</button></div>
        </Form>
        <Loaded resource=logins ok=show/>
    }
}

#[component]
fn Logins(
    found: UserLogins,
    mark: ServerAction<MarkIpSafe>,
    remove: ServerAction<RemoveTrustedIp>,
) -> impl IntoView {
    let marking = RwSignal::new(None::<(String, String)>);
    // Closed without a change (Escape, Cancel, a refusal given up): focus goes back to the
    // button that opened it. After a change the list reloads without that button.
    let opener = StoredValue::new(None::<String>);
    Effect::new(move |_| match marking.get() {
        Some((_, button)) => opener.set_value(Some(button)),
        None => {
            if let Some(button) = opener.try_update_value(Option::take).flatten() {
                focus(&button);
            }
        }
    });
    let email = found.email.clone();
    view! {
        <section aria-labelledby="last-logins-heading">
            <h2 id="last-logins-heading">"Last logins of " {found.email.clone()}</h2>
            <LoginTable rows=found.logins mark_safe=marking/>
            {move || marking.get().map(|(ip, _)| view! { <MarkSafeDialog email=email.clone() ip marking mark/> })}
        </section>
        <section aria-labelledby="trusted-heading">
            <h2 id="trusted-heading">"IPs marked safe for " {found.email.clone()}</h2>
            <TrustedList rows=found.trusted remove show_user=false/>
        </section>
    }
}

/// The "Mark as safe" dialog for one IP: why, and how wide a range around it.
#[component]
fn MarkSafeDialog(
    email: String,
    ip: String,
    marking: RwSignal<Option<(String, String)>>,
    mark: ServerAction<MarkIpSafe>,
) -> impl IntoView {
    let done = outcome(mark);
    // A fresh dialog starts without the last one's answer.
    mark.value().set(None);
    Effect::new(move |_| {
        if matches!(done.get(), Some(Ok(_))) {
            marking.set(None);
        }
    });
    // Focus goes into the dialog, to the first thing to fill in.
    Effect::new(move |_| focus("mark-safe-description"));
    // Escape closes it wherever focus is (after a refused submit it may have left the form).
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            marking.set(None);
        }
    });
    on_cleanup(move || escape.remove());
    view! {
        <div class="card dialog" role="dialog" aria-labelledby="mark-safe-heading" aria-describedby="mark-safe-about">
            <h3 id="mark-safe-heading">"Mark as safe"</h3>
            <p id="mark-safe-about">"Logins of " {email.clone()} " from this range will not raise security incidents."</p>
            <ActionForm action=mark>
                <input type="hidden" name="email" value=email.clone()/>
                <p>"IP address: " <strong>{ip.clone()}</strong></p>
                <MarkSafeFields ip=ip.clone() done/>
                <Outcome outcome=done success="Marked as safe."/>
                <button type="submit" disabled=move || mark.pending().get()>"Mark as safe"</button>
                <button type="button" class="secondary" on:click=move |_| marking.set(None)>"Cancel"</button>
            </ActionForm>
        </div>
    }
}

/// Moves keyboard focus to the element with this id, if it is on the page.
fn focus(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(element) = document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            element.focus().ok();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
