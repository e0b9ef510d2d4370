//! `/admin/domains/:id/mailboxes`: a domain's mailboxes. Admins add them (address,
//! display name, password, quota), search and page through them, and per mailbox change
//! the name and quota, set a new password, disable or enable it, or delete it after typing
//! its address. Domain admins manage mail users; an admin's mailbox is a master admin's.

use crate::{
    api::mailboxes::{
        list_mailboxes, AddMailbox, DeleteMailbox, EditMailbox, ResetMailboxPassword,
        SetMailboxEnabled,
    },
    components::{
        domain_tabs::DomainTabs,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        paging::PagedList,
        row_forms::{domain_list, CancelButton, RowForms},
        table::DataTable,
        transfer::Transfer,
    },
    model::{
        mailbox::{check_display_name, check_local_part, MailboxRow, Mailboxes, Quota, QuotaUsage},
        password,
        rows::Me,
        time::format_utc,
        transfer::Dataset,
        Role,
    },
};
use leptos::prelude::*;

/// The row whose actions are open, and which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Edit(i64),
    Password(i64),
    Disable(i64),
    Delete(i64),
}

/// The screen's change actions, made once so that their answers survive a reload.
#[derive(Clone, Copy)]
struct Actions {
    forms: RowForms<Open>,
    add: ServerAction<AddMailbox>,
    edit: ServerAction<EditMailbox>,
    enable: ServerAction<SetMailboxEnabled>,
    password: ServerAction<ResetMailboxPassword>,
    delete: ServerAction<DeleteMailbox>,
}

#[component]
pub fn MailboxesPage() -> impl IntoView {
    let forms = RowForms::new();
    let add = ServerAction::new();
    forms.reloads_on(add);
    let actions = Actions {
        forms,
        add,
        edit: forms.action("The mailbox was saved."),
        enable: forms.action("The mailbox's status was changed."),
        password: forms.action(
            "The new password is set and the mailbox's sessions were signed out. Give the owner the password in person or by phone.",
        ),
        delete: forms.action("The mailbox was deleted."),
    };
    let (id, query, list) = domain_list(forms, list_mailboxes);
    view! {
        <Loaded resource=list ok=move |m| view! { <Screen id=id.get_untracked() m search=query.get_untracked().search actions/> }/>
        <Transfer dataset=Dataset::Mailboxes domain=Signal::derive(move || Some(id.get())) changed=actions.forms.changed/>
    }
}

#[component]
fn Screen(id: i64, m: Mailboxes, search: String, actions: Actions) -> impl IntoView {
    let Mailboxes {
        domain,
        page,
        usage,
    } = m;
    let rows = page
        .rows
        .iter()
        .cloned()
        .map(|row| view! { <Line row actions/> })
        .collect_view();
    view! {
        <DomainTabs id domain=domain.clone() screen="Mailboxes"/>
        <AddForm id domain add=actions.add/>
        <h2>"Mailboxes"</h2>
        <PagedList page search what="mailboxes" label="Mailboxes" columns=&["Address", "Name", "Status", "Storage used", "Added"]
            empty="This domain has no mailboxes yet." unmatched="No mailbox matches this search." notice=actions.forms.notice>
            {rows}
        </PagedList>
        <Usage usage/>
    }
}

/// Quota statistics: the domain's storage in all, and its fullest mailboxes.
#[component]
fn Usage(usage: QuotaUsage) -> impl IntoView {
    let rows = usage
        .fullest
        .iter()
        .map(|m| {
            let percent = m.percent_used().unwrap_or_default();
            view! {
                <tr>
                    <td data-label="Address">{m.email.clone()}</td>
                    <td data-label="Used">{m.usage()}</td>
                    <td data-label="Share">
                        <meter min="0" max="100" low="80" high="95" optimum="0" value=percent.min(100).to_string()
                            aria-label=format!("{percent}% of the quota of {}", m.email)>{format!("{percent}%")}</meter>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let fullest = (!usage.fullest.is_empty()).then(|| {
        view! {
            <DataTable label="Fullest mailboxes" columns=&["Address", "Used", "Share"]>
                {rows}
            </DataTable>
        }
    });
    view! {
        <section class="quota-usage" aria-labelledby="usage-heading">
            <h2 id="usage-heading">"Storage"</h2>
            <p>{usage.summary()}</p>
            {fullest}
        </section>
    }
}

#[component]
fn AddForm(id: i64, domain: String, add: ServerAction<AddMailbox>) -> impl IntoView {
    let outcome = outcome(add);
    let at = format!("The part before @{domain}, for example alice or sales.team.");
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a mailbox"</h2>
            <ActionForm action=add>
                <input type="hidden" name="domain" value=id/>
                <Field label="Address" name="local_part" hint=at
                    error=field_error(outcome, "local_part") check=check_local_part/>
                <Field label="Display name" name="display_name" required=false hint="Optional: the name mail apps show, for example Alice Smith."
                    error=field_error(outcome, "display_name") check=check_display_name/>
                <Field label="Password" name="password" input_type="password" autocomplete="new-password"
                    hint=password::HINT error=field_error(outcome, "password") check=password::check_length/>
                <Field label="Quota" name="quota" required=false hint="The most the mailbox may hold, for example 2 GB or 500 MB. Empty: no limit."
                    error=field_error(outcome, "quota") check=|v| Quota::parse(v).map(drop)/>
                <Outcome outcome success="The mailbox was added."/>
                <button type="submit" disabled=move || add.pending().get()>"Add mailbox"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Line(row: MailboxRow, actions: Actions) -> impl IntoView {
    let me = use_context::<Me>();
    let own = me.as_ref().is_some_and(|me| me.email == row.email);
    let master = me.as_ref().is_some_and(|me| me.role == Role::MasterAdmin);
    let manageable = master || row.role == Role::MailUser;
    let status = if row.enabled { "Enabled" } else { "Disabled" };
    let role = (row.role != Role::MailUser)
        .then(|| view! { " " <span class="badge">{row.role.label()}</span> });
    let cell = if !manageable {
        view! { <span class="hint">"Managed by a master admin"</span> }.into_any()
    } else {
        view! { <RowActions row=row.clone() own actions/> }.into_any()
    };
    view! {
        <tr>
            <td data-label="Address">{row.email.clone()}{role}</td>
            <td data-label="Name">{row.display_name.clone()}</td>
            <td data-label="Status">{status}</td>
            <td data-label="Storage used">{row.usage()}</td>
            <td data-label="Added" class="time">{format_utc(row.created_at)}</td>
            <td>{cell}</td>
        </tr>
    }
}

/// The buttons of one row, or the form one of them opened.
#[component]
fn RowActions(row: MailboxRow, own: bool, actions: Actions) -> impl IntoView {
    let id = row.id;
    let row = StoredValue::new(row);
    move || {
        let r = row.get_value();
        match actions.forms.open.get() {
            Some(Open::Edit(i)) if i == id => view! { <EditForm r actions/> }.into_any(),
            Some(Open::Password(i)) if i == id => view! { <PasswordForm r actions/> }.into_any(),
            Some(Open::Disable(i)) if i == id => view! { <DisableForm r actions/> }.into_any(),
            Some(Open::Delete(i)) if i == id => view! { <DeleteForm r actions/> }.into_any(),
            _ => view! { <Buttons r own actions/> }.into_any(),
        }
    }
}

#[component]
fn Buttons(r: MailboxRow, own: bool, actions: Actions) -> impl IntoView {
    let id = r.id;
    let who = r.email.clone();
    let button = move |label: &'static str, which: Open| {
        let who = who.clone();
        view! {
            <button type="button" class="secondary" on:click=move |_| actions.forms.open(which)>
                {label}<span class="visually-hidden">" " {who}</span>
            </button>
        }
    };
    // Enabling needs no second thought; disabling asks first.
    let enable = (!own && !r.enabled).then(|| {
        view! {
            <ActionForm action=actions.enable>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="enabled" value="true"/>
                <button type="submit" class="secondary">"Enable"<span class="visually-hidden">" " {r.email.clone()}</span></button>
            </ActionForm>
        }
    });
    view! {
        <div class="inline-actions">
            {button("Edit", Open::Edit(id))}
            {(!own).then(|| button("Set password", Open::Password(id)))}
            {(!own && r.enabled).then(|| button("Disable", Open::Disable(id)))}
            {enable}
            {(!own).then(|| button("Delete", Open::Delete(id)))}
        </div>
    }
}

#[component]
fn EditForm(r: MailboxRow, actions: Actions) -> impl IntoView {
    let outcome = outcome(actions.edit);
    let quota = if r.quota.is_unlimited() {
        String::new()
    } else {
        r.quota.to_string()
    };
    view! {
        <ActionForm action=actions.edit attr:class="row-editor">
            <input type="hidden" name="id" value=r.id/>
            <Field label="Display name" name="display_name" id=format!("display_name-{}", r.id) required=false
                value=r.display_name.clone() error=field_error(outcome, "display_name") check=check_display_name/>
            <Field label="Quota" name="quota" id=format!("quota-{}", r.id) required=false value=quota
                hint="For example 2 GB. Empty: no limit."
                error=field_error(outcome, "quota") check=|v| Quota::parse(v).map(drop)/>
            <Outcome outcome success="Saved."/>
            <div class="inline-actions">
                <button type="submit">"Save"</button>
                <CancelButton forms=actions.forms/>
            </div>
        </ActionForm>
    }
}

#[component]
fn PasswordForm(r: MailboxRow, actions: Actions) -> impl IntoView {
    let outcome = outcome(actions.password);
    view! {
        <ActionForm action=actions.password attr:class="row-editor">
            <input type="hidden" name="id" value=r.id/>
            <Field label=format!("New password for {}", r.email) name="password" id=format!("password-{}", r.id)
                input_type="password" autocomplete="new-password"
                hint="Its sessions are signed out. Mail apps need the new password too (or their device passwords)."
                error=field_error(outcome, "password") check=password::check_length/>
            <Outcome outcome success="The password was set."/>
            <div class="inline-actions">
                <button type="submit">"Set password"</button>
                <CancelButton forms=actions.forms/>
            </div>
        </ActionForm>
    }
}

#[component]
fn DisableForm(r: MailboxRow, actions: Actions) -> impl IntoView {
    let outcome = outcome(actions.enable);
    view! {
        <ActionForm action=actions.enable attr:class="row-editor">
            <input type="hidden" name="id" value=r.id/>
            <input type="hidden" name="enabled" value="false"/>
            <p>{format!("Disable {}? It can no longer sign in here or log in from mail apps, and its sessions end. Mail to it still arrives.", r.email)}</p>
            <Outcome outcome success="Disabled."/>
            <div class="inline-actions">
                <button type="submit" class="danger">"Disable"</button>
                <CancelButton forms=actions.forms/>
            </div>
        </ActionForm>
    }
}

#[component]
fn DeleteForm(r: MailboxRow, actions: Actions) -> impl IntoView {
    let outcome = outcome(actions.delete);
    view! {
        <ActionForm action=actions.delete attr:class="row-editor">
            <input type="hidden" name="id" value=r.id/>
            <p>{format!("Delete {} with its settings, sessions and device passwords? This cannot be undone.", r.email)}</p>
            <Field label=format!("Type {} to confirm", r.email) name="confirm" id=format!("confirm-{}", r.id)
                error=field_error(outcome, "confirm")/>
            <Outcome outcome success="Deleted."/>
            <div class="inline-actions">
                <button type="submit" class="danger">"Delete mailbox"</button>
                <CancelButton forms=actions.forms/>
            </div>
        </ActionForm>
    }
}
