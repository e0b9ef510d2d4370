//! `/admin/domains/:id/attachments`: the attachment types a domain refuses, by file
//! extension (executables and scripts by default); add, remove, or return to the default
//! list.

use crate::{
    api::filter_settings::{
        get_filter_settings, BlockExtension, ResetExtensions, UnblockExtension,
    },
    components::{
        ask_first::{asking_until, AskFirst},
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        loaded::Loaded,
    },
    model::filter_settings::{parse_extension, FilterSettingsView, DEFAULT_BLOCKED_EXTENSIONS},
};
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<BlockExtension>,
    remove: ServerAction<UnblockExtension>,
    reset: ServerAction<ResetExtensions>,
}

#[component]
pub fn AttachmentsPage() -> impl IntoView {
    let id = use_domain_id();
    let actions = Actions {
        add: ServerAction::new(),
        remove: ServerAction::new(),
        reset: ServerAction::new(),
    };
    let changed = RwSignal::new(0u32);
    bump_on_success(actions.add, changed);
    bump_on_success(actions.remove, changed);
    bump_on_success(actions.reset, changed);
    let settings = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| get_filter_settings(id),
    );
    view! {
        <Loaded resource=settings ok=move |v| view! { <Screen id=id.get_untracked() v actions/> }/>
    }
}

#[component]
fn Screen(id: i64, v: FilterSettingsView, actions: Actions) -> impl IntoView {
    let added = outcome(actions.add);
    let removed = outcome(actions.remove);
    let extensions = v.settings.blocked_extensions;
    let list = if extensions.is_empty() {
        view! { <p class="empty">"No attachment type is blocked."</p> }.into_any()
    } else {
        let items = extensions
            .into_iter()
            .map(|ext| {
                view! {
                    <li>
                        <span class="extension">{format!(".{ext}")}</span>
                        <ActionForm action=actions.remove attr:class="inline">
                            <input type="hidden" name="domain" value=id/>
                            <input type="hidden" name="extension" value=ext.clone()/>
                            <button type="submit" class="secondary">"Remove"<span class="visually-hidden">{format!(" .{ext}")}</span></button>
                        </ActionForm>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="extensions" aria-label="Blocked extensions">{items}</ul> }.into_any()
    };
    let defaults = DEFAULT_BLOCKED_EXTENSIONS.join(", ");
    view! {
        <DomainTabs id domain=v.domain.clone() screen="Blocked attachments" kind=v.kind/>
        <p>"Mail with an attachment whose name ends in one of these extensions is refused (5xx). The name is read however it is written: encoded, in upper case, with trailing dots, or inside an attached message."</p>
        <h2>"Blocked extensions"</h2>
        {list}
        <Outcome outcome=removed success="The extension was removed: such attachments are taken from the next message on."/>
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Block an extension"</h2>
            <ActionForm action=actions.add>
                <input type="hidden" name="domain" value=id/>
                <Field label="Extension" name="extension" hint="For example js or .vbs."
                    error=field_error(added, "extension") check=|v| parse_extension(v).map(drop)/>
                <Outcome outcome=added success="The extension is blocked from the next message on."/>
                <button type="submit" disabled=move || actions.add.pending().get()>"Block extension"</button>
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="reset-heading">
            <h2 id="reset-heading">"Default list"</h2>
            <p>{format!("The default list is {defaults}.")}</p>
            <AskFirst asking=asking_until(actions.reset) label="Reset to the default list"
                question="Replace this domain's blocked extensions with the default list?">
                <ActionForm action=actions.reset attr:class="inline">
                    <input type="hidden" name="domain" value=id/>
                    <button type="submit" class="danger">"Reset blocked extensions"</button>
                </ActionForm>
            </AskFirst>
            <Outcome outcome=outcome(actions.reset) success="The default list is back."/>
        </section>
    }
}
