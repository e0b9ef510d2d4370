//! `/account/api-tokens` (admins): tokens for scripts that call the API, each reaching a
//! part of what the admin reaches; shown once, revocable.

use crate::{
    api::api_tokens::{list_api_tokens, CreateApiToken, RevokeApiToken},
    components::{
        area_choice::AreaChoice,
        ask_first::{asking_until, AskFirst},
        confirm::ConfirmIt,
        copy::CopyButton,
        form::{field_error, outcome, Field, Outcome},
        loaded::Loaded,
        table::DataTable,
    },
    model::{
        api_token::{ApiTokenRow, ApiTokens, CreatedApiToken, NewApiToken},
        grant::Areas,
        time::format_utc,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let confirmed = RwSignal::new(0u32);
    let changed = RwSignal::new(0u32);
    let tokens = Resource::new(
        move || (changed.get(), confirmed.get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    // The new secret stays on screen until the admin says it is stored.
    let fresh = RwSignal::new(None::<CreatedApiToken>);
    Effect::new(move |_| {
        if let Some(Ok(made)) = create.value().get() {
            fresh.set(Some(made));
            changed.update(|n| *n += 1);
        }
    });
    let revoked = outcome(revoke);
    view! {
        <Title text="API tokens"/>
        <h1>"API tokens"</h1>
        <p>
            "Scripts call the portal's admin functions with a token: "
            <code>"Authorization: Bearer mpt_…"</code>
            ". A token reaches at most what you reach, and within that only the areas, domains and networks you choose. "
            <A href="/account/api">"The API's functions"</A>
            " are listed, and described for tools at "
            <a href="/api/openapi.json" rel="external">"/api/openapi.json"</a>
            "."
        </p>
        {move || fresh.get().map(|made| view! { <NewSecret made on_done=move || fresh.set(None)/> })}
        <Outcome outcome=revoked success="The token was revoked: it no longer works."/>
        <Loaded resource=tokens ok=move |t| view! { <Manage t create revoke confirmed/> }/>
    }
}

#[component]
fn Manage(
    t: ApiTokens,
    create: ServerAction<CreateApiToken>,
    revoke: ServerAction<RevokeApiToken>,
    confirmed: RwSignal<u32>,
) -> impl IntoView {
    let list = if t.tokens.is_empty() {
        view! { <p>"You have no API tokens."</p> }.into_any()
    } else {
        let rows = t
            .tokens
            .into_iter()
            .map(|token| view! { <TokenLine token revoke/> })
            .collect_view();
        view! {
            <DataTable label="API tokens" columns=&["Name", "Reaches", "From", "Created", "Last used", "Expires"] actions=true>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    let form = if t.confirmed {
        view! { <CreateForm areas=t.rights.areas may_write=t.rights.write domains=t.domains create/> }
            .into_any()
    } else {
        view! { <ConfirmIt confirmed/> }.into_any()
    };
    view! {
        <h2>"Your tokens"</h2>
        {list}
        <h2>"New token"</h2>
        {form}
    }
}

#[component]
fn TokenLine(token: ApiTokenRow, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let asking = asking_until(revoke);
    let reaches = {
        let how = if token.write {
            "Read and change"
        } else {
            "Read-only"
        };
        let domains = if token.domains.is_empty() {
            "all your domains".to_string()
        } else {
            token.domains.join(", ")
        };
        format!("{how}: {}; {domains}", token.areas.describe())
    };
    let from = if token.allowed_ips.is_empty() {
        "Any address".to_string()
    } else {
        token.allowed_ips.join(", ")
    };
    let last_used = match (token.last_used_at, &token.last_used_ip) {
        (Some(at), Some(ip)) => format!("{} from {ip}", format_utc(at)),
        _ => "Never".to_string(),
    };
    let expires = match (token.expires_at, token.expired) {
        (Some(at), true) => format!("Expired {}", format_utc(at)),
        (Some(at), false) => format_utc(at),
        (None, _) => "Never".to_string(),
    };
    let question = format!(
        "Revoke “{}”? Scripts using it are refused from now on.",
        token.name
    );
    let id = token.id;
    view! {
        <tr>
            <td data-label="Name">{token.name.clone()}<br/><code class="hint">{token.prefix}"…"</code></td>
            <td data-label="Reaches">{reaches}</td>
            <td data-label="From">{from}</td>
            <td data-label="Created">{format_utc(token.created_at)}</td>
            <td data-label="Last used">{last_used}</td>
            <td data-label="Expires">{expires}</td>
            <td>
                <AskFirst asking label="Revoke" context=token.name question>
                    <ActionForm action=revoke attr:class="inline-actions">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="danger">"Revoke token"</button>
                    </ActionForm>
                </AskFirst>
            </td>
        </tr>
    }
}

#[component]
fn CreateForm(
    areas: Areas,
    may_write: bool,
    domains: Vec<String>,
    create: ServerAction<CreateApiToken>,
) -> impl IntoView {
    let outcome = outcome(create);
    let write = may_write.then(|| {
        view! {
            <div class="check">
                <input type="checkbox" id="write" name="write" value="true"/>
                <label for="write">"May change things (otherwise it only reads)"</label>
            </div>
        }
    });
    let domains_hint = if domains.is_empty() {
        "Leave empty for every domain, or name some: example.org, example.net".to_string()
    } else {
        format!(
            "Leave empty for all of yours ({}), or name some of them.",
            domains.join(", ")
        )
    };
    view! {
        <ActionForm action=create attr:class="card">
            <Field label="Name" name="name" hint="What uses it, such as “Nightly export”."
                error=field_error(outcome, "name")
                check=|v| NewApiToken { name: v.to_string(), ..NewApiToken::default() }.check(0, Areas::ALL).map(drop).map_err(|(_, e)| e)/>
            <AreaChoice offered=areas hint="Tick none for all of your areas." error=field_error(outcome, "areas")/>
            {write}
            <p class="field-error" id="write-error">{field_error(outcome, "write")}</p>
            <Field label="Domains (optional)" name="domains" required=false hint=domains_hint
                error=field_error(outcome, "domains")/>
            <Field label="Allowed client addresses (optional)" name="allowed_ips" required=false lines=3
                hint="One IP address or network a line, such as 192.0.2.0/24. Leave empty for any address."
                error=field_error(outcome, "allowed_ips")/>
            <Field label="Last day (optional)" name="expires" input_type="date" required=false
                hint="The token stops working after this day (UTC). Leave empty to keep it until you revoke it."
                error=field_error(outcome, "expires")/>
            <Outcome outcome success="The token was made."/>
            <button type="submit" disabled=move || create.pending().get()>"Make token"</button>
        </ActionForm>
    }
}

/// The new token's secret, shown once with a copy button.
#[component]
fn NewSecret(made: CreatedApiToken, on_done: impl Fn() + 'static) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="new-token-heading">
            <h2 id="new-token-heading">{format!("Token “{}”", made.token.name)}</h2>
            <p><strong>"Store it now, where the script reads it: it is shown only once."</strong></p>
            <p class="secret-line">
                <code id="api-token-secret" class="secret-key">{made.secret.clone()}</code>
                " " <CopyButton text=made.secret label="Copy token"/>
            </p>
            <button type="button" on:click=move |_| on_done()>"Done"</button>
        </section>
    }
}
