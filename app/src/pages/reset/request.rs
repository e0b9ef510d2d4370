//! `/reset-password`: asks for a reset link to the recovery email.

use crate::{
    api::reset::RequestPasswordReset,
    components::form::{field_error, outcome, Field, Outcome},
    model::EmailAddress,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let outcome = outcome(action);
    view! {
        <Title text="Reset password"/>
        <main id="main" class="narrow">
            <h1>"Reset your password"</h1>
            <p>"Enter your account's address. If the account has a recovery email, we send a link there that works for 30 minutes."</p>
            <ActionForm action>
                <Field label="Email address" name="email" input_type="email" autocomplete="username"
                    error=field_error(outcome, "email") check=|v| EmailAddress::parse(v).map(drop)/>
                <Outcome outcome success="If this address has an account with a recovery email, a reset link is on its way. Check that mailbox."/>
                <button type="submit" disabled=move || action.pending().get()>"Send reset link"</button>
            </ActionForm>
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </main>
    }
}
