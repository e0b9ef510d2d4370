//! `/admin/domains/:id/filters`: a domain's filter settings — the quarantine, the checks it
//! may skip, the subject tag of tagged mail and the size limit. "Reset" returns them to the
//! defaults after asking.

use crate::{
    api::filter_settings::{get_filter_settings, ResetFilterSettings, SaveFilterSettings},
    components::{
        ask_first::{asking_until, AskFirst},
        domain_tabs::{use_domain_id, DomainTabs},
        form::{bump_on_success, field_error, outcome, Field, Outcome},
        loaded::Loaded,
    },
    model::{
        digest::DigestEvery,
        filter_settings::{
            check_quarantine_days, check_subject_tag, parse_ip_list, FilterSettingsView, Oversize,
            QuarantineReply, DEFAULT_QUARANTINE_DAYS, MAX_QUARANTINE_DAYS,
        },
        mailbox::{format_size, Quota},
    },
};
use leptos::prelude::*;

#[component]
pub fn FilterSettingsPage() -> impl IntoView {
    let id = use_domain_id();
    let save = ServerAction::<SaveFilterSettings>::new();
    let reset = ServerAction::<ResetFilterSettings>::new();
    let changed = RwSignal::new(0u32);
    bump_on_success(save, changed);
    bump_on_success(reset, changed);
    let settings = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| get_filter_settings(id),
    );
    view! {
        <Loaded resource=settings ok=move |v| view! { <Screen id=id.get_untracked() v save reset/> }/>
    }
}

/// A labelled check box; ticked, the form sends `name=on`.
#[component]
fn Check(
    name: &'static str,
    label: &'static str,
    checked: bool,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    view! {
        <div class="check">
            <input type="checkbox" id=name name=name checked=checked prop:checked=checked
                aria-describedby=hint.map(|_| hint_id.clone())/>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
        </div>
    }
}

/// A labelled radio button of the group `name`.
#[component]
fn Choice(
    name: &'static str,
    value: &'static str,
    label: &'static str,
    checked: bool,
) -> impl IntoView {
    let id = format!("{name}-{value}");
    view! {
        <div class="check">
            <input type="radio" id=id.clone() name=name value=value checked=checked prop:checked=checked/>
            <label for=id>{label}</label>
        </div>
    }
}

#[component]
fn Screen(
    id: i64,
    v: FilterSettingsView,
    save: ServerAction<SaveFilterSettings>,
    reset: ServerAction<ResetFilterSettings>,
) -> impl IntoView {
    let saved = outcome(save);
    let s = v.settings;
    let exempt = s.spf_exempt_text();
    let size = if s.size_limit.is_unlimited() {
        String::new()
    } else {
        s.size_limit.exact()
    };
    let server_limit = format_size(v.server_size_limit);
    view! {
        <DomainTabs id domain=v.domain.clone() screen="Filter settings" kind=v.kind/>
        <ActionForm action=save attr:class="card">
            <input type="hidden" name="domain" value=id/>
            <fieldset>
                <legend>"Quarantine"</legend>
                <Check name="quarantine" label="Keep spam at the reject level in quarantine" checked=s.quarantine
                    hint="Unticked, such mail is only refused, and nobody can get it back."/>
                <Field label="Days to keep quarantined mail" name="quarantine_days" input_type="number" required=false
                    value=s.quarantine_days.to_string()
                    hint=format!("1 to {MAX_QUARANTINE_DAYS}. Empty: {DEFAULT_QUARANTINE_DAYS}.")
                    error=field_error(saved, "quarantine_days") check=|v| check_quarantine_days(v).map(drop)/>
                <fieldset class="choices">
                    <legend>"What the sender is told"</legend>
                    <Choice name="quarantine_reply" value="refuse" label="That the message was refused (5xx): recommended"
                        checked=s.quarantine_reply == QuarantineReply::Refuse/>
                    <Choice name="quarantine_reply" value="accept" label="That the message was accepted (2xx)"
                        checked=s.quarantine_reply == QuarantineReply::Accept/>
                    <p class="warning">"Accepting mail and then not delivering it breaks the SMTP standard (RFC 5321): the sender believes it arrived, and a legitimate sender whose message was caught never learns to try another way."</p>
                </fieldset>
                <fieldset class="choices" aria-describedby="digest-hint">
                    <legend>"Quarantine digest"</legend>
                    <p class="hint" id="digest-hint">"A message to each person listing their newly quarantined mail, with links that release or delete a message once. A domain admin's digest lists the whole domain's. Each person may turn theirs off on My account."</p>
                    {DigestEvery::ALL.map(|every| view! {
                        <Choice name="digest" value=every.as_str() label=every.label() checked=s.digest == every/>
                    }).collect_view()}
                </fieldset>
            </fieldset>
            <fieldset>
                <legend>"Checks"</legend>
                <Check name="skip_spf" label="Skip the SPF check" checked=s.skip_spf
                    hint="SPF tells whether the sending server may send for the sender's domain. Skip it only when all mail reaches this domain through another filter."/>
                <Field label="Client IPs exempt from the SPF check" name="spf_exempt" lines=3 required=false value=exempt
                    hint="Your own gateways and forwarders: addresses or ranges like 192.0.2.0/24, separated by commas or lines."
                    error=field_error(saved, "spf_exempt") check=|v| parse_ip_list(v).map(drop)/>
                <Check name="skip_line_length" label="Take lines longer than 998 characters" checked=s.skip_line_length
                    hint="The standard's limit. Some broken mailers send longer lines; spam tools often do."/>
            </fieldset>
            <Field label="Subject tag for spam" name="subject_tag" required=false value=s.subject_tag.clone()
                hint="Put in front of the subject of mail tagged as spam, for example [SPAM]. Empty: the subject stays."
                error=field_error(saved, "subject_tag") check=|v| check_subject_tag(v).map(drop)/>
            <fieldset>
                <legend>"Size limit"</legend>
                <Field label="Largest message" name="size_limit" required=false value=size
                    hint=format!("Like 10 MB. Empty: the server's limit, {server_limit}.")
                    error=field_error(saved, "size_limit") check=|v| Quota::parse(v).map(drop)/>
                <fieldset class="choices">
                    <legend>"Larger mail is"</legend>
                    <Choice name="oversize" value="refuse" label="Refused" checked=s.oversize == Oversize::Refuse/>
                    <Choice name="oversize" value="quarantine" label="Kept in quarantine" checked=s.oversize == Oversize::Quarantine/>
                </fieldset>
            </fieldset>
            <Outcome outcome=saved success="The filter settings were saved. They judge the next message."/>
            <button type="submit" disabled=move || save.pending().get()>"Save filter settings"</button>
        </ActionForm>
        <section class="card" aria-labelledby="reset-heading">
            <h2 id="reset-heading">"Reset to defaults"</h2>
            <AskFirst asking=asking_until(reset) label="Reset to defaults"
                question="Return the filter settings of this domain to their defaults? The blocked attachment types stay as they are.">
                <ActionForm action=reset attr:class="inline">
                    <input type="hidden" name="domain" value=id/>
                    <button type="submit" class="danger">"Reset filter settings"</button>
                </ActionForm>
            </AskFirst>
            <Outcome outcome=outcome(reset) success="The filter settings are back to their defaults."/>
        </section>
    }
}
