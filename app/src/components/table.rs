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

/// A data table in its region: a caption for screen readers, one header per column (a
/// last column of row actions gets a hidden "Actions" header), and the rows. On narrow
/// screens each row becomes a card labelled by its cells' `data-label`.
#[component]
pub fn DataTable(
    label: &'static str,
    columns: &'static [&'static str],
    #[prop(optional)] actions: bool,
    children: Children,
) -> impl IntoView {
    let headers = columns
        .iter()
        .map(|c| view! { <th scope="col">{*c}</th> })
        .collect_view();
    view! {
        <TableRegion label>
            <table class="cards">
                <caption class="visually-hidden">{label}</caption>
                <thead>
                    <tr>
                        {headers}
                        {actions.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </TableRegion>
    }
}
