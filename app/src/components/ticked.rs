//! Mass actions on the rows of a list: a tick box per row, one to tick the whole page, the
//! ticked ids sent as the form's `ids[n]`, and a line telling what an action did.

use crate::{error::AppError, model::list::Done};
use leptos::{prelude::*, server_fn::ServerFn};

/// The ticked rows of the page shown.
pub type Ticked = RwSignal<Vec<i64>>;

/// What the last mass action did (`Ok`) or why it failed.
pub type Said = RwSignal<Option<Result<String, String>>>;

/// "1 message deleted." / "3 messages deleted."
pub fn counted(n: usize, noun: &str, what: &str) -> String {
    if n == 1 {
        format!("1 {noun} {what}.")
    } else {
        format!("{n} {noun}s {what}.")
    }
}

/// What a mass action answers: a count, or a count with more to tell.
pub trait Told {
    fn told(&self, noun: &str, what: &str) -> String;
}

impl Told for usize {
    fn told(&self, noun: &str, what: &str) -> String {
        counted(*self, noun, what)
    }
}

impl Told for Done {
    fn told(&self, noun: &str, what: &str) -> String {
        let mut said = counted(self.count, noun, what);
        if !self.note.is_empty() {
            said.push(' ');
            said.push_str(&self.note);
        }
        said
    }
}

/// Tells what `action` did, in `said`, each time it answers.
pub fn report<S>(action: ServerAction<S>, said: Said, noun: &'static str, what: &'static str)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Told + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(answer) = action.value().get() {
            said.set(Some(
                answer
                    .map(|n| n.told(noun, what))
                    .map_err(|e| e.to_string()),
            ));
        }
    });
}

/// The success and failure lines of `said`, announced to screen readers.
#[component]
pub fn SaidLines(said: Said) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">{move || said.get().and_then(Result::err)}</p>
        <p class="form-success" role="status">{move || said.get().and_then(Result::ok)}</p>
    }
}

/// The tick box of the whole page (`ids`), and how many are ticked.
#[component]
pub fn TickAll(ticked: Ticked, ids: Vec<i64>, noun: &'static str) -> impl IntoView {
    let ids = StoredValue::new(ids);
    let count = move || ticked.with(Vec::len);
    let all = move || count() > 0 && count() == ids.with_value(Vec::len);
    view! {
        <div class="check">
            <input type="checkbox" id="select-all" prop:checked=all
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    ticked.set(if on { ids.get_value() } else { Vec::new() });
                }/>
            <label for="select-all">{format!("Tick every {noun} on this page")}</label>
        </div>
        <p aria-live="polite">{move || format!("{} ticked", count())}</p>
    }
}

/// One row's tick box; `label` names the row for screen readers.
#[component]
pub fn TickBox(ticked: Ticked, id: i64, label: String) -> impl IntoView {
    let check_id = format!("select-{id}");
    view! {
        <input type="checkbox" id=check_id.clone()
            prop:checked=move || ticked.with(|s| s.contains(&id))
            on:change=move |ev| {
                let on = event_target_checked(&ev);
                ticked.update(|s| {
                    s.retain(|i| *i != id);
                    if on {
                        s.push(id);
                    }
                });
            }/>
        <label for=check_id class="visually-hidden">{label}</label>
    }
}

/// The ticked ids as the hidden fields of a mass action's form.
pub fn ticked_fields(ticked: Ticked) -> impl Fn() -> AnyView + Send + Sync + Copy + 'static {
    move || {
        ticked
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, id)| view! { <input type="hidden" name=format!("ids[{i}]") value=id/> })
            .collect_view()
            .into_any()
    }
}
