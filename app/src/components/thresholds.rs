//! The three antispam levels as form fields, for a domain's screen and the global one.

use crate::{
    components::form::{field_error, Field, Outcome},
    model::antispam::{parse_level, show, Thresholds},
};
use leptos::prelude::*;

/// What the levels do, said once above the fields.
pub const EXPLAINED: &str = "Each message gets a spam score. At the defer score it is \
    greylisted (the sending server must try again later, which most spam senders never do); \
    at the header score it is delivered with an X-Spam header and filed as junk; at the \
    reject score it is refused. Each level must be above the one before; 999 turns a level off.";

fn level_check(v: &str) -> Result<(), String> {
    parse_level(v).map(drop)
}

/// The three levels as typed, before they are saved.
#[derive(Debug, Clone, Copy)]
pub struct Typed {
    pub defer: RwSignal<String>,
    pub tag: RwSignal<String>,
    pub reject: RwSignal<String>,
}

impl Typed {
    pub fn new(value: Thresholds) -> Self {
        Typed {
            defer: RwSignal::new(show(value.defer())),
            tag: RwSignal::new(show(value.tag())),
            reject: RwSignal::new(show(value.reject())),
        }
    }

    pub fn get(&self) -> (String, String, String) {
        (self.defer.get(), self.tag.get(), self.reject.get())
    }
}

/// The defer, add-header and reject fields filled with `value`; what is typed into them
/// goes to `typed`, when given.
#[component]
pub fn ThresholdFields<T: Clone + Send + Sync + 'static>(
    value: Thresholds,
    outcome: Outcome<T>,
    #[prop(default = None)] typed: Option<Typed>,
) -> impl IntoView {
    view! {
        <Field label="Defer (greylist) at score" name="defer" input_type="text" value=show(value.defer())
            hint="Default 4." typed=typed.map(|t| t.defer)
            error=field_error(outcome, "defer") check=level_check/>
        <Field label="Add X-Spam header and junk at score" name="tag" input_type="text" value=show(value.tag())
            hint="Default 6." typed=typed.map(|t| t.tag)
            error=field_error(outcome, "tag") check=level_check/>
        <Field label="Reject at score" name="reject" input_type="text" value=show(value.reject())
            hint="Default 15." typed=typed.map(|t| t.reject)
            error=field_error(outcome, "reject") check=level_check/>
    }
}
