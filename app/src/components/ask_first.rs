//! A destructive action behind a question: the first button only asks; the form given as
//! children (whose button names the change) makes it, or Cancel leaves things as they were.

use crate::error::AppError;
use leptos::{prelude::*, server_fn::ServerFn};

/// The question's state; closes when `action` succeeds.
pub fn asking_until<S>(action: ServerAction<S>) -> RwSignal<bool>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let asking = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            asking.set(false);
        }
    });
    asking
}

#[component]
pub fn AskFirst(
    asking: RwSignal<bool>,
    /// The first button's text.
    label: &'static str,
    /// Said after the label to screen readers only: which row's button this is.
    #[prop(optional, into)]
    context: Option<String>,
    #[prop(into)] question: String,
    /// The form that makes the change.
    children: ChildrenFn,
) -> impl IntoView {
    let question = StoredValue::new(question);
    move || {
        if asking.get() {
            view! {
                <div class="ask-first">
                    <p>{question.get_value()}</p>
                    {children()}
                    <button type="button" class="secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                </div>
            }
            .into_any()
        } else {
            let context = context
                .clone()
                .map(|c| view! { <span class="visually-hidden">" "{c}</span> });
            view! { <button type="button" class="secondary" on:click=move |_| asking.set(true)>{label}{context}</button> }
                .into_any()
        }
    }
}
