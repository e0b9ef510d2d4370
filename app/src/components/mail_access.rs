//! A mailbox's device passwords and its IMAP/POP3/SMTP switch, as its owner (My account →
//! Mail apps) and its domain admin (Mailbox access) see them. With `mailbox` set, the
//! forms name the mailbox, and the server checks that the caller administers it.

use crate::{
    api::mail_access::{RevokeDevicePassword, SetMailAccess},
    components::{
        form::{outcome, Outcome},
        table::DataTable,
    },
    model::{mail_access::DevicePasswordRow, time::format_utc},
};
use leptos::prelude::*;

/// A counter that moves each time a revoke or a switch takes: the screen reloads the
/// mailbox on it (a refused change keeps the screen as it was).
pub fn changes(
    revoke: ServerAction<RevokeDevicePassword>,
    switch: ServerAction<SetMailAccess>,
) -> RwSignal<u32> {
    let changed = RwSignal::new(0u32);
    Effect::new(move |_| {
        let revoked = matches!(revoke.value().get(), Some(Ok(())));
        let switched = matches!(switch.value().get(), Some(Ok(())));
        if revoked || switched {
            changed.update(|n| *n += 1);
        }
    });
    changed
}

/// The mailbox a form acts on, as a hidden field; nothing for one's own.
fn mailbox_field(mailbox: &Option<String>) -> impl IntoView {
    mailbox
        .clone()
        .map(|m| view! { <input type="hidden" name="mailbox" value=m/> })
}

#[component]
pub fn DeviceTable(
    rows: Vec<DevicePasswordRow>,
    revoke: ServerAction<RevokeDevicePassword>,
    #[prop(optional)] mailbox: Option<String>,
) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|d| view! { <DeviceLine d revoke mailbox=mailbox.clone()/> })
        .collect_view();
    view! {
        <DataTable label="Device passwords" columns=&["Name", "Protocols", "Created", "Last used", "Stops working"] actions=true>
            {rows}
        </DataTable>
    }
}

#[component]
fn DeviceLine(
    d: DevicePasswordRow,
    revoke: ServerAction<RevokeDevicePassword>,
    mailbox: Option<String>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let name = StoredValue::new(d.name.clone());
    let protocols = d
        .protocols
        .iter()
        .map(|p| p.label())
        .collect::<Vec<_>>()
        .join(", ");
    let last_used = match (d.last_used_at, &d.last_used_ip, &d.last_used_protocol) {
        (Some(t), Some(ip), Some(p)) => {
            format!("{} from {ip} ({})", format_utc(t), p.to_uppercase())
        }
        _ => "Never".to_string(),
    };
    let consequence = if mailbox.is_some() {
        "The app stops receiving mail until its owner makes a new one."
    } else {
        "The app stops receiving mail until you give it a new one."
    };
    let mailbox = StoredValue::new(mailbox);
    let id = d.id;
    let action = move || {
        if asking.get() {
            view! {
                <ActionForm action=revoke attr:class="inline-actions">
                    <input type="hidden" name="id" value=id/>
                    {mailbox_field(&mailbox.get_value())}
                    <p>"Revoke “" {name.get_value()} "”? " {consequence}</p>
                    <button type="submit" class="danger">"Revoke"</button>
                    <button type="button" class="secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                </ActionForm>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="secondary" on:click=move |_| asking.set(true)>
                    "Revoke"<span class="visually-hidden">" " {name.get_value()}</span>
                </button>
            }
            .into_any()
        }
    };
    view! {
        <tr>
            <td data-label="Name">{d.name.clone()}</td>
            <td data-label="Protocols">{protocols}</td>
            <td data-label="Created" class="time">{format_utc(d.created_at)}</td>
            <td data-label="Last used" class="time">{last_used}</td>
            <td data-label="Stops working" class="time">
                {format_utc(d.expires_at)}
                {d.expiring_soon.then(|| view! { " " <span class="badge">"Soon"</span> })}
            </td>
            <td>{action}</td>
        </tr>
    }
}

/// IMAP, POP3 and SMTP outside webmail: closing asks first.
#[component]
pub fn AccessSwitch(
    open: bool,
    switch: ServerAction<SetMailAccess>,
    #[prop(optional)] mailbox: Option<String>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let outcome = outcome(switch);
    let owner = mailbox.is_some();
    let (state, explain) = match (open, owner) {
        (true, false) => (
            "Access from mail apps: open",
            "If you read mail only in webmail, close IMAP, POP3 and SMTP: a stolen password then opens nothing in a mail app.",
        ),
        (true, true) => (
            "Access from mail apps: open",
            "If the owner reads mail only in webmail, close IMAP, POP3 and SMTP: a stolen password then opens nothing in a mail app.",
        ),
        (false, _) => (
            "Access from mail apps: closed",
            "IMAP, POP3 and SMTP logins are refused, even with a device password. Webmail keeps working.",
        ),
    };
    let question = if owner {
        "Close IMAP, POP3 and SMTP for this mailbox? Its mail apps stop working until access is opened again."
    } else {
        "Close IMAP, POP3 and SMTP? Mail apps stop working until you open them again."
    };
    let mailbox = StoredValue::new(mailbox);
    let form = move || {
        if open && !asking.get() {
            view! {
                <button type="button" class="secondary" on:click=move |_| asking.set(true)>"Close access from mail apps"</button>
            }
            .into_any()
        } else {
            view! {
                <ActionForm action=switch attr:class="inline-actions">
                    <input type="hidden" name="open" value=if open { "false" } else { "true" }/>
                    {mailbox_field(&mailbox.get_value())}
                    {open.then(|| view! { <p>{question}</p> })}
                    <button type="submit" class=if open { "danger" } else { "" }>
                        {if open { "Close access" } else { "Open access from mail apps" }}
                    </button>
                    {open.then(|| view! {
                        <button type="button" class="secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                    })}
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <h2>{state}</h2>
        <div class="card">
            <p>{explain}</p>
            <Outcome outcome success="Saved."/>
            {form}
        </div>
    }
}
