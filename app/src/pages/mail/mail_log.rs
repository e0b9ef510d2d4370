//! `/mail-log`: the incoming mail log, newest first, filtered by time, sender, recipient,
//! client IP, subject and classification; each row opens what every stage of the pipeline
//! found, the one-click sender fixes and the spam / not-spam report. A mail user reads the
//! mail addressed to them; admins their domains'. The filters live in the address, so a
//! filtered log can be bookmarked.

use crate::{
    api::mail_log::{mail_log_page, ReportLogged},
    components::{
        form::FilterInput,
        live::{follow, Following},
        loaded::Reloaded,
        paging::Pager,
        sender_fix::SenderFixes,
        table::DataTable,
    },
    model::{
        email::printable_sender,
        learning::Class,
        list::page_number,
        mail_log::{LogFilter, LogRow, MailLog, Verdict},
        mailbox::format_size,
        sender_fix::FixSource,
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn MailLogPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            let filter = LogFilter {
                since: get("since"),
                until: get("until"),
                sender: get("sender"),
                recipient: get("recipient"),
                client_ip: get("client_ip"),
                subject: get("subject"),
                verdict: get("verdict"),
            };
            let page = page_number(q.get("page").and_then(|p| p.parse().ok()));
            (filter, page)
        })
    });
    // New rows are followed on the first page, where they appear; on by default.
    let first_page = Signal::derive(move || asked.with(|(_, page)| *page == 1));
    let live_asked = RwSignal::new(true);
    let live = Signal::derive(move || first_page.get() && live_asked.get());
    let arrived = RwSignal::new(0u32);
    let following = RwSignal::new(Following::Off);
    follow("/events/mail-log", "row", live, arrived, following);
    let log = Resource::new(
        move || (asked.get(), arrived.get()),
        |((filter, page), _)| mail_log_page(filter, page),
    );
    view! {
        <Title text="Mail log"/>
        <h1>"Mail log"</h1>
        <p class="hint">
            "Every message the mail server took or refused, with what each check found. Times \
             are UTC. Rows are kept for the domain's log days (28 unless its settings say otherwise)."
        </p>
        // Drawn again when the address changes (a filter applied, or cleared): the form
        // shows the filters the list was chosen by. Outside `Loaded`, so that a bad filter's
        // message shows under a form to correct it in.
        {move || view! { <Filters filter=asked.get().0/> }}
        <Show when=move || first_page.get()>
            <LiveSwitch asked=live_asked following/>
        </Show>
        <Reloaded resource=log ok=move |log| view! { <Screen log filtered=!asked.get_untracked().0.is_empty()/> }/>
    }
}

/// Switches the live view on or off, and tells how it stands.
#[component]
fn LiveSwitch(asked: RwSignal<bool>, following: RwSignal<Following>) -> impl IntoView {
    let said = move || {
        match following.get() {
        Following::Off if asked.get() => "".to_string(),
        Following::Off => "New mail is not shown until you reload.".into(),
        Following::Connecting => "Connecting…".into(),
        Following::On { seen: 0 } => "Watching for new mail.".into(),
        Following::On { seen: 1 } => "1 new message since you opened the log.".into(),
        Following::On { seen } => format!("{seen} new messages since you opened the log."),
        Following::Lost => {
            "New mail can no longer be shown (signed out, or the server restarted): reload the page.".into()
        }
    }
    };
    view! {
        <div class="live">
            <div class="check">
                <input type="checkbox" id="live" prop:checked=move || asked.get()
                    on:change=move |ev| asked.set(event_target_checked(&ev))/>
                <label for="live">"Show new mail as it arrives"</label>
            </div>
            <p role="status" aria-live="polite">{said}</p>
        </div>
    }
}

#[component]
fn Filters(filter: LogFilter) -> impl IntoView {
    let options = Verdict::ALL
        .into_iter()
        .map(|v| {
            let selected = v.as_str() == filter.verdict;
            view! { <option value=v.as_str() selected=selected>{v.label()}</option> }
        })
        .collect_view();
    let any = !filter.is_empty();
    view! {
        <Form method="GET" action="/mail-log" attr:class="filters" attr:role="search" attr:aria-label="Filter the mail log">
            <FilterInput name="since" label="From day" kind="date" value=filter.since/>
            <FilterInput name="until" label="To day (included)" kind="date" value=filter.until/>
            <FilterInput name="sender" label="Sender" kind="search" value=filter.sender/>
            <FilterInput name="recipient" label="Recipient" kind="search" value=filter.recipient/>
            <FilterInput name="client_ip" label="Client IP" kind="search" value=filter.client_ip/>
            <FilterInput name="subject" label="Subject" kind="search" value=filter.subject/>
            <div class="field">
                <label for="verdict">"Classification"</label>
                <select id="verdict" name="verdict" prop:value=filter.verdict.clone()>
                    <option value="" selected=filter.verdict.is_empty()>"Any"</option>
                    {options}
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit">"Filter"</button>
                {any.then(|| view! { <a href="/mail-log" class="button secondary">"Clear filters"</a> })}
            </div>
        </Form>
    }
}

#[component]
fn Screen(log: MailLog, filtered: bool) -> impl IntoView {
    let MailLog { page } = log;
    if page.total == 0 {
        let none = if filtered {
            "No message matches these filters."
        } else {
            "No mail has been logged yet."
        };
        return view! { <p class="empty">{none}</p> }.into_any();
    }
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row/> })
        .collect_view();
    view! {
        <DataTable label="Mail log, newest first"
            columns=&["When", "From", "To", "Subject", "Client", "Classification", "Evidence"]>
            {rows}
        </DataTable>
        <Pager page what="messages"/>
    }
    .into_any()
}

#[component]
fn Line(row: LogRow) -> impl IntoView {
    let verdict = Verdict::parse(&row.verdict).map_or(row.verdict.clone(), |v| v.label().into());
    let from = match (row.from_header.is_empty(), row.sender.is_empty()) {
        (false, _) => row.from_header.clone(),
        (true, false) => row.sender.clone(),
        (true, true) => "<> (a bounce)".into(),
    };
    let to = row
        .recipients
        .iter()
        .map(|(address, taken)| {
            if *taken {
                address.clone()
            } else {
                format!("{address} (refused)")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let taken: Vec<String> = row
        .recipients
        .iter()
        .filter(|(_, taken)| *taken)
        .map(|(address, _)| address.clone())
        .collect();
    let subject = row.subject.clone();
    let summary = format!(
        "Evidence for “{}”",
        if subject.is_empty() {
            "(no subject)"
        } else {
            &subject
        }
    );
    let stages = row
        .evidence
        .iter()
        .map(|e| view! { <li><strong>{e.stage.clone()}": "</strong>{e.detail.clone()}</li> })
        .collect_view();
    view! {
        <tr>
            <td data-label="When" class="time">{format_utc(row.at)}</td>
            <td data-label="From">{from}</td>
            <td data-label="To">{to}</td>
            <td data-label="Subject">{subject}</td>
            <td data-label="Client">{row.client_ip.clone()}<br/><small>{row.helo.clone()}</small></td>
            <td data-label="Classification">{verdict}</td>
            <td data-label="Evidence">
                {(!row.summary.is_empty()).then(|| view! { <p class="verdict-words">{row.summary.clone()}</p> })}
                <details>
                    <summary><span class="visually-hidden">{summary}</span><span aria-hidden="true">"Evidence"</span></summary>
                    <SenderFixes source=FixSource::Log id=row.id sender=row.from_header.clone()
                        recipients=taken spf_failed=row.spf_failed/>
                    {row.learnable.then(|| view! { <Report id=row.id/> })}
                    <ul class="evidence">
                        {stages}
                        <li><strong>"envelope sender: "</strong>{printable_sender(&row.sender).to_string()}</li>
                        <li><strong>"size: "</strong>{format_size(row.size.max(0) as u64)}</li>
                        <li><strong>"reply: "</strong>{row.reply.clone()}</li>
                    </ul>
                </details>
            </td>
        </tr>
    }
}

/// Reports the message as spam or not spam: the spam filter learns it, and mail to the
/// reader puts its sender on their own list.
#[component]
fn Report(id: i64) -> impl IntoView {
    let action = ServerAction::<ReportLogged>::new();
    let button = move |class: Class, text: &'static str| {
        view! {
            <ActionForm action>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="class" value=class.as_str()/>
                <button type="submit" class="secondary" disabled=move || action.pending().get()>{text}</button>
            </ActionForm>
        }
    };
    view! {
        <div class="report" role="group" aria-label="Teach the spam filter">
            <div class="inline-actions">
                {button(Class::Spam, "Report as spam")}
                {button(Class::Ham, "Not spam")}
            </div>
            <p class="form-error" role="alert">{move || action.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
            <p class="form-success" role="status">{move || action.value().get().and_then(Result::ok)}</p>
        </div>
    }
}
