//! Form pieces: a labelled field with its hint and error, and the form's outcome line.
//!
//! Errors sit next to their field and are tied to it with `aria-describedby`, so a screen
//! reader announces them with the field. The same checks (`model`) run here on change and
//! on the server on submit.

use crate::error::AppError;
use leptos::{prelude::*, server_fn::ServerFn};

/// The outcome of the last submit, as the server answered it.
pub type Outcome<T> = Signal<Option<Result<T, AppError>>>;

/// The outcome of a form's server action.
pub fn outcome<S>(action: ServerAction<S>) -> Outcome<S::Output>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get())
}

/// The server's message for one field, from the last submit.
pub fn field_error<T: Send + Sync + 'static>(
    outcome: Outcome<T>,
    name: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        outcome.with(|o| {
            o.as_ref()
                .and_then(|r| r.as_ref().err())
                .and_then(|e| e.for_field(name))
        })
    })
}

/// A browser-side check of a field's value: the reason it is refused, if it is.
pub type Check = fn(&str) -> Result<(), String>;

/// A label, an input, an optional hint and the field's error.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = true)] required: bool,
    #[prop(optional, into)] value: Option<String>,
    /// The server's message for this field.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The browser-side check, run when the field changes.
    #[prop(optional)]
    check: Option<Check>,
    /// The input's id when `name` is not unique on the screen (a form per table row).
    #[prop(optional, into)]
    id: Option<String>,
    /// A text area of this many lines instead of a one-line input.
    #[prop(optional)]
    lines: Option<u32>,
    /// Follows what is typed, keystroke by keystroke (for a preview of the change).
    #[prop(default = None)]
    typed: Option<RwSignal<String>>,
) -> impl IntoView {
    let local = RwSignal::new(None::<String>);
    let shown = move || local.get().or_else(|| error.get());
    let id = id.unwrap_or_else(|| name.to_string());
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = if hint.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(check) = check {
            let v = event_target_value(&ev);
            local.set(if v.is_empty() && !required {
                None
            } else {
                check(&v).err()
            });
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        if let Some(typed) = typed {
            typed.set(event_target_value(&ev));
        }
    };
    let invalid = move || if shown().is_some() { "true" } else { "false" };
    // The attribute is the value of the page as served; the property is what the field
    // shows once edited. Both are set, so that a screen showing new values after a change
    // (a reset) shows them in fields the person had typed into.
    let shown_value = value.clone().unwrap_or_default();
    let input = match lines {
        Some(rows) => view! {
            <textarea id=id.clone() name=name rows=rows autocomplete=autocomplete required=required
                prop:value=shown_value.clone()
                aria-invalid=invalid aria-describedby=described_by on:change=on_change on:input=on_input>{value.unwrap_or_default()}</textarea>
        }
        .into_any(),
        None if value.is_some() => view! {
            <input id=id.clone() name=name type=input_type autocomplete=autocomplete required=required
                value=value prop:value=shown_value aria-invalid=invalid aria-describedby=described_by on:change=on_change
                on:input=on_input/>
        }
        .into_any(),
        None => view! {
            <input id=id.clone() name=name type=input_type autocomplete=autocomplete required=required
                aria-invalid=invalid aria-describedby=described_by on:change=on_change on:input=on_input/>
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <p class="field-error" id=error_id>{shown}</p>
        </div>
    }
}

/// Above the submit button: the form-wide error (not tied to one field) or the success
/// message. `role="alert"` and `role="status"` make screen readers announce them.
#[component]
pub fn Outcome<T: Clone + Send + Sync + 'static>(
    outcome: Outcome<T>,
    success: &'static str,
) -> impl IntoView {
    let error = move || {
        outcome.with(|o| match o {
            Some(Err(e)) if !e.is_field_error() => Some(e.to_string()),
            Some(Err(_)) => Some("Please correct the fields marked above.".to_string()),
            _ => None,
        })
    };
    let done = move || matches!(outcome.with(|o| o.as_ref().map(Result::is_ok)), Some(true));
    view! {
        <p class="form-error" role="alert">{error}</p>
        <p class="form-success" role="status">{move || done().then_some(success)}</p>
    }
}

/// Bumps `changed` each time `action` succeeds: screens reload what they show on it (a
/// refused change keeps the screen as it was).
pub fn bump_on_success<S>(action: ServerAction<S>, changed: RwSignal<u32>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            changed.update(|n| *n += 1);
        }
    });
}

/// A choice sent as `name=true` (unticked: left out, the server's default false); ticked
/// to start with unless `checked` says otherwise.
#[component]
pub fn Choice(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    /// Ticked to start with.
    #[prop(default = true)]
    checked: bool,
) -> impl IntoView {
    view! {
        <div class="check">
            <input type="checkbox" id=id name=name value="true" checked=checked/>
            <label for=id>{label}</label>
        </div>
    }
}

/// The "sign out everywhere else" choice offered with every credential change; ticked by
/// default, since a change is often made because someone else got in.
#[component]
pub fn SignOutOthers() -> impl IntoView {
    view! {
        <div class="check">
            <input type="checkbox" id="sign_out_others" name="sign_out_others" checked=true/>
            <label for="sign_out_others">"Sign out all my other sessions"</label>
        </div>
    }
}

/// One labelled filter of the GET form; its name is the address's query key. The value is
/// set as the attribute (for the server-rendered page) and as the live value, so that a
/// form drawn again for a new address shows its filters, not what was typed before.
#[component]
pub fn FilterInput(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input id=name name=name type=kind value=value.clone() prop:value=value/>
        </div>
    }
}
