//! `/admin/domains/:id/thresholds`: the domain's antispam thresholds. Saving gives the
//! domain its own values; "Use the global values" (after asking) returns it to the ones a
//! master admin sets for every domain.

use crate::{
    api::antispam::{get_thresholds, ResetThresholds, SaveThresholds},
    components::{
        ask_first::{asking_until, AskFirst},
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, outcome, Outcome},
        loaded::Loaded,
        thresholds::{ThresholdFields, EXPLAINED},
    },
    model::antispam::ThresholdsView,
};
use leptos::prelude::*;

#[component]
pub fn ThresholdsPage() -> impl IntoView {
    let id = use_domain_id();
    let save = ServerAction::<SaveThresholds>::new();
    let reset = ServerAction::<ResetThresholds>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(save, changed);
    bump_on_success(reset, changed);
    let view = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| get_thresholds(id),
    );
    view! {
        <Loaded resource=view ok=move |v| view! { <Screen id=id.get_untracked() v save reset/> }/>
    }
}

#[component]
fn Screen(
    id: i64,
    v: ThresholdsView,
    save: ServerAction<SaveThresholds>,
    reset: ServerAction<ResetThresholds>,
) -> impl IntoView {
    let saved = outcome(save);
    let reset_outcome = outcome(reset);
    let asking = asking_until(reset);
    let state = match &v.own {
        Some(own) => format!("{} has its own thresholds: {}.", v.domain, own.describe()),
        None => format!(
            "{} uses the global thresholds: {}.",
            v.domain,
            v.global.describe()
        ),
    };
    let has_own = v.own.is_some();
    view! {
        <DomainTabs id domain=v.domain.clone() screen="Antispam thresholds" kind=v.kind/>
        <p>{EXPLAINED}</p>
        <p class="notice" role="status">{state}</p>
        <ActionForm action=save attr:class="card">
            <input type="hidden" name="domain" value=id/>
            <ThresholdFields value=v.own.unwrap_or(v.global) outcome=saved/>
            <Outcome outcome=saved success="Saved: the next message is judged by these values."/>
            <button type="submit" disabled=move || save.pending().get()>"Save thresholds"</button>
        </ActionForm>
        <Show when=move || has_own>
            <section class="card" aria-labelledby="reset-heading">
                <h2 id="reset-heading">"Use the global values"</h2>
                <AskFirst asking label="Reset to the global values"
                    question="Drop this domain's own thresholds and use the global ones?">
                    <ActionForm action=reset attr:class="inline">
                        <input type="hidden" name="domain" value=id/>
                        <button type="submit" class="danger">"Use the global values"</button>
                    </ActionForm>
                </AskFirst>
            </section>
        </Show>
        <Outcome outcome=reset_outcome success="The domain uses the global thresholds again."/>
    }
}
