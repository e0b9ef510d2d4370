//! WebAuthn ceremonies (webauthn-rs): adding a passkey, passwordless sign-in with a
//! discoverable credential, and "confirm it's you" with a passkey.
//!
//! The relying party ID and origin come from the configured public URL. A ceremony's state
//! stays on the server: the browser gets a random id, the state row is deleted when the
//! answer arrives (so an answer counts once) and expires after five minutes. webauthn-rs
//! checks the challenge, origin, RP ID hash, user verification, signature and counter;
//! the store refuses a credential ID that is registered already.

use super::{sign_in, throttle, token::Token};
use crate::{
    backend::{
        auth::ctx::UserCtx,
        request::RequestMeta,
        store::{
            self,
            login_events::LoginResult,
            passkeys::{Kind, NewCeremony, StoredPasskey},
        },
        Backend,
    },
    error::AppError,
    model::{passkey::Ceremony, security::Credential, time::UnixTime},
};
use serde::{de::DeserializeOwned, Serialize};
use webauthn_rs::prelude::*;
use webauthn_rs_proto::{
    CreationChallengeResponse, RequestChallengeResponse, ResidentKeyRequirement,
};

/// How long the browser has to answer (the options carry webauthn-rs's 5-minute timeout).
pub const CEREMONY_SECS: i64 = 5 * 60;

/// The relying party for `public_url`: its host is the RP ID unless `rp_id` names a parent
/// domain of it. `Ok(None)` when the host is an IP address (browsers refuse those as RP
/// IDs): the portal then runs without passkeys. An `rp_id` that is not the host or a parent
/// domain of it is a configuration error.
pub fn relying_party(public_url: &str, rp_id: Option<&str>) -> Result<Option<Webauthn>, String> {
    let origin = Url::parse(public_url).map_err(|e| format!("public_url {public_url:?}: {e}"))?;
    let rp_id = match (rp_id, origin.domain()) {
        (Some(id), _) => id.to_string(),
        (None, Some(host)) => host.to_string(),
        (None, None) => return Ok(None),
    };
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("Mail Portal").build())
        .map(Some)
        .map_err(|_| {
            format!(
                "passkey_rp_id {rp_id:?} must be the host of public_url ({public_url}) or a parent domain of it"
            )
        })
}

fn relying(backend: &Backend) -> Result<&Webauthn, AppError> {
    backend
        .webauthn
        .as_deref()
        .ok_or(AppError::PasskeysUnavailable)
}

/// What the person reads when webauthn-rs refuses an answer.
fn refused(e: WebauthnError) -> AppError {
    tracing::info!(error = ?e, "passkey answer refused");
    let reason = match e {
        WebauthnError::InvalidRPOrigin | WebauthnError::InvalidRPIDHash => {
            "This passkey answer was made for another site. Open the portal at its usual address and try again."
        }
        WebauthnError::MismatchedChallenge => {
            "This passkey answer does not belong to this request. Please try again."
        }
        WebauthnError::CredentialPossibleCompromise => {
            "This passkey's signature counter went backwards, which can mean it was copied, so it was refused. \
             Sign in another way and consider deleting it."
        }
        WebauthnError::UserNotVerified => {
            "Your device did not verify you (PIN, fingerprint or face). Please try again."
        }
        WebauthnError::InvalidUserUniqueId | WebauthnError::CredentialNotFound => NOT_REGISTERED,
        _ => "The passkey could not be verified. Please try again.",
    };
    AppError::PasskeyRefused(reason.into())
}

const NOT_REGISTERED: &str =
    "This passkey is not registered here (it may have been deleted). Sign in another way.";

/// Stores a ceremony's state and returns the id the browser answers with.
async fn open<S: Serialize>(
    backend: &Backend,
    kind: Kind,
    account_id: Option<i64>,
    name: Option<&str>,
    state: &S,
    now: UnixTime,
) -> Result<String, AppError> {
    let id = Token::generate();
    let state = serde_json::to_string(state).map_err(|e| {
        tracing::error!(error = %e, "ceremony state not serialisable");
        AppError::Internal
    })?;
    let new = NewCeremony {
        id_hash: &id.hash(),
        kind,
        account_id,
        name,
        state: &state,
        expires_at: now + CEREMONY_SECS,
    };
    store::passkeys::insert_ceremony(&backend.pool, new, now).await?;
    Ok(id.expose().to_string())
}

/// Takes a ceremony's state out of the store (once).
async fn take<S: DeserializeOwned>(
    backend: &Backend,
    id: &str,
    kind: Kind,
    now: UnixTime,
) -> Result<(store::passkeys::Taken, S), AppError> {
    let expired = || {
        AppError::PasskeyRefused(
            "This passkey request has expired or was already answered. Please try again.".into(),
        )
    };
    let taken = store::passkeys::take_ceremony(&backend.pool, &super::token::hash(id), kind, now)
        .await?
        .ok_or_else(expired)?;
    let state = serde_json::from_str(&taken.state).map_err(|_| expired())?;
    Ok((taken, state))
}

fn parse_passkey(stored: &StoredPasskey) -> Result<Passkey, AppError> {
    serde_json::from_str(&stored.passkey).map_err(|e| {
        tracing::error!(passkey = stored.id, error = %e, "stored passkey unreadable");
        AppError::Internal
    })
}

fn to_json(passkey: &Passkey) -> Result<String, AppError> {
    serde_json::to_string(passkey).map_err(|_| AppError::Internal)
}

/// Records that a stored passkey signed, with its new signature counter (and backup flags)
/// when they changed: the next answer is checked against them.
async fn remember_use(
    backend: &Backend,
    stored: &StoredPasskey,
    mut passkey: Passkey,
    result: &AuthenticationResult,
    now: UnixTime,
) -> Result<(), AppError> {
    let changed = passkey.update_credential(result) == Some(true);
    let json = changed.then(|| to_json(&passkey)).transpose()?;
    store::passkeys::record_use(&backend.pool, stored.id, json.as_deref(), now).await?;
    Ok(())
}

/// Step one of adding a passkey: options for `navigator.credentials.create`. The
/// account's own passkeys are excluded, so one authenticator is not registered twice.
pub async fn begin_registration(
    backend: &Backend,
    user: &UserCtx,
    name: &str,
    now: UnixTime,
) -> Result<Ceremony<CreationChallengeResponse>, AppError> {
    let webauthn = relying(backend)?;
    let handle = store::accounts::webauthn_handle(&backend.pool, user.account_id).await?;
    let handle = Uuid::from_slice(&handle).map_err(|_| AppError::Internal)?;
    let exclude = store::passkeys::list(&backend.pool, user.account_id)
        .await?
        .iter()
        .map(|s| parse_passkey(s).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let (mut options, state) = webauthn
        .start_passkey_registration(handle, &user.email, &user.email, Some(exclude))
        .map_err(refused)?;
    // webauthn-rs asks for a non-discoverable credential; passwordless sign-in (no address
    // typed) needs a discoverable one. The server does not check this field.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Preferred);
    }
    let id = open(
        backend,
        Kind::Register,
        Some(user.account_id),
        Some(name),
        &state,
        now,
    )
    .await?;
    Ok(Ceremony { id, options })
}

/// Step two: verifies the browser's answer and stores the passkey under the name chosen
/// in step one. Returns that name.
pub async fn finish_registration(
    backend: &Backend,
    user: &UserCtx,
    ceremony: &str,
    answer: &RegisterPublicKeyCredential,
    now: UnixTime,
) -> Result<String, AppError> {
    let webauthn = relying(backend)?;
    let (taken, state): (_, PasskeyRegistration) =
        take(backend, ceremony, Kind::Register, now).await?;
    if taken.account_id != Some(user.account_id) {
        return Err(AppError::PasskeyRefused(
            "This passkey request belongs to another sign-in. Please try again.".into(),
        ));
    }
    let passkey = webauthn
        .finish_passkey_registration(answer, &state)
        .map_err(refused)?;
    let name = taken.name.unwrap_or_default();
    store_new(backend, user.account_id, &name, &passkey, now).await?;
    Ok(name)
}

/// Stores a verified passkey; a credential registered already (to anyone) is refused.
pub async fn store_new(
    backend: &Backend,
    account_id: i64,
    name: &str,
    passkey: &Passkey,
    now: UnixTime,
) -> Result<i64, AppError> {
    let json = to_json(passkey)?;
    match store::passkeys::insert(
        &backend.pool,
        account_id,
        passkey.cred_id().as_slice(),
        name,
        &json,
        now,
    )
    .await
    {
        Err(e) if store::is_unique_violation(&e) => Err(AppError::PasskeyRefused(
            "This passkey is registered already.".into(),
        )),
        other => Ok(other?),
    }
}

/// Options for a passwordless sign-in: any passkey the device holds for this portal.
/// `conditional` asks the browser to offer them in the email field's autofill.
pub async fn begin_sign_in(
    backend: &Backend,
    conditional: bool,
    now: UnixTime,
) -> Result<Ceremony<RequestChallengeResponse>, AppError> {
    let webauthn = relying(backend)?;
    let (mut options, state) = webauthn
        .start_discoverable_authentication()
        .map_err(refused)?;
    if !conditional {
        options.mediation = None;
    }
    let id = open(backend, Kind::SignIn, None, None, &state, now).await?;
    Ok(Ceremony { id, options })
}

/// Verifies a passwordless sign-in. A passkey is a strong sign-in on its own: no code is
/// asked for. Failures count on the client's IP and, once the passkey is known, on its
/// account, like wrong passwords.
pub async fn finish_sign_in(
    backend: &Backend,
    meta: &RequestMeta,
    ceremony: &str,
    answer: &PublicKeyCredential,
    now: UnixTime,
) -> Result<sign_in::SignedIn, AppError> {
    let webauthn = relying(backend)?;
    let ip = [(throttle::ip_key(&meta.ip), throttle::IP)];
    throttle::check(&backend.pool, &ip, now).await?;
    let (_, state): (_, DiscoverableAuthentication) =
        take(backend, ceremony, Kind::SignIn, now).await?;
    let fail = |e: AppError| async {
        throttle::record_failure(&backend.pool, &ip, now).await?;
        Err(e)
    };
    let (handle, credential_id) = match webauthn.identify_discoverable_authentication(answer) {
        Ok(found) => found,
        Err(e) => return fail(refused(e)).await,
    };
    let owner = store::accounts::find_by_webauthn_handle(&backend.pool, handle.as_bytes()).await?;
    let stored = store::passkeys::find_by_credential(&backend.pool, credential_id).await?;
    let (account, stored) = match (owner, stored) {
        (Some(a), Some(s)) if a.id == s.account_id && a.enabled => (a, s),
        _ => return fail(AppError::PasskeyRefused(NOT_REGISTERED.into())).await,
    };
    let keys = [
        (throttle::account_key(&account.email), throttle::ACCOUNT),
        ip[0].clone(),
    ];
    throttle::check(&backend.pool, &keys, now).await?;
    let passkey = parse_passkey(&stored)?;
    let result = match webauthn.finish_discoverable_authentication(
        answer,
        state,
        &[DiscoverableKey::from(&passkey)],
    ) {
        Ok(r) => r,
        Err(e) => {
            throttle::record_failure(&backend.pool, &keys, now).await?;
            sign_in::record(
                backend,
                meta,
                Some(account.id),
                &account.email,
                LoginResult::BadPasskey,
                Some(Credential::Passkey),
                now,
            )
            .await?;
            return Err(refused(e));
        }
    };
    remember_use(backend, &stored, passkey, &result, now).await?;
    store::throttle::clear(&backend.pool, &keys[0].0).await?;
    sign_in::finish(backend, meta, &account, Credential::Passkey, now).await
}

/// "Confirm it's you" with one of the signed-in person's passkeys.
pub async fn begin_confirm(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<Ceremony<RequestChallengeResponse>, AppError> {
    let webauthn = relying(backend)?;
    let passkeys = store::passkeys::list(&backend.pool, user.account_id)
        .await?
        .iter()
        .map(parse_passkey)
        .collect::<Result<Vec<_>, _>>()?;
    if passkeys.is_empty() {
        return Err(AppError::PasskeyRefused(
            "This account has no passkey.".into(),
        ));
    }
    let (options, state) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(refused)?;
    let id = open(
        backend,
        Kind::Confirm,
        Some(user.account_id),
        None,
        &state,
        now,
    )
    .await?;
    Ok(Ceremony { id, options })
}

pub async fn finish_confirm(
    backend: &Backend,
    user: &UserCtx,
    ceremony: &str,
    answer: &PublicKeyCredential,
    now: UnixTime,
) -> Result<(), AppError> {
    let webauthn = relying(backend)?;
    let (taken, state): (_, PasskeyAuthentication) =
        take(backend, ceremony, Kind::Confirm, now).await?;
    if taken.account_id != Some(user.account_id) {
        return Err(AppError::PasskeyRefused(NOT_REGISTERED.into()));
    }
    let result = webauthn
        .finish_passkey_authentication(answer, &state)
        .map_err(refused)?;
    let stored = store::passkeys::find_by_credential(&backend.pool, result.cred_id().as_slice())
        .await?
        .filter(|s| s.account_id == user.account_id)
        .ok_or_else(|| AppError::PasskeyRefused(NOT_REGISTERED.into()))?;
    remember_use(backend, &stored, parse_passkey(&stored)?, &result, now).await?;
    store::sessions::mark_authenticated(&backend.pool, user.session_id, now).await?;
    Ok(())
}
