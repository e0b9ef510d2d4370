//! `/quarantine`: mail kept instead of delivered. Everyone sees what was addressed to them;
//! a domain admin sees their domains' kept mail and a master admin all of it. Ticked
//! messages are released (delivered) or deleted together; an admin may also delete a
//! domain's kept mail below or above a score.

use crate::{
    api::quarantine::{
        list_quarantine, DeleteQuarantined, DeleteQuarantinedByScore, ReleaseQuarantined,
    },
    components::{
        ask_first::{asking_until, AskFirst},
        form::{bump_on_success, field_error, outcome, Choice, Field, Outcome},
        loaded::Loaded,
        paging::{use_list_query, Pager, SearchForm},
        table::DataTable,
        ticked::{counted, report, ticked_fields, Said, SaidLines, TickAll, TickBox, Ticked},
    },
    model::{
        quarantine::{format_score, parse_score, Quarantine, QuarantineRow},
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct Actions {
    release: ServerAction<ReleaseQuarantined>,
    delete: ServerAction<DeleteQuarantined>,
    ticked: Ticked,
    said: Said,
}

#[component]
pub fn QuarantinePage() -> impl IntoView {
    let actions = Actions {
        release: ServerAction::new(),
        delete: ServerAction::new(),
        ticked: RwSignal::new(Vec::new()),
        said: RwSignal::new(None),
    };
    report(
        actions.release,
        actions.said,
        "message",
        "released: delivered to their recipients",
    );
    report(actions.delete, actions.said, "message", "deleted");
    let by_score = ServerAction::<DeleteQuarantinedByScore>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(actions.release, changed);
    bump_on_success(actions.delete, changed);
    bump_on_success(by_score, changed);
    let query = use_list_query();
    let list = Resource::new(
        move || (query.get(), changed.get()),
        |(q, _)| list_quarantine(Some(q.search), Some(q.page)),
    );
    // A new page or a reload shows other messages: nothing stays ticked unseen.
    Effect::new(move |_| {
        query.track();
        changed.track();
        actions.ticked.set(Vec::new());
    });
    view! {
        <Title text="Quarantine"/>
        <h1>"Quarantine"</h1>
        <p class="hint">
            "Mail kept instead of delivered: spam above the reject score, and mail over the size limit. \
             Nothing in a kept message runs when you open it. Release delivers a message to its \
             recipients; kept mail is deleted after the domain's quarantine days. Releasing a \
             message as not spam, or deleting it as spam, teaches the spam filter."
        </p>
        <Loaded resource=list ok=move |q| view! {
            <Screen q search=query.get_untracked().search actions by_score/>
        }/>
    }
}

#[component]
fn Screen(
    q: Quarantine,
    search: String,
    actions: Actions,
    by_score: ServerAction<DeleteQuarantinedByScore>,
) -> impl IntoView {
    let Quarantine {
        page,
        domains,
        learned,
    } = q;
    let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row ticked=actions.ticked/> })
        .collect_view();
    let list = if page.total == 0 {
        let none = if search.is_empty() {
            "Nothing is in quarantine."
        } else {
            "No kept message matches this search."
        };
        view! { <p class="empty">{none}</p> }.into_any()
    } else {
        view! {
            <Bulk actions ids/>
            <DataTable label="Quarantined mail, newest first"
                columns=&["Select", "Received", "From", "To", "Subject", "Score", "Why kept"]>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <p class="hint learned">{learned.describe()}</p>
        <SearchForm what="quarantined mail" search/>
        <SaidLines said=actions.said/>
        {list}
        <Pager page what="kept messages"/>
        {(!domains.is_empty()).then(|| view! { <ByScore domains action=by_score/> })}
    }
}

/// Release and delete for the ticked messages, and ticking the whole page.
#[component]
fn Bulk(actions: Actions, ids: Vec<i64>) -> impl IntoView {
    let Actions {
        release,
        delete,
        ticked,
        ..
    } = actions;
    let count = move || ticked.with(Vec::len);
    let asking = asking_until(delete);
    let hidden = ticked_fields(ticked);
    view! {
        <div class="bulk" role="group" aria-label="Act on the ticked messages">
            <TickAll ticked ids noun="message"/>
            <ActionForm action=release>
                {hidden}
                <Choice id="release-not-spam" name="not_spam" label="Learn them as not spam"/>
                <button type="submit" disabled=move || count() == 0 || release.pending().get()>
                    "Release ticked"
                </button>
            </ActionForm>
            <AskFirst asking label="Delete ticked…"
                question="Delete the ticked messages? They cannot be brought back.">
                <ActionForm action=delete>
                    {hidden}
                    <Choice id="delete-spam" name="spam" label="Report them as spam"/>
                    <button type="submit" class="danger" disabled=move || count() == 0>"Delete ticked messages"</button>
                </ActionForm>
            </AskFirst>
        </div>
    }
}

#[component]
fn Line(row: QuarantineRow, ticked: Ticked) -> impl IntoView {
    let id = row.id;
    let subject = if row.subject.is_empty() {
        "(no subject)".to_string()
    } else {
        row.subject.clone()
    };
    let from = if row.from_header.is_empty() {
        row.sender.clone()
    } else {
        row.from_header.clone()
    };
    view! {
        <tr>
            <td data-label="Select"><TickBox ticked id label=format!("Tick “{subject}”")/></td>
            <td data-label="Received" class="time">{format_utc(row.at)}</td>
            <td data-label="From">{from}</td>
            <td data-label="To">{row.recipients.join(", ")}</td>
            <td data-label="Subject"><a href=format!("/quarantine/{id}")>{subject.clone()}</a></td>
            <td data-label="Score">{format_score(row.score)}</td>
            <td data-label="Why kept">{row.reason.clone()}</td>
        </tr>
    }
}

/// Deletes a domain's kept mail below or above a score (admins).
#[component]
fn ByScore(
    domains: Vec<(i64, String)>,
    action: ServerAction<DeleteQuarantinedByScore>,
) -> impl IntoView {
    let outcome = outcome(action);
    let asking = asking_until(action);
    let options = StoredValue::new(domains);
    let deleted = move || match action.value().get() {
        Some(Ok(n)) => Some(counted(n, "message", "deleted")),
        _ => None,
    };
    view! {
        <section class="card" aria-labelledby="by-score-heading">
            <h2 id="by-score-heading">"Delete by score"</h2>
            <p>"Deletes every kept message of a domain that scored below or above a score. Unscored mail (kept for its size) stays."</p>
            <AskFirst asking label="Delete by score…"
                question="Choose the domain and the score. The messages cannot be brought back.">
                <ActionForm action=action>
                    <div class="field">
                        <label for="by-score-domain">"Domain"</label>
                        <select id="by-score-domain" name="domain">
                            {options.get_value().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <fieldset class="choices">
                        <legend>"Which messages"</legend>
                        <div class="check">
                            <input type="radio" id="side-above" name="side" value="above" checked=true/>
                            <label for="side-above">"Scoring above the score"</label>
                        </div>
                        <div class="check">
                            <input type="radio" id="side-below" name="side" value="below"/>
                            <label for="side-below">"Scoring below the score"</label>
                        </div>
                    </fieldset>
                    <Field label="Score" name="score" hint="A number, such as 15 or 7.5."
                        error=field_error(outcome, "score") check=|v| parse_score(v).map(drop)/>
                    <Outcome outcome success="Done."/>
                    <button type="submit" class="danger" disabled=move || action.pending().get()>"Delete these messages"</button>
                </ActionForm>
            </AskFirst>
            <p class="form-success" role="status">{deleted}</p>
        </section>
    }
}
