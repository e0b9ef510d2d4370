//! The areas of a grant as checkboxes (API tokens, admins' rights). The ticked areas travel
//! as one hidden field, `areas` ("quarantine,logs"): repeated names in a form do not read
//! as one value on the server.

use crate::model::grant::{Area, Areas};
use leptos::prelude::*;

#[component]
pub fn AreaChoice(
    /// The areas that may be ticked (the chooser's own).
    offered: Areas,
    /// Those ticked at first.
    #[prop(default = Areas::NONE)]
    ticked: Areas,
    /// Makes the checkboxes' ids unique when several forms are on one screen.
    #[prop(into, default = "new".into())]
    id_prefix: String,
    /// What ticking none means, shown as the hint.
    hint: &'static str,
    /// The server's message for the field.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let ticked = RwSignal::new(ticked);
    let hint_id = format!("{id_prefix}-areas-hint");
    let error_id = format!("{id_prefix}-areas-error");
    let described_by = format!("{hint_id} {error_id}");
    let boxes = offered
        .iter()
        .map(|area: Area| {
            let id = format!("{id_prefix}-area-{}", area.key());
            let label_for = id.clone();
            view! {
                <div class="check">
                    <input type="checkbox" id=id checked=ticked.get_untracked().contains(area)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            ticked.update(|t| *t = if on { t.with(area) } else { t.without(area) });
                        }/>
                    <label for=label_for>{area.label()}</label>
                </div>
            }
        })
        .collect_view();
    let value = move || {
        ticked
            .get()
            .iter()
            .map(Area::key)
            .collect::<Vec<_>>()
            .join(",")
    };
    view! {
        <fieldset aria-describedby=described_by>
            <legend>"Areas"</legend>
            <p class="hint" id=hint_id>{hint}</p>
            {boxes}
            <input type="hidden" name="areas" prop:value=value/>
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </fieldset>
    }
}
