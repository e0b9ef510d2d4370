//! `/quarantine/digest/:token`: a quarantine digest's link. It shows the message and asks
//! before releasing or deleting it — opening the page changes nothing, so a mail scanner
//! that follows every link in the digest releases nothing. No sign-in: the signed link is
//! the proof, and it works once.

use crate::{
    api::digests::{digest_link, UseDigestLink},
    model::{
        digest::{DigestLinkView, LinkAction},
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn DigestLinkPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let t = token.clone();
    let link = Resource::new(|| (), move |_| digest_link(t.clone()));
    let action = ServerAction::<UseDigestLink>::new();
    view! {
        <Title text="Quarantined message"/>
        <main id="main" class="narrow">
            <h1>"Quarantined message"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match link.await {
                            Ok(view) => confirm(view, token, action).into_any(),
                            Err(e) => {
                                super::super::set_http_status(e.status());
                                view! {
                                    <p class="form-error" role="alert">{e.to_string()}</p>
                                    <p><a href="/quarantine">"Open the Quarantine screen"</a></p>
                                }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}

/// The message, and the one button that does what the link says.
fn confirm(v: DigestLinkView, token: String, action: ServerAction<UseDigestLink>) -> impl IntoView {
    let question = match v.action {
        LinkAction::Release => "Deliver this message to its recipients as it arrived?",
        LinkAction::Delete => "Delete this message from the quarantine? It cannot be brought back.",
    };
    let button_class = match v.action {
        LinkAction::Release => "",
        LinkAction::Delete => "danger",
    };
    let score = v
        .score
        .map_or_else(|| "Not scored".to_string(), |s| format!("{s:.1}"));
    let result = action.value();
    let token = StoredValue::new(token);
    let (what, expires_at) = (v.action, v.expires_at);
    view! {
        <dl class="facts">
            <dt>"Subject"</dt><dd>{v.subject}</dd>
            <dt>"From"</dt><dd>{v.from}</dd>
            <dt>"To"</dt><dd>{v.recipients.join(", ")}</dd>
            <dt>"Kept"</dt><dd>{format_utc(v.at)}</dd>
            <dt>"Score"</dt><dd>{score}</dd>
            <dt>"Why"</dt><dd>{v.reason}</dd>
        </dl>
        {move || match result.get() {
            Some(Ok(said)) => view! {
                <p class="form-success" role="status">{said}</p>
                <p><a href="/quarantine">"Open the Quarantine screen"</a></p>
            }.into_any(),
            other => {
                let error = other.and_then(Result::err).map(|e| e.to_string());
                view! {
                    <ActionForm action attr:class="card">
                        <p>{question}</p>
                        <input type="hidden" name="token" value=token.get_value()/>
                        {error.map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                        <button type="submit" class=button_class disabled=move || action.pending().get()>
                            {what.button()}
                        </button>
                        <p class="hint">{format!("This link works once, until {}.", format_utc(expires_at))}</p>
                    </ActionForm>
                }.into_any()
            }
        }}
    }
}
