//! `/admin/admin-two-factor` (master admins): require two-factor authentication for every
//! admin, and see who has not set it up yet.

use crate::{
    api::two_factor::{read_two_factor_policy, SetTwoFactorPolicy},
    components::{
        form::{field_error, outcome, Outcome},
        loaded::Loaded,
    },
    model::two_factor::TwoFactorPolicy,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminTwoFactorPage() -> impl IntoView {
    let set = ServerAction::<SetTwoFactorPolicy>::new();
    let policy = Resource::new(move || set.version().get(), |_| read_two_factor_policy());
    view! {
        <Title text="Admin two-factor authentication"/>
        <h1>"Two-factor authentication for admins"</h1>
        <Loaded resource=policy ok=move |p| view! { <PolicyForm p set/> }/>
    }
}

#[component]
fn PolicyForm(p: TwoFactorPolicy, set: ServerAction<SetTwoFactorPolicy>) -> impl IntoView {
    let outcome = outcome(set);
    let error = field_error(outcome, "require_for_admins");
    let without = if p.admins_without.is_empty() {
        view! { <p>"Every admin has two-factor authentication."</p> }.into_any()
    } else {
        let items = p
            .admins_without
            .into_iter()
            .map(|email| view! { <li>{email}</li> })
            .collect_view();
        view! { <ul class="plain-list">{items}</ul> }.into_any()
    };
    view! {
        <ActionForm action=set attr:class="card">
            <div class="check">
                <input type="checkbox" id="require_for_admins" name="require_for_admins"
                    checked=p.require_for_admins aria-describedby="require-hint require-error"/>
                <label for="require_for_admins">"Require two-factor authentication for all admins"</label>
            </div>
            <p class="hint" id="require-hint">
                "An admin without it is sent to set it up at their next sign-in, and admin screens stay closed to them until then."
            </p>
            <p class="field-error" id="require-error">{error}</p>
            <Outcome outcome success="The policy was saved."/>
            <button type="submit" disabled=move || set.pending().get()>"Save"</button>
        </ActionForm>
        <h2>"Admins without two-factor authentication"</h2>
        {without}
    }
}
