//! `/admin/antispam/thresholds`: the global antispam thresholds (master admins), used by
//! every domain that has none of its own.

use crate::{
    api::antispam::{get_global_thresholds, SaveGlobalThresholds},
    components::{
        form::{bump_on_success, outcome, Outcome},
        loaded::Loaded,
        thresholds::{ThresholdFields, EXPLAINED},
    },
    model::antispam::Thresholds,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn GlobalThresholdsPage() -> impl IntoView {
    let save = ServerAction::<SaveGlobalThresholds>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(save, changed);
    let values = Resource::new(move || changed.get(), |_| get_global_thresholds());
    view! {
        <Title text="Global antispam thresholds"/>
        <h1>"Global antispam thresholds"</h1>
        <Loaded resource=values ok=move |t| view! { <Screen t save/> }/>
    }
}

#[component]
fn Screen(t: Thresholds, save: ServerAction<SaveGlobalThresholds>) -> impl IntoView {
    let saved = outcome(save);
    view! {
        <p>{EXPLAINED}</p>
        <p>"These values judge the mail of every domain without thresholds of its own (a domain's Antispam thresholds page sets those)."</p>
        <ActionForm action=save attr:class="card">
            <ThresholdFields value=t outcome=saved/>
            <Outcome outcome=saved success="Saved: the next message of every domain using the global values is judged by them."/>
            <button type="submit" disabled=move || save.pending().get()>"Save global thresholds"</button>
        </ActionForm>
    }
}
