//! `/account/recovery-email`: the address a password reset link goes to.

use crate::{
    api::account::{my_account, SetRecoveryEmail},
    components::form::{field_error, outcome, Field, Outcome, SignOutOthers},
    model::EmailAddress,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RecoveryEmailPage() -> impl IntoView {
    let action = ServerAction::<SetRecoveryEmail>::new();
    let outcome = outcome(action);
    let summary = Resource::new(move || action.version().get(), |_| my_account());
    view! {
        <Title text="Recovery email"/>
        <h1>"Recovery email"</h1>
        <p>"If you forget your password, a reset link goes to this address. Use one outside this account."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let current = summary.await.ok().and_then(|s| s.recovery_email);
                view! {
                    <p class="current">
                        "Now: " <strong>{current.clone().unwrap_or_else(|| "not set".into())}</strong>
                    </p>
                    <ActionForm action attr:class="card">
                        <Field label="Recovery email address" name="recovery_email" input_type="email" autocomplete="email"
                            required=false value=current.unwrap_or_default()
                            hint="Leave empty to remove it." error=field_error(outcome, "recovery_email")
                            check=|v| EmailAddress::parse(v).map(drop)/>
                        <Field label="Current password" name="current_password" input_type="password"
                            autocomplete="current-password" hint="Asked again because this address can reset your password."
                            error=field_error(outcome, "current_password")/>
                        <SignOutOthers/>
                        <Outcome outcome success="Your recovery email was saved."/>
                        <button type="submit" disabled=move || action.pending().get()>"Save recovery email"</button>
                    </ActionForm>
                }
            })}
        </Suspense>
    }
}
