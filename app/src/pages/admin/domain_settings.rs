//! `/admin/domains/:id/settings`: a domain's settings, each empty for its default; "Reset"
//! returns all of them to the defaults after asking.

use crate::{
    api::senders::{get_domain_settings, ResetDomainSettings, SaveDomainSettings},
    components::{
        ask_first::{asking_until, AskFirst},
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        loaded::Loaded,
    },
    model::{
        domain_settings::{
            check_rejected_chars, check_send_limit, check_timezone_shape, DomainSettingsView,
            DEFAULT_LOG_DAYS, DEFAULT_RETRY_DAYS, DEFAULT_TIMEZONE,
        },
        submission::DEFAULT_SEND_LIMIT,
        EmailAddress,
    },
};
use leptos::prelude::*;

#[component]
pub fn DomainSettingsPage() -> impl IntoView {
    let id = use_domain_id();
    let save = ServerAction::<SaveDomainSettings>::new();
    let reset = ServerAction::<ResetDomainSettings>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(save, changed);
    bump_on_success(reset, changed);
    let settings = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| get_domain_settings(id),
    );
    view! {
        <Loaded resource=settings ok=move |v| view! { <Screen id=id.get_untracked() v save reset/> }/>
    }
}

fn email_check(v: &str) -> Result<(), String> {
    EmailAddress::parse(v).map(drop)
}

fn days_check(v: &str) -> Result<(), String> {
    match v.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(()),
        _ => Err("Enter a number of days.".into()),
    }
}

#[component]
fn Screen(
    id: i64,
    v: DomainSettingsView,
    save: ServerAction<SaveDomainSettings>,
    reset: ServerAction<ResetDomainSettings>,
) -> impl IntoView {
    let saved = outcome(save);
    let s = v.settings;
    let asking = asking_until(reset);
    let reset_outcome = outcome(reset);
    view! {
        <DomainTabs id domain=v.domain.clone() screen="Settings" kind=v.kind/>
        <ActionForm action=save attr:class="card">
            <input type="hidden" name="domain" value=id/>
            <Field label="Primary contact" name="contact_email" input_type="email" required=false value=s.contact_email.unwrap_or_default()
                hint="Who is told about this domain's problems. Empty: the domain's admins."
                error=field_error(saved, "contact_email") check=email_check/>
            <Field label="Notifications From address" name="notify_from" input_type="email" required=false value=s.notify_from.unwrap_or_default()
                hint="The sender of quarantine digests and notices for this domain. Empty: the portal's own."
                error=field_error(saved, "notify_from") check=email_check/>
            <Field label="Time zone" name="timezone" required=false value=s.timezone.unwrap_or_default()
                hint=format!("For example Europe/Berlin. Empty: {DEFAULT_TIMEZONE}.")
                error=field_error(saved, "timezone") check=check_timezone_shape/>
            <Field label="Days to keep logs" name="log_days" input_type="number" required=false value=s.log_days.map(|d| d.to_string()).unwrap_or_default()
                hint=format!("1 to 3650. Empty: {DEFAULT_LOG_DAYS}.")
                error=field_error(saved, "log_days") check=days_check/>
            <Field label="Days to retry delivery" name="retry_days" input_type="number" required=false value=s.retry_days.map(|d| d.to_string()).unwrap_or_default()
                hint=format!("Before undeliverable mail is returned; 1 to 30. Empty: {DEFAULT_RETRY_DAYS}.")
                error=field_error(saved, "retry_days") check=days_check/>
            <Field label="Messages a person may send an hour" name="send_limit" input_type="number" required=false value=s.send_limit.map(|n| n.to_string()).unwrap_or_default()
                hint=format!("Through the submission port; whoever sends more is blocked from sending until an admin unblocks them (Statistics → Blocked senders). Empty: {DEFAULT_SEND_LIMIT}.")
                error=field_error(saved, "send_limit") check=|v: &str| check_send_limit(v).map(drop)/>
            <Field label="Characters refused in new addresses" name="rejected_local_chars" required=false value=s.rejected_local_chars.unwrap_or_default()
                hint="For example + to refuse sub-addresses like name+tag. Empty: none."
                error=field_error(saved, "rejected_local_chars") check=check_rejected_chars/>
            <Outcome outcome=saved success="The settings were saved."/>
            <button type="submit" disabled=move || save.pending().get()>"Save settings"</button>
        </ActionForm>
        <section class="card" aria-labelledby="reset-heading">
            <h2 id="reset-heading">"Reset to defaults"</h2>
            <AskFirst asking label="Reset to defaults"
                question="Return every setting of this domain to its default?">
                <ActionForm action=reset attr:class="inline">
                    <input type="hidden" name="domain" value=id/>
                    <button type="submit" class="danger">"Reset settings"</button>
                </ActionForm>
            </AskFirst>
            <Outcome outcome=reset_outcome success="The settings are back to their defaults."/>
        </section>
    }
}
