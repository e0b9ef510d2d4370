//! `/account/api` (admins): the API's functions, grouped by area, each with its form
//! fields: the same registry `/api/openapi.json` is written from.

use crate::{
    api::api_tokens::{api_operations, Operation},
    components::{loaded::Loaded, table::DataTable},
    model::grant::Area,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ApiPage() -> impl IntoView {
    let operations = Resource::new(|| (), |_| api_operations());
    view! {
        <Title text="API"/>
        <h1>"API"</h1>
        <p>
            "Each admin function of the portal is a POST to its path with a form (application/x-www-form-urlencoded) "
            "and the header " <code>"Authorization: Bearer <token>"</code> "; the answer is JSON. "
            "Make a token under " <A href="/account/api-tokens">"API tokens"</A> ". "
            "Tools read the same description as OpenAPI 3.1 at "
            <a href="/api/openapi.json" rel="external">"/api/openapi.json"</a> "."
        </p>
        <pre class="example"><code>"curl -H 'Authorization: Bearer mpt_…' -d domain=1 https://portal.example.org/api/aliases/list"</code></pre>
        <Loaded resource=operations ok=|all| view! { <ByArea all/> }/>
    }
}

#[component]
fn ByArea(all: Vec<Operation>) -> impl IntoView {
    Area::ALL
        .into_iter()
        .map(|area| {
            let rows = all
                .iter()
                .filter(|o| o.area == area)
                .map(|o| {
                    let fields = if o.fields.is_empty() {
                        "None".to_string()
                    } else {
                        o.fields
                            .iter()
                            .map(|(name, kind, required)| {
                                let optional = if *required { "" } else { ", optional" };
                                format!("{name} ({kind}{optional})")
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    };
                    let access = if o.write { "Changes" } else { "Reads" };
                    view! {
                        <tr>
                            <td data-label="Path"><code>{o.path.clone()}</code></td>
                            <td data-label="What it does">{o.summary.clone()}</td>
                            <td data-label="Access">{access}</td>
                            <td data-label="Form fields">{fields}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h2>{area.label()}</h2>
                <DataTable label=area.label() columns=&["Path", "What it does", "Access", "Form fields"]>
                    {rows}
                </DataTable>
            }
        })
        .collect_view()
}
