//! `/admin/unlock-codes` (domain admins): unlock a person's authenticator codes after a
//! run of wrong ones locked them.

use crate::{
    api::two_factor::UnlockTwoFactor,
    components::form::{field_error, outcome, Field, Outcome},
    model::EmailAddress,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UnlockCodesPage() -> impl IntoView {
    let action = ServerAction::<UnlockTwoFactor>::new();
    let outcome = outcome(action);
    view! {
        <Title text="Unlock two-factor codes"/>
        <h1>"Unlock two-factor codes"</h1>
        <p>
            "After 100 wrong codes in a row an account's authenticator codes are locked, so that "
            "nobody can keep guessing. Unlock them once you have spoken to the account's owner."
        </p>
        <ActionForm action attr:class="card">
            <Field label="Account's email address" name="email" input_type="email"
                error=field_error(outcome, "email") check=|v| EmailAddress::parse(v).map(drop)/>
            <Outcome outcome success="The codes were unlocked."/>
            <button type="submit" disabled=move || action.pending().get()>"Unlock"</button>
        </ActionForm>
    }
}
