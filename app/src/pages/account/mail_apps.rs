//! `/account/mail-apps`: device passwords for mail apps (IMAP, POP3, SMTP), and the switch
//! that closes those protocols outside webmail.

use crate::{
    api::mail_access::{my_mail_access, CreateDevicePassword, RevokeDevicePassword, SetMailAccess},
    components::{
        confirm::ConfirmIt,
        copy::CopyButton,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        table::DataTable,
    },
    model::{
        mail_access::{parse_name, DevicePasswordRow, MailAccess, NewDevicePassword, Protocol},
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MailAppsPage() -> impl IntoView {
    let create = ServerAction::<CreateDevicePassword>::new();
    let revoke = ServerAction::<RevokeDevicePassword>::new();
    let switch = ServerAction::<SetMailAccess>::new();
    let confirmed = RwSignal::new(0u32);
    // Reloaded after a change that took: a refused one keeps the form as typed.
    let changed = RwSignal::new(0u32);
    let access = Resource::new(
        move || (changed.get(), confirmed.get()),
        |_| my_mail_access(),
    );
    // The new password stays on screen until the person says it is in the app.
    let fresh = RwSignal::new(None::<NewDevicePassword>);
    Effect::new(move |_| {
        if let Some(Ok(new)) = create.value().get() {
            fresh.set(Some(new));
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        let revoked = matches!(revoke.value().get(), Some(Ok(())));
        let switched = matches!(switch.value().get(), Some(Ok(())));
        if revoked || switched {
            changed.update(|n| *n += 1);
        }
    });
    let revoked = outcome(revoke);
    view! {
        <Title text="Mail apps"/>
        <h1>"Mail apps"</h1>
        <p>
            "Mail apps (Thunderbird, Outlook, the mail app on your phone) sign in with a device password: "
            "one for each app, made here and shown once. Revoke it when you stop using the app."
        </p>
        {move || fresh.get().map(|new| view! { <NewPassword new on_done=move || fresh.set(None)/> })}
        <Outcome outcome=revoked success="The device password was revoked."/>
        <Loaded resource=access ok=move |a| view! { <Manage a create revoke switch confirmed/> }/>
    }
}

#[component]
fn Manage(
    a: MailAccess,
    create: ServerAction<CreateDevicePassword>,
    revoke: ServerAction<RevokeDevicePassword>,
    switch: ServerAction<SetMailAccess>,
    confirmed: RwSignal<u32>,
) -> impl IntoView {
    let note = a.second_factor.then(|| {
        view! {
            <p class="notice" role="note">
                "Your account uses two-factor authentication, so your account password does not work in mail apps: use a device password."
            </p>
        }
    });
    let list = if a.device_passwords.is_empty() {
        view! { <p>"You have no device passwords yet."</p> }.into_any()
    } else {
        view! { <DeviceTable rows=a.device_passwords.clone() revoke/> }.into_any()
    };
    let form = if a.confirmed {
        view! { <CreateForm create/> }.into_any()
    } else {
        view! { <ConfirmIt confirmed/> }.into_any()
    };
    view! {
        {note}
        <h2>"Your device passwords"</h2>
        <p class="hint">{format!("A device password unused for {} days stops working by itself.", a.idle_days)}</p>
        {list}
        <h2>"New device password"</h2>
        {form}
        <AccessSwitch open=a.mail_access switch/>
    }
}

#[component]
fn CreateForm(create: ServerAction<CreateDevicePassword>) -> impl IntoView {
    let outcome = outcome(create);
    let protocols = Protocol::ALL
        .iter()
        .map(|p| {
            let id = p.as_str();
            view! {
                <div class="check">
                    <input type="checkbox" id=id name=id checked=true/>
                    <label for=id>{p.label()}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <ActionForm action=create attr:class="card">
            <Field label="Name of the app" name="name" hint="For example “Thunderbird on laptop”."
                error=field_error(outcome, "name") check=|v| parse_name(v).map(drop)/>
            <fieldset aria-describedby="protocols-error">
                <legend>"May sign in with"</legend>
                {protocols}
                <p class="field-error" id="protocols-error">{field_error(outcome, "protocols")}</p>
            </fieldset>
            <Field label="Expires on (optional)" name="expires" input_type="date" required=false
                hint="Leave empty to keep it until you revoke it." error=field_error(outcome, "expires")/>
            <Outcome outcome success="The device password was created."/>
            <button type="submit" disabled=move || create.pending().get()>"Create device password"</button>
        </ActionForm>
    }
}

/// The new password, shown once with a copy button.
#[component]
fn NewPassword(new: NewDevicePassword, on_done: impl Fn() + 'static) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="new-password-heading">
            <h2 id="new-password-heading">{format!("Device password for “{}”", new.name)}</h2>
            <p><strong>"Enter it in the app now: it is shown only once."</strong>" Use it where the app asks for your password."</p>
            <p class="secret-line">
                <code id="device-password" class="secret-key">{new.password.clone()}</code>
                " " <CopyButton text=new.password label="Copy password"/>
            </p>
            <button type="button" on:click=move |_| on_done()>"Done"</button>
        </section>
    }
}

#[component]
fn DeviceTable(
    rows: Vec<DevicePasswordRow>,
    revoke: ServerAction<RevokeDevicePassword>,
) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|d| view! { <DeviceLine d revoke/> })
        .collect_view();
    view! {
        <DataTable label="Device passwords" columns=&["Name", "Protocols", "Created", "Last used", "Stops working"] actions=true>
                {rows}
            </DataTable>
    }
}

#[component]
fn DeviceLine(d: DevicePasswordRow, revoke: ServerAction<RevokeDevicePassword>) -> impl IntoView {
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
    let id = d.id;
    let action = move || {
        if asking.get() {
            view! {
                <ActionForm action=revoke attr:class="inline-actions">
                    <input type="hidden" name="id" value=id/>
                    <p>"Revoke “" {name.get_value()} "”? The app stops receiving mail until you give it a new one."</p>
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
fn AccessSwitch(open: bool, switch: ServerAction<SetMailAccess>) -> impl IntoView {
    let asking = RwSignal::new(false);
    let outcome = outcome(switch);
    let (state, explain) = if open {
        (
            "Access from mail apps: open",
            "If you read mail only in webmail, close IMAP, POP3 and SMTP: a stolen password then opens nothing in a mail app.",
        )
    } else {
        (
            "Access from mail apps: closed",
            "IMAP, POP3 and SMTP logins are refused, even with a device password. Webmail keeps working.",
        )
    };
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
                    {open.then(|| view! { <p>"Close IMAP, POP3 and SMTP? Mail apps stop working until you open them again."</p> })}
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
