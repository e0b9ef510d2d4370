//! `/quarantine/:id`: one kept message, read without running any of it — its text, its
//! HTML cleaned and shown in a sandboxed frame that loads nothing, its header, attachments
//! and source — with release and delete.

use crate::{
    api::quarantine::{open_quarantined, DeleteQuarantined, ReleaseQuarantined},
    components::{
        ask_first::{asking_until, AskFirst},
        form::{outcome, Choice, Outcome},
        loaded::Loaded,
        sender_fix::SenderFixes,
    },
    model::{
        mailbox::format_size,
        quarantine::{format_score, QuarantinedMessage},
        sender_fix::FixSource,
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn QuarantineMessagePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
            .unwrap_or(0)
    });
    let message = Resource::new(move || id.get(), open_quarantined);
    view! {
        <Title text="Quarantined message"/>
        <p><a href="/quarantine">"← Quarantine"</a></p>
        <Loaded resource=message ok=move |m| view! { <Screen m/> }/>
    }
}

#[component]
fn Screen(m: QuarantinedMessage) -> impl IntoView {
    let QuarantinedMessage {
        row,
        headers,
        text,
        html,
        attachments,
        raw,
        raw_cut,
    } = m;
    let subject = if row.subject.is_empty() {
        "(no subject)".to_string()
    } else {
        row.subject.clone()
    };
    let sender = if row.sender.is_empty() {
        "<> (a bounce)".to_string()
    } else {
        row.sender.clone()
    };
    let header_rows = headers
        .into_iter()
        .map(|(name, value)| view! { <tr><th scope="row">{name}</th><td>{value}</td></tr> })
        .collect_view();
    let attachments = (!attachments.is_empty()).then(|| {
        let items = attachments
            .into_iter()
            .map(|(name, size)| view! { <li>{name}" ("{format_size(size as u64)}")"</li> })
            .collect_view();
        view! {
            <section aria-labelledby="attachments-heading">
                <h2 id="attachments-heading">"Attachments"</h2>
                <p class="hint">"Listed only: attachments of kept mail are not opened here."</p>
                <ul>{items}</ul>
            </section>
        }
    });
    let body = match (html, text) {
        (Some(html), _) => view! {
            <section aria-labelledby="body-heading">
                <h2 id="body-heading">"Message"</h2>
                <p class="hint">"Shown with scripts, forms, styles and every remote image or link target removed."</p>
                <iframe class="message-html" sandbox="" referrerpolicy="no-referrer" srcdoc=html
                    title="The message as HTML, cleaned"></iframe>
            </section>
        }
        .into_any(),
        (None, Some(text)) => view! {
            <section aria-labelledby="body-heading">
                <h2 id="body-heading">"Message"</h2>
                <pre class="message-text">{text}</pre>
            </section>
        }
        .into_any(),
        (None, None) => view! { <p class="empty">"The message has no text to show."</p> }.into_any(),
    };
    view! {
        <h1>{subject}</h1>
        <dl class="facts">
            <dt>"Received"</dt><dd>{format_utc(row.at)}</dd>
            <dt>"From"</dt><dd>{row.from_header.clone()}</dd>
            <dt>"Envelope sender"</dt><dd>{sender}</dd>
            <dt>"To"</dt><dd>{row.recipients.join(", ")}</dd>
            <dt>"Score"</dt><dd>{format_score(row.score)}</dd>
            <dt>"Why kept"</dt><dd>{row.reason.clone()}</dd>
            <dt>"Size"</dt><dd>{format_size(row.size.max(0) as u64)}</dd>
            <dt>"Deleted on"</dt><dd>{format_utc(row.expires_at)}</dd>
        </dl>
        <Decide id=row.id/>
        {(!row.from_header.is_empty()).then(|| view! {
            <section aria-labelledby="sender-heading">
                <h2 id="sender-heading">"Allow or block the sender"</h2>
                <SenderFixes source=FixSource::Quarantine id=row.id sender=row.from_header.clone()
                    recipients=row.recipients.clone() spf_failed=row.spf_failed/>
            </section>
        })}
        {body}
        {attachments}
        <details>
            <summary>"Header"</summary>
            <div class="table-wrap" role="region" aria-label="Header fields" tabindex="0">
                <table class="headers"><tbody>{header_rows}</tbody></table>
            </div>
        </details>
        <details>
            <summary>"Source"</summary>
            {raw_cut.then(|| view! { <p class="hint">"The source is long: its first 256 KB are shown."</p> })}
            <pre class="message-source">{raw}</pre>
        </details>
    }
}

/// Release or delete this message; after either, it is no longer here.
#[component]
fn Decide(id: i64) -> impl IntoView {
    let release = ServerAction::<ReleaseQuarantined>::new();
    let delete = ServerAction::<DeleteQuarantined>::new();
    let asking = asking_until(delete);
    let done = move || {
        matches!(release.value().get(), Some(Ok(_))) || matches!(delete.value().get(), Some(Ok(_)))
    };
    view! {
        <Show when=move || !done() fallback=move || view! {
            <p class="form-success" role="status">
                {move || match (release.value().get(), delete.value().get()) {
                    (Some(Ok(done)), _) => format!(
                        "Released: the message was delivered to its recipients. {}", done.note
                    ),
                    (_, Some(Ok(done))) => format!("Deleted. {}", done.note),
                    _ => String::new(),
                }}
                " "<a href="/quarantine">"Back to the quarantine"</a>
            </p>
        }>
            <div class="inline-actions">
                <ActionForm action=release>
                    <input type="hidden" name="ids[0]" value=id/>
                    <Choice id="release-not-spam" name="not_spam" label="Learn it as not spam"/>
                    <button type="submit" disabled=move || release.pending().get()>"Release"</button>
                </ActionForm>
                <AskFirst asking label="Delete…" question="Delete this message? It cannot be brought back.">
                    <ActionForm action=delete>
                        <input type="hidden" name="ids[0]" value=id/>
                        <Choice id="delete-spam" name="spam" label="Report it as spam"/>
                        <button type="submit" class="danger">"Delete message"</button>
                    </ActionForm>
                </AskFirst>
            </div>
            <Outcome outcome=outcome(release) success=""/>
            <Outcome outcome=outcome(delete) success=""/>
        </Show>
    }
}
