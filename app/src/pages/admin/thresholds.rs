//! `/admin/domains/:id/thresholds`: the domain's antispam thresholds. Saving gives the
//! domain its own values; "Use the global values" (after asking) returns it to the ones a
//! master admin sets for every domain.

use crate::{
    api::antispam::{get_thresholds, preview_thresholds, ResetThresholds, SaveThresholds},
    components::{
        ask_first::{asking_until, AskFirst},
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, outcome, Outcome},
        loaded::Loaded,
        table::DataTable,
        thresholds::{ThresholdFields, Typed, EXPLAINED},
    },
    error::AppError,
    model::antispam::{ThresholdPreview, ThresholdsView, Treatment},
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
    let current = v.own.unwrap_or(v.global);
    let typed = Typed::new(current);
    view! {
        <DomainTabs id domain=v.domain.clone() screen="Antispam thresholds" kind=v.kind/>
        <p>{EXPLAINED}</p>
        <p class="notice" role="status">{state}</p>
        <ActionForm action=save attr:class="card">
            <input type="hidden" name="domain" value=id/>
            <ThresholdFields value=current outcome=saved typed=Some(typed)/>
            <Outcome outcome=saved success="Saved: the next message is judged by these values."/>
            <button type="submit" disabled=move || save.pending().get()>"Save thresholds"</button>
        </ActionForm>
        <Preview id typed/>
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

/// How the domain's last days of scored mail went, next to how it would go with the values
/// in the fields: recounted as they are typed, before anything is saved. Counted in the
/// browser once the page runs (the page as served says "Counting…"): the fields change
/// under it, and a preview rendered by the server would have to match them when hydrated.
#[component]
fn Preview(id: i64, typed: Typed) -> impl IntoView {
    let preview = RwSignal::new(None::<Result<ThresholdPreview, AppError>>);
    // Answers can come back out of order: only the latest asked is shown.
    let asked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let (defer, tag, reject) = typed.get();
        let this = asked.get_value() + 1;
        asked.set_value(this);
        leptos::task::spawn_local(async move {
            let answer = preview_thresholds(id, defer, tag, reject).await;
            if asked.get_value() == this {
                preview.set(Some(answer));
            }
        });
    });
    let shown = move || match preview.get() {
        None => view! { <p class="loading">"Counting…"</p> }.into_any(),
        Some(Ok(p)) => view! { <PreviewTable p/> }.into_any(),
        Some(Err(e)) if e.is_field_error() => view! {
            <p class="hint" role="status">{format!("No preview for these values: {e}")}</p>
        }
        .into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Preview on the last 7 days"</h2>
            {shown}
        </section>
    }
}

#[component]
fn PreviewTable(p: ThresholdPreview) -> impl IntoView {
    if p.scored == 0 {
        return view! {
            <p role="status">{format!("No scored mail in the last {} days to preview with.", p.days)}</p>
        }
        .into_any();
    }
    let changed = p.counts.iter().any(|(_, got, would)| got != would);
    let rows = p
        .counts
        .into_iter()
        .map(|(t, got, would)| {
            let difference = match would - got {
                0 => "—".to_string(),
                d if d > 0 => format!("+{d}"),
                d => d.to_string(),
            };
            view! {
                <tr>
                    <td data-label="Treatment">{t.label()}</td>
                    <td data-label="What happened">{got}</td>
                    <td data-label="With these values">{would}</td>
                    <td data-label="Difference">{difference}</td>
                </tr>
            }
        })
        .collect_view();
    let said = if changed {
        format!("With these values, the {} scored messages of the last {} days would have gone as below.", p.scored, p.days)
    } else {
        format!(
            "These values treat the {} scored messages of the last {} days as they were treated.",
            p.scored, p.days
        )
    };
    view! {
        <p role="status">{said}</p>
        <DataTable label="Scored mail of the last 7 days by treatment"
            columns=&["Treatment", "What happened", "With these values", "Difference"]>
            {rows}
        </DataTable>
        <p class="hint">{format!(
            "Whitelisted and blacklisted mail is not scored and not counted. A message at the defer score counts as {}: its first attempt is.",
            Treatment::Greylisted.label().to_lowercase()
        )}</p>
    }
    .into_any()
}
