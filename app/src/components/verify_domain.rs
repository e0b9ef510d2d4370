//! The TXT record an unverified domain (or domain alias) must publish, and the button that
//! looks it up.

use crate::{
    api::domains::VerifyDomain,
    components::{
        copy::CopyButton,
        form::{outcome, Outcome},
    },
    model::rows::DomainRow,
};
use leptos::prelude::*;

/// The record to publish for one unverified domain, and the button that looks it up.
#[component]
pub fn Verify(d: DomainRow, changed: RwSignal<u32>) -> impl IntoView {
    let verify = ServerAction::<VerifyDomain>::new();
    let outcome = outcome(verify);
    Effect::new(move |_| {
        if matches!(verify.value().get(), Some(Ok(()))) {
            changed.update(|n| *n += 1);
        }
    });
    let record = d.verification_record().unwrap_or_default();
    let heading = format!("verify-{}", d.id);
    let labelled_by = heading.clone();
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <h2 id=heading>{format!("Verify {}", d.name)}</h2>
            <p>"Publish this TXT record at " <code>{d.name.clone()}</code> " with your DNS provider:"</p>
            <p class="secret-line">
                <code class="secret-key">{record.clone()}</code>
                " " <CopyButton text=record label="Copy record"/>
            </p>
            <ActionForm action=verify>
                <input type="hidden" name="id" value=d.id/>
                <Outcome outcome success="Verified."/>
                <button type="submit" disabled=move || verify.pending().get()>
                    "Verify"<span class="visually-hidden">" " {d.name.clone()}</span>
                </button>
            </ActionForm>
        </section>
    }
}
