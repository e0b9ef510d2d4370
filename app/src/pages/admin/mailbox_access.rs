//! `/admin/mailbox-access?mailbox=…` (domain admins): a mailbox's device passwords, to see
//! and revoke, and its IMAP/POP3/SMTP switch. Only mailboxes in the admin's own domains are
//! found. Admins never see or make a device password's secret: that stays with the owner.

use crate::{
    api::mail_access::{get_mail_access, RevokeDevicePassword, SetMailAccess},
    components::{
        form::{outcome, Field, Outcome},
        mail_access::{changes, AccessSwitch, DeviceTable},
    },
    model::{mail_access::MailAccess, EmailAddress},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn MailboxAccessPage() -> impl IntoView {
    let query = use_query_map();
    let typed = move || query.with(|q| q.get("mailbox").unwrap_or_default());
    let revoke = ServerAction::<RevokeDevicePassword>::new();
    let switch = ServerAction::<SetMailAccess>::new();
    let changed = changes(revoke, switch);
    let access = Resource::new(
        move || (typed(), changed.get()),
        |(mailbox, _)| async move {
            if mailbox.trim().is_empty() {
                Ok(None)
            } else {
                get_mail_access(Some(mailbox)).await.map(Some)
            }
        },
    );
    let revoked = outcome(revoke);
    view! {
        <Title text="Mailbox access"/>
        <h1>"Mailbox access"</h1>
        <p>
            "A mailbox's device passwords (one per mail app) and whether IMAP, POP3 and SMTP are open "
            "outside webmail. Revoke a device password that may be stolen; its owner makes a new one."
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let found = access.await;
                let error = found.as_ref().err().and_then(|e| e.for_field("mailbox"));
                let other_error = found.as_ref().err().filter(|e| !e.is_field_error()).map(|e| {
                    view! { <p class="form-error" role="alert">{e.to_string()}</p> }
                });
                view! {
                    <Form method="GET" action="/admin/mailbox-access" attr:class="card" attr:role="search">
                        <Field label="Mailbox address" name="mailbox" input_type="email" value=typed()
                            error=Signal::derive(move || error.clone())
                            check=|v| EmailAddress::parse(v).map(drop)/>
                        <button type="submit">"Show"</button>
                    </Form>
                    {other_error}
                    {found.ok().flatten().map(|a| view! { <Mailbox a revoke switch/> })}
                }
            })}
        </Suspense>
        <Outcome outcome=revoked success="The device password was revoked."/>
    }
}

#[component]
fn Mailbox(
    a: MailAccess,
    revoke: ServerAction<RevokeDevicePassword>,
    switch: ServerAction<SetMailAccess>,
) -> impl IntoView {
    let factor = if a.second_factor {
        "Two-factor authentication is on: its mail apps must use device passwords."
    } else {
        "Two-factor authentication is off: its mail apps may also use the account password."
    };
    let list = if a.device_passwords.is_empty() {
        view! { <p>"This mailbox has no device passwords."</p> }.into_any()
    } else {
        view! { <DeviceTable rows=a.device_passwords.clone() revoke mailbox=a.email.clone()/> }
            .into_any()
    };
    view! {
        <h2>{format!("Device passwords of {}", a.email)}</h2>
        <p class="hint">{factor}" "{format!("A device password unused for {} days stops working by itself.", a.idle_days)}</p>
        {list}
        <AccessSwitch open=a.mail_access switch mailbox=a.email.clone()/>
    }
}
