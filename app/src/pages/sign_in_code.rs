//! `/sign-in/code`: the second step of signing in, for accounts with two-factor
//! authentication. No session exists until this step passes.

use crate::{
    api::auth::SignInCode,
    components::form::{field_error, outcome, Field, Outcome},
    model::two_factor::SecondFactorCode,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInCodePage() -> impl IntoView {
    let action = ServerAction::<SignInCode>::new();
    let outcome = outcome(action);
    view! {
        <Title text="Two-factor authentication"/>
        <main id="main" class="narrow">
            <h1>"Enter your code"</h1>
            <p>"Your account uses two-factor authentication. Open your authenticator app and enter the code it shows for Mail Portal."</p>
            <ActionForm action>
                <Field label="Authentication code" name="code" autocomplete="one-time-code"
                    hint="Six digits from the app, or one of your recovery codes if you do not have your phone."
                    error=field_error(outcome, "code") check=|v| SecondFactorCode::parse(v).map(drop)/>
                <Outcome outcome success="Signed in."/>
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Checking…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p><a href="/sign-in">"Start again with your password"</a></p>
        </main>
    }
}
