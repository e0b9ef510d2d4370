//! `/account/passkeys`: the account's passkeys (add, rename, delete) and passkey-only
//! sign-in. Adding runs the browser's WebAuthn ceremony (`crate::webauthn`).

use crate::{
    api::passkeys::{my_passkeys, DeletePasskey, RenamePasskey, SetPasswordSignIn},
    components::{confirm::ConfirmIt, form::Outcome, loaded::Loaded, table::DataTable},
    error::AppError,
    model::{
        passkey::{parse_name, PasskeyOverview, PasskeyRow, PASSKEY_ONLY_MIN},
        time::format_utc,
    },
    webauthn,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// What happened last on the screen, announced above the list.
type Notice = RwSignal<Option<Result<String, AppError>>>;

#[component]
pub fn PasskeysPage() -> impl IntoView {
    // Bumped after every change and every confirmation: the list is loaded again.
    let changed = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let overview = Resource::new(move || changed.get(), |_| my_passkeys());
    let shown = Signal::derive(move || notice.get());
    view! {
        <Title text="Passwordless authentication"/>
        <h1>"Passwordless authentication"</h1>
        <p>
            "A passkey signs you in with your device's screen lock (fingerprint, face or PIN) or a "
            "security key, without typing a password or a code. It works only on this portal, so it "
            "cannot be phished."
        </p>
        <Outcome outcome=shown success=""/>
        <p class="form-success" role="status">
            {move || notice.get().and_then(Result::ok)}
        </p>
        <Loaded resource=overview ok=move |o| view! { <Manage o changed notice/> }/>
    }
}

#[component]
fn Manage(o: PasskeyOverview, changed: RwSignal<u32>, notice: Notice) -> impl IntoView {
    if !o.available {
        return view! {
            <p class="notice" role="note">
                "Passkeys are not available at this address. Open the portal by its host name to use them."
            </p>
        }
        .into_any();
    }
    let list = if o.passkeys.is_empty() {
        view! { <p>"You have no passkeys yet."</p> }.into_any()
    } else {
        view! { <PasskeyTable rows=o.passkeys.clone() changed notice/> }.into_any()
    };
    let actions = if o.confirmed {
        view! {
            <AddPasskey changed notice/>
            <PasswordSignIn allowed=o.password_sign_in count=o.passkeys.len() changed notice/>
        }
        .into_any()
    } else {
        view! { <ConfirmIt confirmed=changed/> }.into_any()
    };
    view! {
        <h2>"Your passkeys"</h2>
        {list}
        {actions}
    }
    .into_any()
}

/// "New credential": a name, then the browser's own dialog.
#[component]
fn AddPasskey(changed: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let add = Action::new_unsync(|name: &String| webauthn::add(name.clone()));
    let field = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| match add.value().get() {
        Some(Ok(())) => {
            if let Some(i) = input.get_untracked() {
                notice.set(Some(Ok(format!(
                    "The passkey “{}” was added.",
                    i.value().trim()
                ))));
                i.set_value("");
            }
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => match e.for_field("name") {
            Some(reason) => field.set(Some(reason)),
            None => notice.set(Some(Err(e))),
        },
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = input.get().map(|i| i.value()).unwrap_or_default();
        match parse_name(&typed) {
            Ok(name) => {
                field.set(None);
                notice.set(None);
                add.dispatch(name);
            }
            Err(reason) => field.set(Some(reason)),
        }
    };
    view! {
        <h2>"Add a passkey"</h2>
        <form class="card" on:submit=on_submit novalidate>
            <div class="field">
                <label for="name">"Passkey name"</label>
                <input id="name" name="name" type="text" autocomplete="off" required node_ref=input
                    aria-invalid=move || if field.get().is_some() { "true" } else { "false" }
                    aria-describedby="name-hint name-error"/>
                <p class="hint" id="name-hint">"Where it lives, for example “Laptop” or “Security key”."</p>
                <p class="field-error" id="name-error">{move || field.get()}</p>
            </div>
            <button type="submit" disabled=move || add.pending().get()>
                {move || if add.pending().get() { "Waiting for your device…" } else { "Add passkey" }}
            </button>
        </form>
    }
}

#[component]
fn PasskeyTable(rows: Vec<PasskeyRow>, changed: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| view! { <PasskeyLine row changed notice/> })
        .collect_view();
    view! {
        <DataTable label="Passkeys" columns=&["Name", "Added", "Last used"] actions=true>
                {rows}
            </DataTable>
    }
}

/// What a row shows in its actions cell.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Idle,
    Renaming,
    Deleting,
}

/// One passkey, with rename (in place) and delete (asked first).
#[component]
fn PasskeyLine(row: PasskeyRow, changed: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let mode = RwSignal::new(Mode::Idle);
    let rename = ServerAction::<RenamePasskey>::new();
    let delete = ServerAction::<DeletePasskey>::new();
    let name = StoredValue::new(row.name.clone());
    Effect::new(move |_| {
        let done = [rename.value().get(), delete.value().get()];
        for result in done.into_iter().flatten() {
            match result {
                Ok(()) => {
                    notice.set(Some(Ok("Your passkeys were updated.".into())));
                    changed.update(|n| *n += 1);
                }
                Err(e) if e.for_field("name").is_some() => {}
                Err(e) => notice.set(Some(Err(e))),
            }
        }
    });
    let rename_error = Signal::derive(move || {
        rename
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field("name"))
    });
    let id = row.id;
    let actions = move || {
        match mode.get() {
        Mode::Idle => view! {
            <div class="inline-actions">
                <button type="button" class="secondary" on:click=move |_| mode.set(Mode::Renaming)>
                    "Rename"<span class="visually-hidden">" " {name.get_value()}</span>
                </button>
                <button type="button" class="secondary" on:click=move |_| mode.set(Mode::Deleting)>
                    "Delete"<span class="visually-hidden">" " {name.get_value()}</span>
                </button>
            </div>
        }
        .into_any(),
        Mode::Renaming => {
            let input_id = format!("rename-{id}");
            let error_id = format!("rename-{id}-error");
            view! {
            <ActionForm action=rename attr:class="inline-actions">
                <input type="hidden" name="id" value=id/>
                <div class="field">
                    <label for=input_id.clone()>"New name for “" {name.get_value()} "”"</label>
                    <input id=input_id name="name" type="text" autocomplete="off" required
                        value=name.get_value() aria-describedby=error_id.clone()
                        aria-invalid=move || if rename_error.get().is_some() { "true" } else { "false" }/>
                    <p class="field-error" id=error_id>{rename_error}</p>
                </div>
                <button type="submit">"Save"</button>
                <button type="button" class="secondary" on:click=move |_| mode.set(Mode::Idle)>"Cancel"</button>
            </ActionForm>
            }
            .into_any()
        }
        Mode::Deleting => view! {
            <ActionForm action=delete attr:class="inline-actions">
                <input type="hidden" name="id" value=id/>
                <p>"Delete “" {name.get_value()} "”? You will no longer be able to sign in with it."</p>
                <button type="submit" class="danger">"Delete passkey"</button>
                <button type="button" class="secondary" on:click=move |_| mode.set(Mode::Idle)>"Cancel"</button>
            </ActionForm>
        }
        .into_any(),
    }
    };
    view! {
        <tr>
            <td data-label="Name">{row.name.clone()}</td>
            <td data-label="Added" class="time">{format_utc(row.created_at)}</td>
            <td data-label="Last used" class="time">
                {row.last_used_at.map(format_utc).unwrap_or_else(|| "Never".into())}
            </td>
            <td>{actions}</td>
        </tr>
    }
}

/// Passkey-only sign-in: off needs two passkeys; back on needs a passkey (the password is
/// not accepted while it is off).
#[component]
fn PasswordSignIn(
    allowed: bool,
    count: usize,
    changed: RwSignal<u32>,
    notice: Notice,
) -> impl IntoView {
    let set = ServerAction::<SetPasswordSignIn>::new();
    Effect::new(move |_| match set.value().get() {
        Some(Ok(())) => {
            notice.set(Some(Ok("Your sign-in choice was saved.".into())));
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => notice.set(Some(Err(e))),
        None => {}
    });
    let (state, explain, button, value) = if allowed {
        (
            "Password sign-in: on",
            format!(
                "With at least {PASSKEY_ONLY_MIN} passkeys you can turn password sign-in to the portal off. \
                 Mail apps keep working with device passwords."
            ),
            "Sign in with passkeys only",
            "false",
        )
    } else {
        (
            "Password sign-in: off",
            "Only your passkeys sign you in to the portal. Turning the password back on needs a passkey.".to_string(),
            "Allow password sign-in again",
            "true",
        )
    };
    let too_few = allowed && count < PASSKEY_ONLY_MIN;
    view! {
        <h2>{state}</h2>
        <ActionForm action=set attr:class="card">
            <p id="password-sign-in-hint">{explain}</p>
            <input type="hidden" name="allowed" value=value/>
            <button type="submit" class="secondary" disabled=too_few aria-describedby="password-sign-in-hint">
                {button}
            </button>
        </ActionForm>
    }
}
