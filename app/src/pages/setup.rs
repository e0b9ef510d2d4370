//! `/setup/:token`: first start, the first master admin chooses an address and password.

use crate::{
    api::setup::{setup_link_status, CreateFirstAdmin},
    components::form::{field_error, outcome, Field, Outcome},
    model::{password, EmailAddress},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn SetupPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let t = token.clone();
    let usable = Resource::new(|| (), move |_| setup_link_status(t.clone()));
    let action = ServerAction::<CreateFirstAdmin>::new();
    let outcome = outcome(action);
    view! {
        <Title text="Set up"/>
        <main id="main" class="narrow">
            <h1>"Set up Mail Portal"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        if !matches!(usable.await, Ok(true)) {
                            super::set_http_status(410);
                            return view! {
                                <p class="form-error" role="alert">
                                    "This setup link has expired or was used already. Restart mailportal to print a new one, \
                                     or sign in if the first admin exists."
                                </p>
                                <p><a href="/sign-in">"Sign in"</a></p>
                            }.into_any();
                        }
                        view! {
                            <p>"Create the first master admin. You can add more people once you are signed in."</p>
                            <ActionForm action>
                                <input type="hidden" name="token" value=token/>
                                <Field label="Your email address" name="email" input_type="email" autocomplete="username"
                                    error=field_error(outcome, "email") check=|v| EmailAddress::parse(v).map(drop)/>
                                <Field label="Password" name="password" input_type="password" autocomplete="new-password"
                                    hint=password::HINT error=field_error(outcome, "password") check=password::check_length/>
                                <Field label="Repeat the password" name="confirm" input_type="password" autocomplete="new-password"
                                    error=field_error(outcome, "confirm")/>
                                <Outcome outcome success="Admin created."/>
                                <button type="submit" disabled=move || action.pending().get()>"Create admin and sign in"</button>
                            </ActionForm>
                        }.into_any()
                    })
                }}
            </Suspense>
        </main>
    }
}
