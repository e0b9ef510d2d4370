//! `/learning`: teach the spam filter with saved messages (.eml files), chosen or dropped
//! several at once, as spam or not spam. The files are sent one by one, so the page tells
//! how far it got and what became of each. A person may only report their own mail (a
//! domain admin their domains'), a limited number an hour.

use crate::{
    api::learning::read_learning_status,
    components::loaded::Loaded,
    model::learning::{Class, LearningStatus, MAX_UPLOAD_BYTES},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// What became of one file: the server's words, or why it was not learned.
#[derive(Debug, Clone, PartialEq)]
struct FileOutcome {
    name: String,
    said: Result<String, String>,
}

/// How far the upload got: files sent, of how many.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Progress {
    sent: usize,
    total: usize,
}

#[component]
pub fn LearningPage() -> impl IntoView {
    let finished = RwSignal::new(0u32);
    let status = Resource::new(move || finished.get(), |_| read_learning_status());
    view! {
        <Title text="Teach the spam filter"/>
        <h1>"Teach the spam filter"</h1>
        <p>
            "The spam filter learns what spam and wanted mail look like on this server from the \
             messages people report. Besides “Report as spam” and “Not spam” in the "
            <a href="/mail-log">"mail log"</a>" and the "<a href="/quarantine">"quarantine"</a>
            ", you can give it messages you saved from your mail app as .eml files (“Save as…” \
             or “Show original”). Only your own mail can be reported."
        </p>
        <Loaded resource=status ok=|s: LearningStatus| view! {
            <p class="hint learned">{s.learned.describe()}</p>
            <p class="hint">{allowance(&s)}</p>
        }/>
        <Upload finished/>
    }
}

fn allowance(s: &LearningStatus) -> String {
    format!(
        "You may report {} messages an hour; {} are left this hour.",
        s.per_hour, s.left
    )
}

/// The files to send, chosen in the file field or dropped on the drop zone, and the class.
#[component]
fn Upload(
    /// Moved when an upload ends, so that the numbers reload.
    finished: RwSignal<u32>,
) -> impl IntoView {
    let class = RwSignal::new(Class::Spam);
    // The chosen files live in the browser only; their names are shown.
    let names = RwSignal::new(Vec::<String>::new());
    let progress = RwSignal::new(None::<Progress>);
    let outcomes = RwSignal::new(Vec::<FileOutcome>::new());
    let problem = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let files: Files = StoredValue::new_local(Chosen::default());
    let sending = move || progress.get().is_some_and(|p| p.sent < p.total);

    let on_change = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(list) = input.get().and_then(|i| i.files()) {
            choose(files, names, browser::from_list(&list));
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            choose(files, names, browser::from_list(&list));
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        if names.with(Vec::is_empty) {
            problem.set(Some("Choose or drop one or more .eml files first.".into()));
        } else {
            #[cfg(feature = "hydrate")]
            browser::send(files, class.get_untracked(), progress, outcomes, finished);
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = (input, files, outcomes, finished);

    view! {
        <section aria-labelledby="upload-heading">
            <h2 id="upload-heading">"Upload messages"</h2>
            <form on:submit=on_submit class="upload-form">
                <fieldset class="choices">
                    <legend>"These messages are"</legend>
                    <div class="check">
                        <input type="radio" id="class-spam" name="class" value="spam"
                            prop:checked=move || class.get() == Class::Spam
                            on:change=move |_| class.set(Class::Spam)/>
                        <label for="class-spam">"Spam"</label>
                    </div>
                    <div class="check">
                        <input type="radio" id="class-ham" name="class" value="ham"
                            prop:checked=move || class.get() == Class::Ham
                            on:change=move |_| class.set(Class::Ham)/>
                        <label for="class-ham">"Not spam (wanted mail)"</label>
                    </div>
                </fieldset>
                <div class="drop-zone" class:dragging=move || dragging.get()
                    on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop>
                    <label for="eml-files">"Message files (.eml)"</label>
                    <input id="eml-files" node_ref=input type="file" multiple accept=".eml,message/rfc822"
                        aria-describedby="eml-hint" on:change=on_change/>
                    <p class="hint" id="eml-hint">
                        {format!(
                            "Choose several files at once, or drop them here. Each may be up to {} KB.",
                            MAX_UPLOAD_BYTES / 1024
                        )}
                    </p>
                    <p class="chosen" aria-live="polite">{move || chosen_words(&names.get())}</p>
                </div>
                <button type="submit" disabled=sending>"Teach the filter"</button>
            </form>
            <p class="form-error" role="alert">{move || problem.get()}</p>
            <p role="status" class="progress">{move || progress.get().map(progress_words)}</p>
            <Outcomes outcomes/>
        </section>
    }
}

/// The files chosen; kept in the browser only (a `File` is not sent between threads).
#[cfg(feature = "hydrate")]
type Chosen = Vec<web_sys::File>;
/// The server renders the page and never holds a file.
#[cfg(not(feature = "hydrate"))]
type Chosen = Vec<std::convert::Infallible>;
type Files = StoredValue<Chosen, LocalStorage>;

#[cfg(feature = "hydrate")]
fn choose(files: Files, names: RwSignal<Vec<String>>, chosen: Vec<web_sys::File>) {
    names.set(chosen.iter().map(web_sys::File::name).collect());
    files.set_value(chosen);
}

fn chosen_words(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("1 file chosen: {one}"),
        many => format!("{} files chosen: {}", many.len(), many.join(", ")),
    }
}

fn progress_words(p: Progress) -> String {
    if p.sent < p.total {
        format!("Sending file {} of {}…", p.sent + 1, p.total)
    } else {
        format!("Done: {} of {} files sent.", p.sent, p.total)
    }
}

/// What became of each file, learned or not.
#[component]
fn Outcomes(outcomes: RwSignal<Vec<FileOutcome>>) -> impl IntoView {
    move || {
        let list = outcomes.get();
        (!list.is_empty()).then(|| {
            let learned = list.iter().filter(|o| o.said.is_ok()).count();
            let rows = list
                .into_iter()
                .map(|o| {
                    let (class, said) = match o.said {
                        Ok(s) => ("learned", s),
                        Err(e) => ("refused", e),
                    };
                    view! { <li class=class><strong>{o.name}": "</strong>{said}</li> }
                })
                .collect_view();
            view! {
                <h3>{format!("{learned} learned")}</h3>
                <ul class="upload-outcomes">{rows}</ul>
            }
        })
    }
}

/// Reading the files and sending them, in the browser.
#[cfg(feature = "hydrate")]
mod browser {
    use super::{FileOutcome, Files, Progress};
    use crate::{api::learning::learn_file, model::learning::Class};
    use leptos::prelude::*;

    pub fn from_list(list: &web_sys::FileList) -> Vec<web_sys::File> {
        (0..list.length()).filter_map(|i| list.get(i)).collect()
    }

    /// Sends the files one after another, telling each outcome as it comes.
    pub fn send(
        files: Files,
        class: Class,
        progress: RwSignal<Option<Progress>>,
        outcomes: RwSignal<Vec<FileOutcome>>,
        finished: RwSignal<u32>,
    ) {
        let files = files.get_value();
        outcomes.set(Vec::new());
        progress.set(Some(Progress {
            sent: 0,
            total: files.len(),
        }));
        leptos::task::spawn_local(async move {
            for (n, file) in files.into_iter().enumerate() {
                let name = file.name();
                let said = one(&file, class).await;
                outcomes.update(|o| o.push(FileOutcome { name, said }));
                progress.update(|p| {
                    if let Some(p) = p {
                        p.sent = n + 1;
                    }
                });
            }
            finished.update(|n| *n += 1);
        });
    }

    async fn one(file: &web_sys::File, class: Class) -> Result<String, String> {
        if file.size() > super::MAX_UPLOAD_BYTES as f64 {
            return Err(format!(
                "larger than {} KB, so it was not sent.",
                super::MAX_UPLOAD_BYTES / 1024
            ));
        }
        let text = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .map_err(|_| "the file could not be read.".to_string())?;
        let text = text.as_string().unwrap_or_default();
        learn_file(file.name(), text, class.as_str().to_string())
            .await
            .map_err(|e| e.to_string())
    }
}
