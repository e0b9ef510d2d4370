//! `/stats/blocked-senders`: people blocked from sending for going over their domain's
//! hourly limit on the submission port, with what they sent in the last 24 hours; an admin
//! unblocks them after asking. A domain admin sees their domains' people, a master admin
//! everyone.

use crate::{
    api::blocked_senders::{list_blocked_senders, UnblockSender},
    components::{
        ask_first::{asking_until, AskFirst},
        form::outcome,
        loaded::Loaded,
        table::DataTable,
    },
    model::{submission::BlockedSender, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn BlockedSendersPage() -> impl IntoView {
    let unblock = ServerAction::<UnblockSender>::new();
    let list = Resource::new(move || unblock.version().get(), |_| list_blocked_senders());
    let unblocked = outcome(unblock);
    view! {
        <Title text="Blocked senders"/>
        <StatsTabs current="Blocked senders"/>
        <h1>"Blocked senders"</h1>
        <p class="hint">
            "People who sent more messages in an hour than their domain allows (Domain settings → \
             Messages a person may send an hour). A stolen password is the usual reason: before \
             unblocking, make sure the owner changed it. Times are UTC."
        </p>
        <p class="form-error" role="alert">
            {move || unblocked.get().and_then(|r| r.err()).map(|e| e.to_string())}
        </p>
        <p class="form-success" role="status">
            {move || unblocked.get().and_then(|r| r.ok()).map(|email| format!("{email} may send again."))}
        </p>
        <Loaded resource=list ok=move |rows| view! { <Blocked rows unblock/> }/>
    }
}

/// The links between the statistics screens.
#[component]
pub fn StatsTabs(current: &'static str) -> impl IntoView {
    let link = move |href: &'static str, label: &'static str| {
        let here = (label == current).then_some("page");
        view! { <li><a href=href aria-current=here>{label}</a></li> }
    };
    view! {
        <nav class="tabs" aria-label="Statistics screens">
            <ul>
                {link("/stats", "Statistics")}
                {link("/stats/blocked-senders", "Blocked senders")}
            </ul>
        </nav>
    }
}

#[component]
fn Blocked(rows: Vec<BlockedSender>, unblock: ServerAction<UnblockSender>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"Nobody is blocked from sending."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|row| view! { <Line row unblock/> })
        .collect_view();
    view! {
        <DataTable label="People blocked from sending"
            columns=&["Person", "Blocked since", "Hourly limit", "Sent in 24 hours"] actions=true>
            {rows}
        </DataTable>
    }
    .into_any()
}

#[component]
fn Line(row: BlockedSender, unblock: ServerAction<UnblockSender>) -> impl IntoView {
    let asking = asking_until(unblock);
    let question = format!(
        "Let {} send again? Make sure the password was changed if it may have been stolen.",
        row.email
    );
    let email = StoredValue::new(row.email.clone());
    view! {
        <tr>
            <td data-label="Person">{row.email.clone()}</td>
            <td data-label="Blocked since" class="time">{format_utc(row.blocked_at)}</td>
            <td data-label="Hourly limit">{row.hourly_limit}</td>
            <td data-label="Sent in 24 hours">{row.sent_day}</td>
            <td>
                <AskFirst asking label="Unblock…" context=row.email.clone() question>
                    <ActionForm action=unblock>
                        <input type="hidden" name="account" value=row.account_id/>
                        <button type="submit">
                            "Unblock "<span class="visually-hidden">{email.get_value()}</span>
                        </button>
                    </ActionForm>
                </AskFirst>
            </td>
        </tr>
    }
}
