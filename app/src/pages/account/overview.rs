//! `/account`: the state of the account at a glance, with links to change it.

use crate::{
    api::account::my_account,
    components::loaded::Loaded,
    model::{rows::AccountSummary, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let summary = Resource::new(|| (), |_| my_account());
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <Loaded resource=summary ok=facts/>
    }
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
