//! "Confirm it's you": before a change to sign-in factors, the person proves their
//! password again (or uses a passkey) when their last proof is older than ten minutes.

use crate::{
    api::two_factor::ConfirmIdentity,
    components::form::{field_error, outcome, Field, Outcome},
    webauthn,
};
use leptos::prelude::*;

/// Bumps `confirmed` when the password or a passkey was accepted; the screen then reloads
/// what it shows.
#[component]
pub fn ConfirmIt(confirmed: RwSignal<u32>) -> impl IntoView {
    let by_password = ServerAction::<ConfirmIdentity>::new();
    let by_passkey = Action::new_unsync(|_: &()| webauthn::confirm());
    let password_outcome = outcome(by_password);
    let passkey_outcome = Signal::derive(move || by_passkey.value().get());
    Effect::new(move |_| {
        let password_ok = matches!(by_password.value().get(), Some(Ok(())));
        let passkey_ok = matches!(by_passkey.value().get(), Some(Ok(())));
        if password_ok || passkey_ok {
            confirmed.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card" aria-labelledby="confirm-heading">
            <h2 id="confirm-heading">"Confirm it's you"</h2>
            <p>"Changes to how you sign in need your password, or a passkey, again when you signed in more than 10 minutes ago."</p>
            <ActionForm action=by_password>
                <Field label="Your password" name="password" input_type="password" autocomplete="current-password"
                    error=field_error(password_outcome, "password")/>
                <Outcome outcome=password_outcome success="Thank you."/>
                <button type="submit" disabled=move || by_password.pending().get()>"Confirm"</button>
            </ActionForm>
            <p class="or">"or"</p>
            <Outcome outcome=passkey_outcome success="Thank you."/>
            <button type="button" class="secondary" disabled=move || by_passkey.pending().get()
                on:click=move |_| { by_passkey.dispatch(()); }>
                "Confirm with a passkey"
            </button>
        </section>
    }
}
