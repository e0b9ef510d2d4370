//! `/reset-password/:token`: chooses a new password through a reset link.

use crate::{
    api::reset::{reset_link_status, ResetPassword},
    components::form::{field_error, outcome, Field, Outcome},
    model::password,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let t = token.clone();
    let usable = Resource::new(|| (), move |_| reset_link_status(t.clone()));
    let action = ServerAction::<ResetPassword>::new();
    let outcome = outcome(action);
    let done = move || matches!(outcome.get(), Some(Ok(())));
    view! {
        <Title text="Choose a new password"/>
        <main id="main" class="narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        if !matches!(usable.await, Ok(true)) {
                            super::super::set_http_status(410);
                            return view! {
                                <p class="form-error" role="alert">"This reset link has expired or was used already."</p>
                                <p><a href="/reset-password">"Ask for a new link"</a></p>
                            }.into_any();
                        }
                        let token = StoredValue::new(token);
                        view! {
                            <Show when=move || !done() fallback=|| view! {
                                <p class="form-success" role="status">"Your password was changed and every session signed out."</p>
                                <p><a href="/sign-in">"Sign in with the new password"</a></p>
                            }>
                                <ActionForm action>
                                    <input type="hidden" name="token" value=token.get_value()/>
                                    <Field label="New password" name="password" input_type="password" autocomplete="new-password"
                                        hint=password::HINT error=field_error(outcome, "password") check=password::check_length/>
                                    <Field label="Repeat the new password" name="confirm" input_type="password" autocomplete="new-password"
                                        error=field_error(outcome, "confirm")/>
                                    <Outcome outcome success="Password changed."/>
                                    <button type="submit" disabled=move || action.pending().get()>"Set new password"</button>
                                </ActionForm>
                            </Show>
                        }.into_any()
                    })
                }}
            </Suspense>
        </main>
    }
}
