//! `/queue`: copies of messages waiting for another server or the mail store (relay
//! domains, split domain routing, forwards, bounces, LMTP), the next due first, with what
//! their last attempt met. A domain admin sees their domains' copies, a master admin all.
//! Ticked copies are retried now or deleted, and may be reported as spam as they go.

use crate::{
    api::delivery_queue::{list_queue, DeleteQueued, RetryQueued},
    components::{
        ask_first::{asking_until, AskFirst},
        form::{bump_on_success, Choice},
        loaded::Loaded,
        paging::{use_list_query, Pager, SearchForm},
        table::DataTable,
        ticked::{report, ticked_fields, Said, SaidLines, TickAll, TickBox, Ticked},
    },
    model::{
        email::printable_sender,
        queue::{due_in, DeliveryQueue, QueueRow},
        time::{format_utc, UnixTime},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct Actions {
    retry: ServerAction<RetryQueued>,
    delete: ServerAction<DeleteQueued>,
    ticked: Ticked,
    said: Said,
}

#[component]
pub fn DeliveryQueuePage() -> impl IntoView {
    let actions = Actions {
        retry: ServerAction::new(),
        delete: ServerAction::new(),
        ticked: RwSignal::new(Vec::new()),
        said: RwSignal::new(None),
    };
    report(
        actions.retry,
        actions.said,
        "copy",
        "due now: the queue is trying them",
    );
    report(actions.delete, actions.said, "copy", "deleted");
    let changed = RwSignal::new(0u32);
    bump_on_success(actions.retry, changed);
    bump_on_success(actions.delete, changed);
    let query = use_list_query();
    let list = Resource::new(
        move || (query.get(), changed.get()),
        |(q, _)| list_queue(Some(q.search), Some(q.page)),
    );
    // A new page or a reload shows other copies: nothing stays ticked unseen.
    Effect::new(move |_| {
        query.track();
        changed.track();
        actions.ticked.set(Vec::new());
    });
    view! {
        <Title text="Delivery queue"/>
        <h1>"Delivery queue"</h1>
        <p class="hint">
            "Copies waiting for another server (relay domains, split domain routing, forwards, \
             bounces) or for the mail store. A failed attempt is tried again after 1, 5, 15 and \
             30 minutes, then every one to two hours; a copy still undelivered after the domain's \
             retry days goes back to its sender. Times are UTC."
        </p>
        <button type="button" class="secondary" on:click=move |_| changed.update(|n| *n += 1)>
            "Reload the list"
        </button>
        <Loaded resource=list ok=move |q| view! {
            <Screen q search=query.get_untracked().search actions/>
        }/>
    }
}

#[component]
fn Screen(q: DeliveryQueue, search: String, actions: Actions) -> impl IntoView {
    let DeliveryQueue { page, now } = q;
    let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row now ticked=actions.ticked/> })
        .collect_view();
    let list = if page.total == 0 {
        let none = if search.is_empty() {
            "Nothing is waiting: every message has been delivered."
        } else {
            "No waiting copy matches this search."
        };
        view! { <p class="empty">{none}</p> }.into_any()
    } else {
        view! {
            <Bulk actions ids/>
            <DataTable label="Waiting copies, the next due first"
                columns=&["Select", "Queued", "From", "To", "Route", "Attempts", "Next attempt", "Last error"]>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <SearchForm what="the queue (sender, recipient, error, message id)" search/>
        <SaidLines said=actions.said/>
        {list}
        <Pager page what="waiting copies"/>
    }
}

/// Retry and delete for the ticked copies, and ticking the whole page.
#[component]
fn Bulk(actions: Actions, ids: Vec<i64>) -> impl IntoView {
    let Actions {
        retry,
        delete,
        ticked,
        ..
    } = actions;
    let count = move || ticked.with(Vec::len);
    let asking = asking_until(delete);
    let hidden = ticked_fields(ticked);
    view! {
        <div class="bulk" role="group" aria-label="Act on the ticked copies">
            <TickAll ticked ids noun="copy"/>
            <ActionForm action=retry>
                {hidden}
                <button type="submit" disabled=move || count() == 0 || retry.pending().get()>
                    "Retry ticked now"
                </button>
            </ActionForm>
            <AskFirst asking label="Delete ticked…"
                question="Delete the ticked copies? They will never be delivered, and their senders are not told.">
                <ActionForm action=delete>
                    {hidden}
                    // Off to start with: most of the queue is mail people sent or forwarded.
                    <Choice id="delete-spam" name="spam" label="Also report them as spam" checked=false/>
                    <button type="submit" class="danger" disabled=move || count() == 0>"Delete ticked copies"</button>
                </ActionForm>
            </AskFirst>
        </div>
    }
}

#[component]
fn Line(row: QueueRow, now: UnixTime, ticked: Ticked) -> impl IntoView {
    let label = format!(
        "Tick the copy from {} to {}",
        printable_sender(&row.sender),
        row.recipient
    );
    let next = if row.sending {
        "being sent now".to_string()
    } else {
        format!(
            "{} ({})",
            format_utc(row.next_attempt_at),
            due_in(row.next_attempt_at, now)
        )
    };
    let error = row
        .last_error
        .clone()
        .unwrap_or_else(|| "— (not tried yet)".into());
    view! {
        <tr>
            <td data-label="Select"><TickBox ticked id=row.id label/></td>
            <td data-label="Queued" class="time">{format_utc(row.created_at)}<br/><small>{row.queue_id.clone()}</small></td>
            <td data-label="From">{printable_sender(&row.sender).to_string()}</td>
            <td data-label="To">{row.recipient.clone()}</td>
            <td data-label="Route">{row.route.clone()}</td>
            <td data-label="Attempts">{row.attempts}</td>
            <td data-label="Next attempt" class="time">
                {next}<br/><small>{format!("bounces after {}", format_utc(row.expires_at))}</small>
            </td>
            <td data-label="Last error">{error}</td>
        </tr>
    }
}
