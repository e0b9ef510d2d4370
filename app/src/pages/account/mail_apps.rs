//! `/account/mail-apps`: device passwords for mail apps (IMAP, POP3, SMTP), and the switch
//! that closes those protocols outside webmail.

use crate::{
    api::mail_access::{
        get_mail_access, CreateDevicePassword, RevokeDevicePassword, SetMailAccess,
    },
    components::{
        confirm::ConfirmIt,
        copy::CopyButton,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        mail_access::{changes, AccessSwitch, DeviceTable},
    },
    model::mail_access::{parse_name, MailAccess, NewDevicePassword, Protocol},
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
    let changed = changes(revoke, switch);
    let access = Resource::new(
        move || (changed.get(), confirmed.get()),
        |_| get_mail_access(None),
    );
    // The new password stays on screen until the person says it is in the app.
    let fresh = RwSignal::new(None::<NewDevicePassword>);
    Effect::new(move |_| {
        if let Some(Ok(new)) = create.value().get() {
            fresh.set(Some(new));
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
