//! Import and export of a list as CSV, below the list: an Export link (a download the
//! browser saves) and an Import form that sends the chosen file and shows, row by row,
//! what was refused — then nothing was imported — or what was added and changed.

use crate::{
    api::transfer::{export_href, ImportCsv},
    components::form::bump_on_success,
    error::AppError,
    model::transfer::{Dataset, ImportReport, MAX_IMPORT_BYTES},
};
use leptos::prelude::*;

#[component]
pub fn Transfer(
    dataset: Dataset,
    /// The domain whose list it is; `None` for the host's domains.
    #[prop(into)]
    domain: Signal<Option<i64>>,
    /// Moved when an import changed the list, so that the list reloads.
    changed: RwSignal<u32>,
    /// Another list the same import reads, offered as a second export (relay domains).
    #[prop(optional)]
    also: Option<Dataset>,
) -> impl IntoView {
    let import = ServerAction::<ImportCsv>::new();
    bump_on_success(import, changed);
    let file = NodeRef::<leptos::html::Input>::new();
    // A problem with the file found before sending it (too large, unreadable).
    let local_error = RwSignal::new(None::<String>);
    let label = dataset.label();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        local_error.set(None);
        import.value().set(None);
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = file.get() else { return };
            let Some(chosen) = input.files().and_then(|f| f.get(0)) else {
                local_error.set(Some("Choose a CSV file first.".into()));
                return;
            };
            if chosen.size() > MAX_IMPORT_BYTES as f64 {
                local_error.set(Some(format!(
                    "The file is larger than {} KB. Split it and import the parts one after another.",
                    MAX_IMPORT_BYTES / 1024
                )));
                return;
            }
            let domain = domain.get_untracked();
            leptos::task::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(chosen.text()).await {
                    Ok(text) => {
                        import.dispatch(ImportCsv {
                            dataset: dataset.slug().to_string(),
                            domain,
                            csv: text.as_string().unwrap_or_default(),
                        });
                    }
                    Err(_) => local_error.set(Some(
                        "The file could not be read. Save it as CSV (UTF-8) and try again.".into(),
                    )),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (file, domain, MAX_IMPORT_BYTES);
    };
    let href = move || export_href(dataset, domain.get());
    let also = also.map(|other| {
        let href = move || export_href(other, domain.get());
        let text = format!("Export {} (CSV)", other.label());
        view! { " " <a href=href class="button secondary" download rel="external">{text}</a> }
    });
    view! {
        <section class="transfer" aria-labelledby="transfer-heading">
            <h2 id="transfer-heading">"Import and export"</h2>
            <p>
                <a href=href class="button secondary" download rel="external">{format!("Export {label} (CSV)")}</a>
                {also}
            </p>
            <form on:submit=on_submit class="import-form">
                <div class="field">
                    <label for="import-file">{format!("CSV file of {label} to import")}</label>
                    <input id="import-file" node_ref=file type="file" accept=".csv,text/csv" aria-describedby="import-hint"/>
                    <p class="hint" id="import-hint">
                        {dataset.help()}
                        " Every row is checked first: nothing is imported unless all rows are good. An import adds and changes entries; it never deletes one."
                    </p>
                </div>
                <button type="submit" disabled=move || import.pending().get()>"Import"</button>
            </form>
            <div aria-live="polite">
                {move || import.pending().get().then(|| view! { <p class="loading">"Checking every row…"</p> })}
                {move || local_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                {move || import.value().get().map(report_view)}
            </div>
        </section>
    }
}

fn report_view(result: Result<ImportReport, AppError>) -> AnyView {
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let text = e.for_field("file").unwrap_or_else(|| e.to_string());
            return view! { <p class="form-error" role="alert">{format!("Nothing was imported. {text}")}</p> }
                .into_any();
        }
    };
    if !report.applied() {
        let n = report.problems.len();
        let rows = report
            .problems
            .into_iter()
            .map(|p| view! { <tr><td data-label="Row">{p.row}</td><td data-label="Problem">{p.reason}</td></tr> })
            .collect_view();
        let heading = if n == 1 {
            "Nothing was imported: 1 row has a problem. Correct it and import the file again."
                .to_string()
        } else {
            format!("Nothing was imported: {n} rows have problems. Correct them and import the file again.")
        };
        return view! {
            <div class="import-problems" role="alert">
                <p class="form-error">{heading}</p>
                <table>
                    <caption class="visually-hidden">"Rows with problems"</caption>
                    <thead><tr><th scope="col">"Row"</th><th scope="col">"Problem"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any();
    }
    let summary = format!(
        "Imported: {} added, {} changed, {} unchanged.",
        report.added.len(),
        report.changed.len(),
        report.unchanged
    );
    let list = |title: &'static str, lines: Vec<String>| {
        (!lines.is_empty()).then(|| {
            let items = lines
                .into_iter()
                .map(|l| view! { <li>{l}</li> })
                .collect_view();
            view! { <h3>{title}</h3><ul class="import-lines">{items}</ul> }
        })
    };
    view! {
        <div class="import-done" role="status">
            <p class="notice">{summary}</p>
            {list("Added", report.added)}
            {list("Changed", report.changed)}
        </div>
    }
    .into_any()
}
