//! `/admin/domains/:id/migration`: auto migration of a hosted domain. The admin names the old
//! IMAP server; the domain's users then sign up at `/sign-up` with their old address and
//! password, and their mail is copied. The list of copies reloads itself while any runs.

use crate::{
    api::migration::{
        get_domain_migration, CancelMigration, RemoveMigrationSource, RetryMigration,
        SaveMigrationSource,
    },
    components::{
        ask_first::{asking_until, AskFirst},
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, field_error, outcome, Choice, Field, Outcome},
        live::poll_while,
        loaded::{Loaded, Reloaded},
        row_forms::RowForms,
        table::DataTable,
    },
    error::AppError,
    model::{
        migration::{parse_server, DomainMigration, MigrationRow, Security, Source, State},
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_router::components::A;
use std::time::Duration;

/// How often the list asks again while a copy runs.
const EVERY: Duration = Duration::from_secs(3);

/// The row whose "Cancel the copy?" question is open. It is kept by the screen, not the row:
/// the rows are drawn again on each reload, and an open question must survive that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cancelling(i64);

#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveMigrationSource>,
    remove: ServerAction<RemoveMigrationSource>,
    forms: RowForms<Cancelling>,
    retry: ServerAction<RetryMigration>,
    cancel: ServerAction<CancelMigration>,
}

#[component]
pub fn DomainMigrationPage() -> impl IntoView {
    let id = use_domain_id();
    let forms = RowForms::new();
    let actions = Actions {
        save: ServerAction::new(),
        remove: ServerAction::new(),
        forms,
        retry: forms.action("The copy is queued again; it goes on where it stopped."),
        cancel: forms.action("The copy was cancelled; what was copied stays."),
    };
    // The old server's form reloads only when it was changed, so that a reload of the list
    // does not wipe what the admin is typing there.
    let source_changed = RwSignal::new(0u32);
    bump_on_success(actions.save, source_changed);
    bump_on_success(actions.remove, source_changed);
    let setup = Resource::new(
        move || (id.get(), source_changed.get()),
        |(id, _)| get_domain_migration(id),
    );
    let tick = RwSignal::new(0u32);
    let users = Resource::new(
        move || (id.get(), forms.changed.get(), tick.get()),
        |(id, _, _)| get_domain_migration(id),
    );
    // Paused while a question is open: the admin is about to answer it.
    let running = Memo::new(move |_| {
        forms.open.get().is_none()
            && users
                .with(|u| matches!(u, Some(Ok(v)) if v.users.iter().any(|r| r.state.is_running())))
    });
    poll_while(running.into(), EVERY, tick);
    view! {
        <Loaded resource=setup ok=move |v| view! { <Screen id=id.get_untracked() v users actions/> }/>
    }
}

#[component]
fn Screen(
    id: i64,
    v: DomainMigration,
    users: Resource<Result<DomainMigration, AppError>>,
    actions: Actions,
) -> impl IntoView {
    let lmtp = (!v.local_delivery).then(|| {
        view! {
            <p class="warning" role="note">
                "This portal hands mail to another mail store over LMTP, so auto migration cannot run here: "
                "the copy writes into the portal's own mailboxes."
            </p>
        }
    });
    let state = match &v.source {
        None => "No old server is set, so sign-up is closed.",
        Some(s) if !s.enabled => "Sign-up is paused: tick “Users may sign up now” to open it.",
        Some(_) => "Sign-up is open.",
    };
    view! {
        <DomainTabs id domain=v.domain.clone() screen="Auto migration"/>
        {lmtp}
        <p>
            {format!("Users of {} sign up at ", v.domain)}
            <A href="/sign-up">"/sign-up"</A>
            " with their address and the password of the old server. The portal checks them there, "
            "creates the account with that password and copies the mail, folders and flags included."
        </p>
        <p class="notice" role="status">{state}</p>
        <SourceCard id source=v.source allow_local=v.allow_local actions/>
        <section aria-labelledby="users-heading">
            <h2 id="users-heading">"Users"</h2>
            <p class="form-success" role="status">{move || actions.forms.notice.get()}</p>
            <p class="form-error" role="alert">
                {move || actions.retry.value().get().and_then(Result::err).map(|e| e.to_string())}
            </p>
            <Reloaded resource=users ok=move |v| view! { <UserList id v actions/> }/>
        </section>
    }
}

fn server_hint(allow_local: bool) -> String {
    let usual = "imap.example.org or imap.example.org:993; without a port, the usual port of the connection security.";
    if allow_local {
        usual.to_string()
    } else {
        format!(
            "{usual} A server on this machine or its local link (127.0.0.1, ::1) is refused until a master admin allows local routes (Routes of a relayed domain)."
        )
    }
}

#[component]
fn SourceCard(
    id: i64,
    source: Option<Source>,
    allow_local: bool,
    actions: Actions,
) -> impl IntoView {
    let (save, remove) = (actions.save, actions.remove);
    let saved = outcome(save);
    let removed = outcome(remove);
    let asking = asking_until(remove);
    let security = source.as_ref().map_or(Security::Tls, |s| s.security);
    let options = Security::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=s == security>{s.label()}</option> })
        .collect_view();
    // A new source is for users to sign up to: open unless the admin says otherwise.
    let enabled = source.as_ref().is_none_or(|s| s.enabled);
    let remove_button = source.is_some().then(|| {
        view! {
            <AskFirst asking label="Remove" context="the old server"
                question="Stop sign-ups for this domain? Copies under way go on.">
                <ActionForm action=remove attr:class="inline">
                    <input type="hidden" name="domain" value=id/>
                    <button type="submit" class="danger">"Remove old server"</button>
                </ActionForm>
            </AskFirst>
        }
    });
    view! {
        <section class="card" aria-labelledby="source-heading">
            <h2 id="source-heading">"Old IMAP server"</h2>
            <ActionForm action=save>
                <input type="hidden" name="domain" value=id/>
                // The security only sets the default port; any one tells a well-formed server.
                <Field label="Server" name="server" value=source.map(|s| s.server).unwrap_or_default()
                    hint=server_hint(allow_local)
                    error=field_error(saved, "server") check=|v| parse_server(v, Security::Tls).map(drop)/>
                <div class="field">
                    <label for="security">"Connection security"</label>
                    <select id="security" name="security" aria-describedby="security-error">{options}</select>
                    <p class="field-error" id="security-error">{field_error(saved, "security")}</p>
                </div>
                <Choice id="enabled" name="enabled" label="Users may sign up now" checked=enabled/>
                <Outcome outcome=saved success="The old server was saved."/>
                <button type="submit" disabled=move || save.pending().get()>"Save old server"</button>
            </ActionForm>
            {remove_button}
            <Outcome outcome=removed success="The old server was removed: sign-ups are closed."/>
        </section>
    }
}

/// "3 users: 1 copying, 1 waiting, 1 done — 120 of 300 messages".
fn summary(v: &DomainMigration) -> String {
    let c = v.counts;
    let states = [
        (c.copying, "copying"),
        (c.queued, "waiting"),
        (c.done, "done"),
        (c.failed, "failed"),
        (c.cancelled, "cancelled"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| format!("{n} {word}"))
    .collect::<Vec<_>>()
    .join(", ");
    let n = v.users.len();
    format!(
        "{n} {}: {states} — {} of {} messages",
        if n == 1 { "user" } else { "users" },
        v.total.messages_done,
        v.total.messages_total
    )
}

#[component]
fn UserList(id: i64, v: DomainMigration, actions: Actions) -> impl IntoView {
    if v.users.is_empty() {
        return view! { <p>"No one has signed up yet."</p> }.into_any();
    }
    let said = summary(&v);
    let rows = v
        .users
        .into_iter()
        .map(|row| view! { <UserLine domain=id row actions/> })
        .collect_view();
    view! {
        <p class="summary">{said}</p>
        <DataTable label="Users" columns=&["Address", "State", "Progress", "Errors", "Started"] actions=true>
            {rows}
        </DataTable>
    }
    .into_any()
}

#[component]
fn UserLine(domain: i64, row: MigrationRow, actions: Actions) -> impl IntoView {
    let id = row.id;
    let email = StoredValue::new(row.email.clone());
    let p = row.progress;
    let ended = matches!(row.state, State::Failed | State::Cancelled);
    // Without the old password (a cancel forgets it) only the user can start it again.
    let retryable = ended && row.can_retry;
    let needs_user = ended && !row.can_retry;
    let running = row.state.is_running();
    let next_try = match (row.state, row.next_try_at) {
        (State::Queued, Some(at)) if row.last_error.is_some() => {
            Some(format!("Tries again at {}.", format_utc(at)))
        }
        _ => None,
    };
    let last_error = row
        .last_error
        .map(|e| view! { <br/><span class="hint">{e}" "{next_try}</span> });
    // Several rows: each button's name says whose copy it acts on.
    let whose =
        move || view! { <span class="visually-hidden">" the copy for "{email.get_value()}</span> };
    let cell = move || {
        if actions.forms.open.get() == Some(Cancelling(id)) {
            view! {
                <ActionForm action=actions.cancel attr:class="row-editor">
                    <input type="hidden" name="domain" value=domain/>
                    <input type="hidden" name="id" value=id/>
                    <p>{format!("Cancel the copy for {}? What was copied stays; the old password is forgotten.", email.get_value())}</p>
                    <Outcome outcome=outcome(actions.cancel) success="Cancelled."/>
                    <div class="inline-actions">
                        <button type="submit" class="danger">"Yes, cancel"{whose()}</button>
                        <button type="button" class="secondary" on:click=move |_| actions.forms.close()>"Keep copying"</button>
                    </div>
                </ActionForm>
            }
            .into_any()
        } else {
            let retry = retryable.then(|| {
                view! {
                    <ActionForm action=actions.retry>
                        <input type="hidden" name="domain" value=domain/>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="secondary" disabled=move || actions.retry.pending().get()>
                            "Retry"{whose()}
                        </button>
                    </ActionForm>
                }
            });
            let cancel = running.then(|| {
                view! {
                    <button type="button" class="secondary" on:click=move |_| actions.forms.open(Cancelling(id))>
                        "Cancel"{whose()}
                    </button>
                }
            });
            let by_user = needs_user.then(|| {
                view! { <span class="hint">"The user copies again from Mail migration, with their old password."</span> }
            });
            view! { <div class="inline-actions">{retry}{cancel}{by_user}</div> }.into_any()
        }
    };
    view! {
        <tr>
            <td data-label="Address">{row.email}</td>
            <td data-label="State">{row.state.label()}</td>
            <td data-label="Progress">
                <progress max="100" value=p.percent() aria-label=format!("Progress of {}", email.get_value())></progress>
                <br/>
                <span class="hint">{p.describe()}</span>
            </td>
            <td data-label="Errors">{p.errors}{last_error}</td>
            <td data-label="Started" class="time">{format_utc(row.created_at)}</td>
            <td>{cell}</td>
        </tr>
    }
}
