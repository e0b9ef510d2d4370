//! `/account/migration`: the copy of the signed-in person's mail from their old server, for
//! an account that came by sign-up (`/sign-up`): how far it is, folder by folder, its
//! errors, and "Copy again" once it ended. The screen reloads itself while the copy runs.

use crate::{
    api::migration::{get_my_migration, RestartMyMigration},
    components::{
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        live::poll_while,
        loaded::Reloaded,
        table::DataTable,
    },
    model::{
        migration::{FolderRow, MyMigration, State},
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use std::time::Duration;

/// How often the screen asks again while the copy runs.
const EVERY: Duration = Duration::from_secs(2);

#[component]
pub fn MigrationPage() -> impl IntoView {
    let restart = ServerAction::<RestartMyMigration>::new();
    let changed = RwSignal::new(0u32);
    let tick = RwSignal::new(0u32);
    bump_on_success(restart, changed);
    let mine = Resource::new(move || (changed.get(), tick.get()), |_| get_my_migration());
    let running = Memo::new(move |_| {
        mine.with(|m| matches!(m, Some(Ok(Some(copy))) if copy.row.state.is_running()))
    });
    poll_while(running.into(), EVERY, tick);
    let restarted = outcome(restart);
    view! {
        <Title text="Mail migration"/>
        <h1>"Mail migration"</h1>
        <Reloaded resource=mine ok=move |m| screen(m, restart)/>
        // Outside the reloaded part: the form goes once the copy starts again, its answer stays.
        <Outcome outcome=restarted success="The copy starts again: only what is not here yet is copied."/>
    }
}

/// The copy as it stands, or the word that there is none.
fn screen(m: Option<MyMigration>, restart: ServerAction<RestartMyMigration>) -> AnyView {
    let Some(m) = m else {
        return view! { <p>"Your account did not come from another server; there is nothing to copy."</p> }
            .into_any();
    };
    let row = m.row;
    let p = row.progress;
    let percent = p.percent();
    let finished = row
        .finished_at
        .map(|at| view! { <dt>"Finished"</dt><dd>{format_utc(at)}</dd> });
    let next_try = match (row.state, row.last_error.is_some(), row.next_try_at) {
        (State::Queued, true, Some(at)) => Some(format!("Tries again at {}.", format_utc(at))),
        _ => None,
    };
    let error = row.last_error.clone().map(|e| {
        view! { <p class="warning">"Last error: "{e}" "{next_try}</p> }
    });
    let weak = m.weak_password.then(|| {
        view! {
            <p class="notice" role="note">
                "The password you brought from your old server is short, commonly used or your own address: others guess such passwords easily. "
                <A href="/account/password">"Choose a new password"</A>
                "."
            </p>
        }
    });
    // A failed copy that still has the password is the admin's to retry.
    let ended = matches!(row.state, State::Done | State::Cancelled)
        || (row.state == State::Failed && !row.can_retry);
    let again = ended.then(|| view! { <CopyAgain restart/> });
    view! {
        <p>{format!("Your mail is copied here from {}, the server your domain used before.", m.server)}</p>
        {weak}
        <dl class="facts">
            <dt>"State"</dt>
            <dd id="copy-state">{row.state.label()}</dd>
            <dt>"Started"</dt>
            <dd>{format_utc(row.created_at)}</dd>
            {finished}
        </dl>
        <p class="copy-progress">
            <progress max="100" value=percent aria-label="Copy progress" aria-describedby="copy-progress-text"></progress>
            " "
            <span id="copy-progress-text">{format!("{percent}%: {}", p.describe())}</span>
        </p>
        {error}
        <h2>"Folders"</h2>
        <Folders folders=m.folders/>
        {again}
    }
    .into_any()
}

#[component]
fn Folders(folders: Vec<FolderRow>) -> impl IntoView {
    if folders.is_empty() {
        return view! { <p>"No folders found yet."</p> }.into_any();
    }
    let rows = folders
        .into_iter()
        .map(|f| {
            let state = match (&f.error, f.done) {
                (Some(e), _) => e.clone(),
                (None, true) => "Done".to_string(),
                (None, false) if f.messages_done > 0 => "Copying".to_string(),
                (None, false) => "Waiting".to_string(),
            };
            view! {
                <tr>
                    <td data-label="Folder">{f.name}</td>
                    <td data-label="Messages">{format!("{} of {}", f.messages_done, f.messages_total)}</td>
                    <td data-label="State">{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Folders" columns=&["Folder", "Messages", "State"]>{rows}</DataTable>
    }
    .into_any()
}

/// The old password again: the portal forgets it once a copy ends.
#[component]
fn CopyAgain(restart: ServerAction<RestartMyMigration>) -> impl IntoView {
    let outcome = outcome(restart);
    view! {
        <section class="card" aria-labelledby="again-heading">
            <h2 id="again-heading">"Copy again"</h2>
            <p>"Copies what is on your old server and not here yet, such as mail that arrived there since. Messages already copied are not copied twice."</p>
            <ActionForm action=restart>
                <Field label="Password on your old server" name="password" input_type="password"
                    autocomplete="current-password" error=field_error(outcome, "password")/>
                <button type="submit" disabled=move || restart.pending().get()>"Copy again"</button>
            </ActionForm>
        </section>
    }
}
