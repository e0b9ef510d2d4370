//! `/account`: the state of the account at a glance, with links to change it, and the
//! choice to get quarantine digests. For an admin it is home: new security incidents are
//! announced here.

use crate::{
    api::{
        account::my_account,
        digests::{my_digest_choice, SaveDigestChoice},
        security::new_security_incidents,
    },
    components::{
        form::{outcome, Choice, Outcome},
        loaded::Loaded,
    },
    model::{
        digest::{DigestChoice, DigestEvery},
        rows::AccountSummary,
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let summary = Resource::new(|| (), |_| my_account());
    let digest = Resource::new(|| (), |_| my_digest_choice());
    let incidents = Resource::new(|| (), |_| new_security_incidents());
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <Loaded resource=incidents ok=incident_banner/>
        <Loaded resource=summary ok=facts/>
        <Loaded resource=digest ok=digest_choice/>
    }
}

/// For an admin with an incident they have not looked at yet: a link to the list.
fn incident_banner(new: bool) -> impl IntoView {
    new.then(|| {
        view! {
            <p class="banner warning" role="status">
                <a href="/admin/security/incidents">"New security incidents detected"</a>
                " · users signed in from more than one country in the last 24 hours."
            </p>
        }
    })
}

fn facts(s: AccountSummary) -> impl IntoView {
    view! {
            <dl class="facts">
                <dt>"Address"</dt><dd>{s.email}</dd>
                <dt>"Role"</dt><dd>{s.role.label()}</dd>
                <dt>"Password"</dt>
                <dd>"Changed " {format_utc(s.password_changed_at)} " · " <a href="/account/password">"Change password"</a></dd>
                <dt>"Recovery email"</dt>
                <dd>
                    {s.recovery_email.unwrap_or_else(|| "Not set".into())}
                    " · " <a href="/account/recovery-email">"Change recovery email"</a>
                </dd>
                <dt>"Two-factor authentication"</dt>
                <dd>
                    {match s.totp_enabled_at {
                        Some(t) => format!("On since {}", format_utc(t)),
                        None => "Off".to_string(),
                    }}
                    " · " <a href="/account/two-factor">"Manage two-factor authentication"</a>
                </dd>
                <dt>"Passkeys"</dt>
                <dd>{s.passkey_count} " · " <a href="/account/passkeys">"Manage passkeys"</a></dd>
                <dt>"Signed-in sessions"</dt>
                <dd>{s.session_count} " · " <a href="/account/sessions">"Review sessions"</a></dd>
            </dl>
    }
}

/// The quarantine digest switch, with what each of the person's domains sends.
fn digest_choice(c: DigestChoice) -> impl IntoView {
    let save = ServerAction::<SaveDigestChoice>::new();
    let often = if c.domains.is_empty() {
        "None of your domains sends digests.".to_string()
    } else {
        let each: Vec<String> = c
            .domains
            .iter()
            .map(|(name, every)| match every {
                DigestEvery::Off => format!("{name}: never (its admins turned digests off)"),
                e => format!("{name}: {}", e.label().to_lowercase()),
            })
            .collect();
        format!("How often: {}.", each.join("; "))
    };
    view! {
        <section class="card" aria-labelledby="digest-heading">
            <h2 id="digest-heading">"Quarantine digest"</h2>
            <p>"A message listing the mail newly kept in quarantine for you, with links that release or delete each one. " {often}</p>
            <ActionForm action=save>
                <Choice id="digest-wanted" name="wanted" label="Send me quarantine digests" checked=c.wanted/>
                <Outcome outcome=outcome(save) success="Saved."/>
                <button type="submit" disabled=move || save.pending().get()>"Save digest choice"</button>
            </ActionForm>
        </section>
    }
}
