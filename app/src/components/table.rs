//! The frame around a data table.

use leptos::prelude::*;

/// A table that scrolls sideways when it is wider than the screen. It is a labelled,
/// focusable region so that keyboard users can scroll it too (WCAG 2.1.1).
#[component]
pub fn TableRegion(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label=label tabindex="0">
            {children()}
        </div>
    }
}
