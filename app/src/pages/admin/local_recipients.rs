//! `/admin/domains/:id/recipients`: the addresses a domain's relayed mail is taken for.
//! Empty, every address is relayed; with entries, any other gets 550 at RCPT.

use crate::{
    api::local_recipients::{
        list_local_recipients, AddLocalRecipient, ClearCalloutCache, ClearLocalRecipients,
        DeleteLocalRecipient, SetCallouts,
    },
    components::{
        ask_first::{asking_until, AskFirst},
        domain_tabs::DomainTabs,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        paging::PagedList,
        row_forms::{domain_list, CancelButton, RowForms},
        transfer::Transfer,
    },
    model::{
        local_recipient::{LocalRecipientRow, LocalRecipients},
        route::DomainKind,
        time::format_utc,
        transfer::Dataset,
        EmailAddress,
    },
};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Open(i64);

#[derive(Clone, Copy)]
struct Actions {
    forms: RowForms<Open>,
    add: ServerAction<AddLocalRecipient>,
    delete: ServerAction<DeleteLocalRecipient>,
    clear: ServerAction<ClearLocalRecipients>,
    callouts: ServerAction<SetCallouts>,
    clear_cache: ServerAction<ClearCalloutCache>,
}

#[component]
pub fn LocalRecipientsPage() -> impl IntoView {
    let forms = RowForms::new();
    let add = ServerAction::new();
    let clear = ServerAction::new();
    let callouts = ServerAction::new();
    let clear_cache = ServerAction::new();
    forms.reloads_on(add);
    forms.reloads_on(clear);
    forms.reloads_on(callouts);
    forms.reloads_on(clear_cache);
    let actions = Actions {
        forms,
        add,
        delete: forms.action("The address was removed from the list."),
        clear,
        callouts,
        clear_cache,
    };
    let (id, query, list) = domain_list(forms, list_local_recipients);
    view! {
        <Loaded resource=list ok=move |l| view! { <Screen id=id.get_untracked() l search=query.get_untracked().search actions/> }/>
        <Transfer dataset=Dataset::LocalRecipients domain=Signal::derive(move || Some(id.get())) changed=actions.forms.changed/>
    }
}

/// What the list does for this domain, in words.
fn meaning(l: &LocalRecipients) -> String {
    let relayed = match (l.kind, l.sdr) {
        (DomainKind::Relay, _) => "its mail is relayed to its routes",
        (_, true) => "addresses without a mailbox here are relayed by SDR",
        _ => "it relays nothing now (no SDR): the list takes effect once it does",
    };
    if l.page.total == 0 && l.page.page == 1 {
        format!(
            "{} has no local recipients list: {relayed}, for any address.",
            l.domain
        )
    } else {
        format!(
            "{}: {relayed}, only for the addresses on this list; others get 550 at RCPT.",
            l.domain
        )
    }
}

#[component]
fn Screen(id: i64, l: LocalRecipients, search: String, actions: Actions) -> impl IntoView {
    let state = meaning(&l);
    let kind = l.kind;
    let domain = l.domain.clone();
    let rows = l
        .page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row actions/> })
        .collect_view();
    let added = outcome(actions.add);
    let has_list = l.page.total > 0 || !search.is_empty();
    let (callouts_on, cached) = (l.callouts, l.cached);
    view! {
        <DomainTabs id domain=domain.clone() screen="Local recipients" kind/>
        <p>"A fixed list of the addresses this domain takes relayed mail for. Mail for any other address is refused when it arrives, instead of being passed on and bounced by the next server."</p>
        <p class="notice" role="status">{state}</p>
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add an address"</h2>
            <ActionForm action=actions.add>
                <input type="hidden" name="domain" value=id/>
                <Field label="Address" name="address" hint=format!("The part before @{domain}, or the whole address.")
                    error=field_error(added, "address")
                    check=|v| if v.contains('@') { EmailAddress::parse(v).map(drop) } else { Ok(()) }/>
                <Outcome outcome=added success="The address was added."/>
                <button type="submit" disabled=move || actions.add.pending().get()>"Add address"</button>
            </ActionForm>
        </section>
        <h2>"Local recipients"</h2>
        <PagedList page=l.page search what="local recipients" label="Local recipients" columns=&["Address", "Added"]
            empty="The list is empty: every address is taken." unmatched="No address matches this search." notice=actions.forms.notice>
            {rows}
        </PagedList>
        <Show when=move || has_list>
            <section class="card" aria-labelledby="clear-heading">
                <h2 id="clear-heading">"Remove every address"</h2>
                <AskFirst asking=asking_until(actions.clear) label="Remove every address"
                    question="Empty the list? Relayed mail is then taken for any address of this domain.">
                    <ActionForm action=actions.clear attr:class="inline">
                        <input type="hidden" name="domain" value=id/>
                        <button type="submit" class="danger">"Empty the list"</button>
                    </ActionForm>
                </AskFirst>
                <Outcome outcome=outcome(actions.clear) success="The list is empty."/>
            </section>
        </Show>
        <Callouts id on=callouts_on cached actions/>
    }
}

/// The recipient callouts switch and the cache of answers.
#[component]
fn Callouts(id: i64, on: bool, cached: i64, actions: Actions) -> impl IntoView {
    let kept = match cached {
        1 => "1 answer is kept.".to_string(),
        n => format!("{n} answers are kept."),
    };
    view! {
        <section class="card" aria-labelledby="callouts-heading">
            <h2 id="callouts-heading">"Recipient callouts"</h2>
            <p>"With callouts, the destination server is asked (with RCPT, sending nothing) whether it knows a relayed recipient before the mail is taken; an unknown recipient is refused at once, instead of the destination bouncing the mail to a sender that is often forged. Answers are kept for a day (unknown: two hours)."</p>
            <ActionForm action=actions.callouts>
                <input type="hidden" name="domain" value=id/>
                <div class="check">
                    <input type="checkbox" id="callouts-enabled" name="enabled" checked=on prop:checked=on/>
                    <label for="callouts-enabled">"Ask the destination about each relayed recipient"</label>
                </div>
                <Outcome outcome=outcome(actions.callouts) success="Saved: the next relayed recipient is checked accordingly."/>
                <button type="submit" disabled=move || actions.callouts.pending().get()>"Save callout setting"</button>
            </ActionForm>
            <p>{kept}</p>
            <ActionForm action=actions.clear_cache attr:class="inline">
                <input type="hidden" name="domain" value=id/>
                <button type="submit" class="secondary">"Clear callout cache"</button>
            </ActionForm>
            <Outcome outcome=outcome(actions.clear_cache) success="The kept answers are gone: the next message asks again."/>
        </section>
    }
}

#[component]
fn Line(row: LocalRecipientRow, actions: Actions) -> impl IntoView {
    let id = row.id;
    let address = StoredValue::new(row.address.clone());
    let cell = move || {
        match actions.forms.open.get() {
        Some(Open(i)) if i == id => view! {
            <ActionForm action=actions.delete attr:class="row-editor">
                <input type="hidden" name="id" value=id/>
                <p>{format!("Remove {} from the list? Mail for it is then refused.", address.get_value())}</p>
                <Outcome outcome=outcome(actions.delete) success="Removed."/>
                <div class="inline-actions">
                    <button type="submit" class="danger">"Remove address"</button>
                    <CancelButton forms=actions.forms/>
                </div>
            </ActionForm>
        }
        .into_any(),
        _ => view! {
            <button type="button" class="secondary" on:click=move |_| actions.forms.open(Open(id))>
                "Remove"<span class="visually-hidden">" " {address.get_value()}</span>
            </button>
        }
        .into_any(),
    }
    };
    view! {
        <tr>
            <td data-label="Address">{row.address.clone()}</td>
            <td data-label="Added" class="time">{format_utc(row.created_at)}</td>
            <td>{cell}</td>
        </tr>
    }
}
