//! `/admin/domains/:id/sdr`: split domain routing. With it on, mail for the domain's
//! mailboxes here is delivered here, and every other local part is relayed to the
//! destination server (the domain's other mail system).

use crate::{
    api::routing::{get_sdr, SetSdr},
    components::{
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        loaded::Loaded,
    },
    model::route::{Destination, Sdr},
};
use leptos::prelude::*;

#[component]
pub fn SdrPage() -> impl IntoView {
    let id = use_domain_id();
    let save = ServerAction::<SetSdr>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(save, changed);
    let sdr = Resource::new(move || (id.get(), changed.get()), |(id, _)| get_sdr(id));
    view! {
        <Loaded resource=sdr ok=move |s| view! { <Screen id=id.get_untracked() s save/> }/>
    }
}

#[component]
fn Screen(id: i64, s: Sdr, save: ServerAction<SetSdr>) -> impl IntoView {
    let outcome = outcome(save);
    let state = match (&s.destination, s.enabled) {
        (Some(d), true) => format!("On: local parts without a mailbox here go to {d}."),
        _ => "Off: mail for addresses without a mailbox or alias here is refused.".to_string(),
    };
    view! {
        <DomainTabs id domain=s.domain.clone() screen="Split domain routing"/>
        <p>{format!("Split domain routing shares {} with another mail system: mailboxes that exist here are delivered here; every other local part is relayed to the destination server.", s.domain)}</p>
        <p class="notice" role="status">{state}</p>
        <ActionForm action=save attr:class="card">
            <input type="hidden" name="domain" value=id/>
            <fieldset>
                <legend>"Split domain routing"</legend>
                <div class="check">
                    <input type="radio" id="sdr-on" name="enabled" value="true" checked=s.enabled/>
                    <label for="sdr-on">"On"</label>
                </div>
                <div class="check">
                    <input type="radio" id="sdr-off" name="enabled" value="false" checked=!s.enabled/>
                    <label for="sdr-off">"Off"</label>
                </div>
            </fieldset>
            <Field label="Destination server" name="destination" required=false value=s.destination.clone().unwrap_or_default()
                hint="The other mail system, for example exchange.example.org:25."
                error=field_error(outcome, "destination") check=|v| Destination::parse(v).map(drop)/>
            <Outcome outcome success="Saved."/>
            <button type="submit" disabled=move || save.pending().get()>"Save"</button>
        </ActionForm>
    }
}
