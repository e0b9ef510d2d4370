//! `/sign-in`: email and password.

use crate::{
    api::auth::SignIn,
    components::form::{field_error, outcome, Field, Outcome},
    model::EmailAddress,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let outcome = outcome(action);
    view! {
        <Title text="Sign in"/>
        <main id="main" class="narrow">
            <h1>"Sign in to Mail Portal"</h1>
            <ActionForm action>
                <Field label="Email address" name="email" input_type="email" autocomplete="username"
                    error=field_error(outcome, "email") check=|v| EmailAddress::parse(v).map(drop)/>
                <Field label="Password" name="password" input_type="password" autocomplete="current-password"
                    error=field_error(outcome, "password")/>
                <Outcome outcome success="Signed in."/>
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p><a href="/reset-password">"Forgot your password?"</a></p>
        </main>
    }
}
