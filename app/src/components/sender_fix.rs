//! The one-click fixes next to a verdict: allow or block the message's sender for the
//! reader (when the message was addressed to them) and for the message's domain (its
//! admins). Allowing a sender that failed SPF asks first; the server asks again if the
//! question was skipped.

use crate::{
    api::sender_fixes::FixSender,
    components::ask_first::{asking_until, AskFirst},
    model::{
        rows::Me,
        sender_fix::{fix_label, FixScope, FixSource, SPF_FAILED_QUESTION},
        sender_list::List,
        Role,
    },
};
use leptos::prelude::*;

#[component]
pub fn SenderFixes(
    source: FixSource,
    /// The log row's or the kept message's id.
    id: i64,
    /// The message's From address; without one there is nothing to list.
    sender: String,
    /// The recipients the reader sees.
    recipients: Vec<String>,
    spf_failed: bool,
) -> impl IntoView {
    let me = use_context::<Me>();
    let mut scopes = Vec::new();
    if let Some(me) = &me {
        if recipients.iter().any(|r| r.eq_ignore_ascii_case(&me.email)) {
            scopes.push(FixScope::Me);
        }
        if me.role != Role::MailUser {
            scopes.push(FixScope::Domain);
        }
    }
    if sender.is_empty() || scopes.is_empty() {
        return ().into_any();
    }
    let action = ServerAction::<FixSender>::new();
    let buttons = scopes
        .into_iter()
        .flat_map(|scope| [(List::Whitelist, scope), (List::Blacklist, scope)])
        .map(|(list, scope)| view! { <Fix action source id list scope spf_failed/> })
        .collect_view();
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(e.for_field("confirmed").unwrap_or_else(|| e.to_string())),
        _ => None,
    };
    let done = move || action.value().get().and_then(Result::ok);
    view! {
        <div class="sender-fixes" role="group" aria-label=format!("Allow or block {sender}")>
            <div class="inline-actions">{buttons}</div>
            <p class="form-error" role="alert">{error}</p>
            <p class="form-success" role="status">{done}</p>
        </div>
    }
    .into_any()
}

/// One button; allowing a sender that failed SPF asks first.
#[component]
fn Fix(
    action: ServerAction<FixSender>,
    source: FixSource,
    id: i64,
    list: List,
    scope: FixScope,
    spf_failed: bool,
) -> impl IntoView {
    let label = fix_label(list, scope);
    let form = move |confirmed: bool, text: &'static str| {
        view! {
            <ActionForm action>
                <input type="hidden" name="source" value=source.as_str()/>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="list" value=list.as_str()/>
                <input type="hidden" name="scope" value=scope.as_str()/>
                {confirmed.then(|| view! { <input type="hidden" name="confirmed" value="true"/> })}
                <button type="submit" class="secondary" disabled=move || action.pending().get()>{text}</button>
            </ActionForm>
        }
    };
    if list == List::Whitelist && spf_failed {
        let asking = asking_until(action);
        let label = match scope {
            FixScope::Me => "Allow this sender for me…",
            FixScope::Domain => "Allow this sender for the domain…",
        };
        return view! {
            <AskFirst asking label question=SPF_FAILED_QUESTION>
                {form(true, "Allow it anyway")}
            </AskFirst>
        }
        .into_any();
    }
    form(false, label).into_any()
}
