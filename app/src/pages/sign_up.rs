//! `/sign-up`: auto migration. Someone of a domain moving here signs up with the address and
//! password of their old mail server; the server checks them there over IMAP, creates the
//! account and starts copying their mail (then `/account/migration`).

use crate::{
    api::migration::SignUp,
    components::form::{field_error, outcome, Field, Outcome},
    model::EmailAddress,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let outcome = outcome(action);
    let pending = action.pending();
    view! {
        <Title text="Move your mailbox here"/>
        <main id="main" class="narrow">
            <h1>"Move your mailbox here"</h1>
            <p>
                "If your domain is moving to this portal, sign up with the address and password you use on your current mail server. "
                "We check them there, create your account with the same password, and copy your mail, folders and flags included."
            </p>
            <ActionForm action>
                <Field label="Email address" name="email" input_type="email" autocomplete="username"
                    error=field_error(outcome, "email") check=|v| EmailAddress::parse(v).map(drop)/>
                <Field label="Password" name="password" input_type="password" autocomplete="current-password"
                    hint="The one you use on your current mail server."
                    error=field_error(outcome, "password")/>
                <Outcome outcome success="Signed up."/>
                // The old server's answer can take seconds: say what is going on.
                <p class="loading" role="status">{move || pending.get().then_some("Checking with your mail server…")}</p>
                <button type="submit" disabled=move || pending.get()>"Sign up and move my mail"</button>
            </ActionForm>
            <p><A href="/sign-in">"I already have an account"</A></p>
        </main>
    }
}
