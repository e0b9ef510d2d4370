//! `/sign-in`: email and password, or a passkey (the button, or the email field's autofill
//! where the browser offers passkeys there).

use crate::{
    api::auth::SignIn,
    components::form::{field_error, outcome, Field, Outcome},
    model::EmailAddress,
    webauthn,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let outcome = outcome(action);
    view! {
        <Title text="Sign in"/>
        <main id="main" class="narrow">
            <h1>"Sign in to Mail Portal"</h1>
            <ActionForm action>
                // "webauthn": the browser may offer passkeys in this field's autofill.
                <Field label="Email address" name="email" input_type="email" autocomplete="username webauthn"
                    error=field_error(outcome, "email") check=|v| EmailAddress::parse(v).map(drop)/>
                <Field label="Password" name="password" input_type="password" autocomplete="current-password"
                    error=field_error(outcome, "password")/>
                <Outcome outcome success="Signed in."/>
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <PasskeySignIn/>
            <p><a href="/reset-password">"Forgot your password?"</a></p>
            <p>"Moving your mailbox here? " <A href="/sign-up">"Sign up with your current address and password"</A></p>
        </main>
    }
}

#[component]
fn PasskeySignIn() -> impl IntoView {
    let by_button = Action::new_unsync(|_: &()| webauthn::sign_in());
    let by_autofill = Action::new_unsync(|_: &()| webauthn::sign_in_by_autofill());
    // Effects run only in the browser, once the page is hydrated.
    Effect::new(move |_| untrack(|| by_autofill.dispatch(())));
    Effect::new(move |_| {
        if let Some(Ok(next)) = by_button.value().get() {
            webauthn::go_to(&next);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(Some(next))) = by_autofill.value().get() {
            webauthn::go_to(&next);
        }
    });
    let error = move || {
        let button = by_button.value().get().and_then(Result::err);
        let autofill = by_autofill.value().get().and_then(Result::err);
        button.or(autofill).map(|e| e.to_string())
    };
    view! {
        <div class="passkey-sign-in">
            <p class="or">"or, without a password"</p>
            <button type="button" class="secondary" disabled=move || by_button.pending().get()
                on:click=move |_| { by_button.dispatch(()); }>
                {move || if by_button.pending().get() { "Waiting for your passkey…" } else { "Sign in with a passkey" }}
            </button>
            <p class="form-error" role="alert">{error}</p>
        </div>
    }
}
