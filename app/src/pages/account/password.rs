//! `/account/password`: change the password, optionally signing out everywhere else.

use crate::{
    api::account::ChangePassword,
    components::form::{field_error, outcome, Field, Outcome, SignOutOthers},
    model::password,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PasswordPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let outcome = outcome(action);
    // Passwords do not linger in the fields once they are saved.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(outcome.get(), Some(Ok(()))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <Title text="Password"/>
        <h1>"Change password"</h1>
        <ActionForm action node_ref=form attr:class="card">
            <Field label="Current password" name="current_password" input_type="password" autocomplete="current-password"
                error=field_error(outcome, "current_password")/>
            <Field label="New password" name="new_password" input_type="password" autocomplete="new-password"
                hint=password::HINT error=field_error(outcome, "new_password") check=password::check_length/>
            <Field label="Repeat the new password" name="confirm" input_type="password" autocomplete="new-password"
                error=field_error(outcome, "confirm")/>
            <SignOutOthers/>
            <Outcome outcome success="Your password was changed."/>
            <button type="submit" disabled=move || action.pending().get()>"Change password"</button>
        </ActionForm>
    }
}
