//! `/account/senders`: the senders a person allowed or blocked for themselves from the
//! quarantine or the mail log. For mail to them these override the domain's lists; each
//! can be removed, after which the domain's lists decide again.

use crate::{
    api::sender_fixes::{my_senders, RemoveMySender},
    components::{
        ask_first::{asking_until, AskFirst},
        form::outcome,
        loaded::Loaded,
        table::DataTable,
    },
    model::{sender_fix::PersonalEntry, sender_list::List, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MySenderListsPage() -> impl IntoView {
    let remove = ServerAction::<RemoveMySender>::new();
    let entries = Resource::new(move || remove.version().get(), |_| my_senders());
    let removed = outcome(remove);
    let show = move |rows: Vec<PersonalEntry>| view! { <Entries rows remove/> };
    view! {
        <Title text="My sender lists"/>
        <h1>"My sender lists"</h1>
        <p>
            "Senders you allowed or blocked for yourself from the quarantine or the mail log. "
            "Mail from an allowed sender reaches you without a spam check; mail from a blocked "
            "sender does not reach you. For your mail they count before your domain's lists."
        </p>
        <Loaded resource=entries ok=show/>
        <p class="form-error" role="alert">
            {move || removed.get().and_then(|r| r.err()).map(|e| e.to_string())}
        </p>
        <p class="form-success" role="status">
            {move || removed.get().and_then(|r| r.ok()).map(|s| format!("{s} was removed: your domain's lists decide its mail again."))}
        </p>
    }
}

#[component]
fn Entries(rows: Vec<PersonalEntry>, remove: ServerAction<RemoveMySender>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <p class="empty">
                "You have not allowed or blocked any sender. Open a message in the "
                <a href="/quarantine">"quarantine"</a>" or the "<a href="/mail-log">"mail log"</a>
                " to do so."
            </p>
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|e| view! { <Line entry=e remove/> })
        .collect_view();
    view! {
        <DataTable label="Senders you allowed or blocked" columns=&["Sender", "List", "Since"] actions=true>
            {rows}
        </DataTable>
    }
    .into_any()
}

#[component]
fn Line(entry: PersonalEntry, remove: ServerAction<RemoveMySender>) -> impl IntoView {
    let asking = asking_until(remove);
    let question = format!(
        "Remove {} from your {}? Your domain's lists decide its mail again.",
        entry.sender,
        entry.list.as_str()
    );
    let list = match entry.list {
        List::Whitelist => "Allowed",
        List::Blacklist => "Blocked",
    };
    let sender = StoredValue::new(entry.sender.clone());
    view! {
        <tr>
            <td data-label="Sender">{entry.sender.clone()}</td>
            <td data-label="List">{list}</td>
            <td data-label="Since" class="time">{format_utc(entry.created_at)}</td>
            <td>
                <AskFirst asking label="Remove…" context=entry.sender.clone() question>
                    <ActionForm action=remove>
                        <input type="hidden" name="id" value=entry.id/>
                        <button type="submit" class="danger">
                            "Remove "<span class="visually-hidden">{sender.get_value()}</span>
                        </button>
                    </ActionForm>
                </AskFirst>
            </td>
        </tr>
    }
}
