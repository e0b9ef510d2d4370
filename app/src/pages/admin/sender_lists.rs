//! `/admin/domains/:id/sender-lists` and `/admin/antispam/sender-lists`: a domain's
//! antispam whitelist and blacklist, and the global ones (master admins) that every domain's
//! mail meets first.

use crate::{
    api::sender_lists::{list_sender_lists, AddSenderListEntry, DeleteSenderListEntry},
    components::{
        domain_tabs::{use_domain_id, DomainTabs},
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        paging::{use_list_query, PagedList},
        row_forms::{CancelButton, RowForms},
        transfer::Transfer,
    },
    model::{
        sender_list::{
            check_description, parse_expiry, EntryRow, Sender, SenderKind, SenderLists,
            DOMAIN_WHITELIST_WARNING, SENDER_HINT,
        },
        time::{format_utc, UnixTime},
        transfer::Dataset,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Open(i64);

#[derive(Clone, Copy)]
struct Actions {
    forms: RowForms<Open>,
    add: ServerAction<AddSenderListEntry>,
    delete: ServerAction<DeleteSenderListEntry>,
}

const HOW_THEY_WORK: &str = "Entries name a sender by the address or domain in the message's \
     From (a domain includes its subdomains), or by the IP address of the server that connects. \
     A whitelisted sender skips the spam checks; a blacklisted one is refused with a 5xx reply. \
     The whitelist beats the blacklist, and the global lists are read before the domain's.";

/// A domain's lists.
#[component]
pub fn SenderListsPage() -> impl IntoView {
    let id = use_domain_id();
    view! { <ListsScreen domain=Signal::derive(move || Some(id.get()))/> }
}

/// The global lists.
#[component]
pub fn GlobalSenderListsPage() -> impl IntoView {
    view! {
        <Title text="Global sender lists"/>
        <h1>"Global sender lists"</h1>
        <ListsScreen domain=Signal::derive(|| None)/>
    }
}

#[component]
fn ListsScreen(domain: Signal<Option<i64>>) -> impl IntoView {
    let forms = RowForms::new();
    let add = ServerAction::new();
    forms.reloads_on(add);
    let actions = Actions {
        forms,
        add,
        delete: forms.action("The entry was deleted."),
    };
    let query = use_list_query();
    let list = Resource::new(
        move || (domain.get(), query.get(), forms.changed.get()),
        move |(domain, q, _)| list_sender_lists(domain, Some(q.search), Some(q.page)),
    );
    let dataset = if domain.get_untracked().is_some() {
        Dataset::SenderLists
    } else {
        Dataset::GlobalSenderLists
    };
    view! {
        <Loaded resource=list ok=move |lists| {
            view! { <Screen id=domain.get_untracked() lists search=query.get_untracked().search actions/> }
        }/>
        <Transfer dataset domain changed=forms.changed/>
    }
}

#[component]
fn Screen(id: Option<i64>, lists: SenderLists, search: String, actions: Actions) -> impl IntoView {
    let SenderLists {
        domain,
        kind,
        page,
        now,
    } = lists;
    let heading = match (id, domain) {
        (Some(id), Some(name)) => {
            view! { <DomainTabs id domain=name screen="Sender lists" kind/> }.into_any()
        }
        _ => view! {
            <p>"These entries judge the mail of every domain, before each domain's own lists."</p>
        }
        .into_any(),
    };
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row now actions/> })
        .collect_view();
    view! {
        {heading}
        <p>{HOW_THEY_WORK}</p>
        <AddForm id add=actions.add/>
        <h2>"Entries"</h2>
        <PagedList page search what="entries" label="Sender list entries"
            columns=&["List", "Sender", "Description", "Added", "Expires", "Matched"]
            empty="There are no entries yet." unmatched="No entry matches this search." notice=actions.forms.notice>
            {rows}
        </PagedList>
    }
}

fn check_sender(v: &str) -> Result<(), String> {
    Sender::parse(v).map(drop)
}

#[component]
fn AddForm(id: Option<i64>, add: ServerAction<AddSenderListEntry>) -> impl IntoView {
    let outcome = outcome(add);
    // What was saved in another spelling (a range's first address).
    let note = move || {
        outcome
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|n| view! { <p class="notice" role="status">{n}</p> })
    };
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add an entry"</h2>
            <ActionForm action=add>
                {id.map(|id| view! { <input type="hidden" name="domain" value=id/> })}
                <fieldset class="choices">
                    <legend>"List"</legend>
                    <div class="check">
                        <input type="radio" id="list-blacklist" name="list" value="blacklist" checked=true/>
                        <label for="list-blacklist">"Blacklist: refuse the sender's mail"</label>
                    </div>
                    <div class="check">
                        <input type="radio" id="list-whitelist" name="list" value="whitelist"/>
                        <label for="list-whitelist">"Whitelist: let the sender's mail skip the spam checks"</label>
                    </div>
                </fieldset>
                <p class="warning">{DOMAIN_WHITELIST_WARNING}</p>
                <Field label="Sender" name="sender" hint=SENDER_HINT
                    error=field_error(outcome, "sender") check=check_sender/>
                <div class="check">
                    <input type="checkbox" id="everything" name="everything"/>
                    <label for="everything">"I mean every address (a /0 range)"</label>
                </div>
                <Field label="Description" name="description" required=false
                    hint="Why it is listed, for whoever finds it later (optional)."
                    error=field_error(outcome, "description") check=|v| check_description(v).map(drop)/>
                <Field label="Expires" name="expires" input_type="date" required=false
                    hint="The last day it applies (optional; empty for no end)."
                    error=field_error(outcome, "expires") check=|v| parse_expiry(v, 0).map(drop)/>
                <Outcome outcome success="The entry was added. It judges the next message."/>
                {note}
                <button type="submit" disabled=move || add.pending().get()>"Add entry"</button>
            </ActionForm>
        </section>
    }
}

fn matched(row: &EntryRow) -> String {
    match (row.hits, row.last_hit_at) {
        (0, _) | (_, None) => "Never".into(),
        (1, Some(at)) => format!("1 message, {}", format_utc(at)),
        (n, Some(at)) => format!("{n} messages, last {}", format_utc(at)),
    }
}

fn expires(row: &EntryRow, now: UnixTime) -> String {
    match row.expires_at {
        None => "Never".into(),
        // Stored as the end of the last day: show that day.
        Some(at) if row.expired(now) => format!("Expired {}", &format_utc(at - 1)[..10]),
        Some(at) => format_utc(at - 1)[..10].to_string(),
    }
}

fn kind_label(kind: SenderKind) -> &'static str {
    match kind {
        SenderKind::Address => "address",
        SenderKind::Domain => "domain and subdomains",
        SenderKind::Network => "server IP",
    }
}

#[component]
fn Line(row: EntryRow, now: UnixTime, actions: Actions) -> impl IntoView {
    let id = row.id;
    let sender = row.sender.clone();
    let question = format!(
        "Delete {sender} from the {}? Its mail is judged as any other's from the next message on.",
        row.list.as_str()
    );
    let texts = StoredValue::new((sender, question));
    let cell = move || match actions.forms.open.get() {
        Some(Open(i)) if i == id => view! {
            <ActionForm action=actions.delete attr:class="row-editor">
                <input type="hidden" name="id" value=id/>
                <p>{texts.get_value().1}</p>
                <Outcome outcome=outcome(actions.delete) success="Deleted."/>
                <div class="inline-actions">
                    <button type="submit" class="danger">"Delete entry"</button>
                    <CancelButton forms=actions.forms/>
                </div>
            </ActionForm>
        }
        .into_any(),
        _ => {
            let sender = texts.get_value().0;
            view! {
                <button type="button" class="secondary" on:click=move |_| actions.forms.open(Open(id))>
                    "Delete"<span class="visually-hidden">" " {sender}</span>
                </button>
            }
            .into_any()
        }
    };
    let added = format!("{}, {}", format_utc(row.created_at), row.added_by);
    view! {
        <tr class:expired=row.expired(now)>
            <td data-label="List">{row.list.label()}</td>
            <td data-label="Sender">{row.sender.clone()}<br/><small>{kind_label(row.kind)}</small></td>
            <td data-label="Description">{row.description.clone()}</td>
            <td data-label="Added">{added}</td>
            <td data-label="Expires">{expires(&row, now)}</td>
            <td data-label="Matched">{matched(&row)}</td>
            <td>{cell}</td>
        </tr>
    }
}
