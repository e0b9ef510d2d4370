//! `/account/two-factor`: turn the authenticator app on or off, and manage recovery codes.
//!
//! Changes here need a password proved in the last ten minutes; otherwise the screen asks
//! the person to confirm it's them first. The secret key and recovery codes come only in
//! answers to the actions (never in the server-rendered page) and leave the page once the
//! person is done with them.

use crate::{
    api::two_factor::{my_two_factor, DisableTotp, EnableTotp, OfferTotp, RegenerateRecoveryCodes},
    components::{
        confirm::ConfirmIt,
        copy::{CopyButton, DownloadLink},
        form::{field_error, outcome, Field, Outcome, SignOutOthers},
        loaded::Loaded,
    },
    model::{
        time::format_utc,
        two_factor::{SecondFactorCode, TotpOffer, TwoFactorStatus},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The screen's actions, handed to its parts together.
#[derive(Clone, Copy)]
struct Actions {
    /// Bumped when the person confirmed it's them.
    confirmed: RwSignal<u32>,
    offer: ServerAction<OfferTotp>,
    enable: ServerAction<EnableTotp>,
    disable: ServerAction<DisableTotp>,
    regenerate: ServerAction<RegenerateRecoveryCodes>,
}

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let a = Actions {
        confirmed: RwSignal::new(0),
        offer: ServerAction::new(),
        enable: ServerAction::new(),
        disable: ServerAction::new(),
        regenerate: ServerAction::new(),
    };
    let status = Resource::new(
        move || {
            (
                a.confirmed.get(),
                a.enable.version().get(),
                a.disable.version().get(),
                a.regenerate.version().get(),
            )
        },
        |_| my_two_factor(),
    );
    // New recovery codes stay on screen until the person says they saved them; the
    // offered key leaves the page once it is in use or no longer wanted.
    let fresh_codes = RwSignal::new(None::<Vec<String>>);
    Effect::new(move |_| {
        let made = a
            .enable
            .value()
            .get()
            .or_else(|| a.regenerate.value().get());
        if let Some(Ok(codes)) = made {
            fresh_codes.set(Some(codes));
            a.offer.value().set(None);
        }
    });
    Effect::new(move |_| {
        if matches!(a.disable.value().get(), Some(Ok(()))) {
            a.offer.value().set(None);
            a.enable.value().set(None);
        }
    });
    view! {
        <Title text="Two-factor authentication"/>
        <h1>"Two-factor authentication"</h1>
        <p>
            "With two-factor authentication, signing in needs a code from an app on your phone "
            "as well as your password, so a stolen password alone does not open your account."
        </p>
        {move || fresh_codes.get().map(|codes| view! {
            <RecoveryCodes codes on_saved=move || fresh_codes.set(None)/>
        })}
        <Loaded resource=status ok=move |s| view! { <Manage s a/> }/>
    }
}

#[component]
fn Manage(s: TwoFactorStatus, a: Actions) -> impl IntoView {
    let required = (s.required && s.totp_enabled_at.is_none()).then(|| {
        view! {
            <p class="notice" role="note">
                "Your organisation requires two-factor authentication for admin accounts. "
                "Admin screens open once it is on."
            </p>
        }
    });
    let body = if !s.confirmed {
        view! { <ConfirmIt confirmed=a.confirmed/> }.into_any()
    } else if let Some(since) = s.totp_enabled_at {
        view! { <Enabled s=s.clone() since a/> }.into_any()
    } else {
        view! { <SetUp a/> }.into_any()
    };
    view! { {required} {body} }
}

#[component]
fn SetUp(a: Actions) -> impl IntoView {
    let offered = outcome(a.offer);
    move || {
        match a.offer.value().get() {
        Some(Ok(offer)) => view! { <Offer offer enable=a.enable/> }.into_any(),
        _ => view! {
            <h2>"Authenticator app: off"</h2>
            <ActionForm action=a.offer attr:class="card">
                <p>"You need an authenticator app on your phone, for example Aegis, FreeOTP, Google Authenticator or a password manager that shows codes."</p>
                <Outcome outcome=offered success=""/>
                <button type="submit" disabled=move || a.offer.pending().get()>"Set up two-factor authentication"</button>
            </ActionForm>
        }
        .into_any(),
    }
    }
}

#[component]
fn Offer(offer: TotpOffer, enable: ServerAction<EnableTotp>) -> impl IntoView {
    let outcome = outcome(enable);
    let compact_key = offer.key_groups.replace(' ', "");
    view! {
        <section class="card" aria-labelledby="scan-heading">
            <h2 id="scan-heading">"1. Add Mail Portal to your authenticator app"</h2>
            <p>"Scan this QR code with the app, or type the key into it."</p>
            <div class="qr" role="img" aria-label="QR code holding your secret key" inner_html=offer.qr_svg></div>
            <p class="secret-line">
                "Key: " <code id="totp-key" class="secret-key">{offer.key_groups}</code>
                " " <CopyButton text=compact_key label="Copy key"/>
            </p>
            <p class="hint">
                "Keep a copy of this key offline (on paper, or in a password manager): with it you can "
                "set up the codes again on a new phone. It is shown only now."
            </p>
        </section>
        <section aria-labelledby="verify-heading">
            <h2 id="verify-heading">"2. Enter the code the app shows"</h2>
            <ActionForm action=enable attr:class="card">
                <Field label="Code from the app" name="code" autocomplete="one-time-code"
                    hint="Six digits; a new one every 30 seconds." error=field_error(outcome, "code")
                    check=|v| SecondFactorCode::parse_totp(v).map(drop)/>
                <SignOutOthers/>
                <Outcome outcome success="Two-factor authentication is on."/>
                <button type="submit" disabled=move || enable.pending().get()>"Verify and turn on"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Enabled(s: TwoFactorStatus, since: i64, a: Actions) -> impl IntoView {
    let disabled = outcome(a.disable);
    let locked = s.locked.then(|| {
        view! {
            <dt>"Codes"</dt>
            <dd>"Locked after too many wrong codes. Sign in with a recovery code, or ask your administrator, to unlock them."</dd>
        }
    });
    view! {
        <h2>"Authenticator app: on"</h2>
        <dl class="facts">
            <dt>"Since"</dt><dd>{format_utc(since)}</dd>
            <dt>"Recovery codes"</dt><dd>{s.recovery_codes_left} " unused"</dd>
            {locked}
        </dl>
        <section aria-labelledby="codes-heading">
            <h2 id="codes-heading">"Recovery codes"</h2>
            <p>"Each recovery code signs you in once in place of a code from the app, for when your phone is lost."</p>
            <Regenerate regenerate=a.regenerate/>
        </section>
        <section aria-labelledby="off-heading">
            <h2 id="off-heading">"Turn off two-factor authentication"</h2>
            <ActionForm action=a.disable attr:class="card">
                <Field label="Code from the app, or a recovery code" name="code" autocomplete="one-time-code"
                    error=field_error(disabled, "code") check=|v| SecondFactorCode::parse(v).map(drop)/>
                <Outcome outcome=disabled success="Two-factor authentication is off."/>
                <button type="submit" class="danger" disabled=move || a.disable.pending().get()>
                    "Turn off two-factor authentication"
                </button>
            </ActionForm>
        </section>
    }
}

/// "Generate new recovery codes", asked twice: the old codes stop working.
#[component]
fn Regenerate(regenerate: ServerAction<RegenerateRecoveryCodes>) -> impl IntoView {
    let asking = RwSignal::new(false);
    let made = outcome(regenerate);
    Effect::new(move |_| {
        if matches!(made.get(), Some(Ok(_))) {
            asking.set(false);
        }
    });
    move || {
        if asking.get() {
            view! {
                <div class="confirm card" role="group" aria-labelledby="regenerate-question">
                    <p id="regenerate-question">"Your current recovery codes will stop working. Generate new ones?"</p>
                    <ActionForm action=regenerate attr:class="inline-actions">
                        <Outcome outcome=made success=""/>
                        <button type="submit" disabled=move || regenerate.pending().get()>"Generate new codes"</button>
                        <button type="button" class="secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                    </ActionForm>
                </div>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="secondary" on:click=move |_| asking.set(true)>
                    "Generate new recovery codes"
                </button>
            }
            .into_any()
        }
    }
}

/// New recovery codes, shown once, with copy and download.
#[component]
fn RecoveryCodes(codes: Vec<String>, on_saved: impl Fn() + 'static) -> impl IntoView {
    let all = codes.join("\n");
    let file = format!("Mail Portal recovery codes. Each one works once.\n\n{all}\n");
    let items = codes
        .into_iter()
        .map(|c| view! { <li><code>{c}</code></li> })
        .collect_view();
    view! {
        <section class="card codes" aria-labelledby="new-codes-heading">
            <h2 id="new-codes-heading">"Your recovery codes"</h2>
            <p>
                <strong>"Save these codes now: they are shown only once."</strong>
                " If you lose your phone, each one signs you in once."
            </p>
            <ol class="recovery-codes">{items}</ol>
            <div class="inline-actions">
                <CopyButton text=all label="Copy codes"/>
                <DownloadLink text=file file_name="mail-portal-recovery-codes.txt" label="Download as text"/>
                <button type="button" on:click=move |_| on_saved()>"I have saved them"</button>
            </div>
        </section>
    }
}
