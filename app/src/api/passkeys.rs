//! Passkeys: the caller's own (My account → Passwordless authentication), "confirm it's
//! you" with one, and passwordless sign-in. Browser answers travel as JSON: they are
//! nested structures of base64 fields.

use crate::{
    error::AppError,
    model::passkey::{Ceremony, PasskeyOverview},
};
use leptos::{prelude::*, server_fn::codec::Json};
use webauthn_rs_proto::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

#[server(endpoint = "passkeys/overview")]
pub async fn my_passkeys() -> Result<PasskeyOverview, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::passkeys::overview(&call.backend, &user, call.now).await
    })
    .await
}

#[server(endpoint = "passkeys/begin_adding")]
pub async fn begin_adding_passkey(
    name: String,
) -> Result<Ceremony<CreationChallengeResponse>, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::passkeys::begin_adding(&call.backend, &user, &name, call.now).await
    })
    .await
}

#[server(endpoint = "passkeys/finish_adding", input = Json)]
pub async fn finish_adding_passkey(
    ceremony: String,
    credential: RegisterPublicKeyCredential,
) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::passkeys::finish_adding(
            &call.backend,
            &user,
            &ceremony,
            &credential,
            call.now,
        )
        .await
    })
    .await
}

#[server(endpoint = "passkeys/rename")]
pub async fn rename_passkey(id: i64, name: String) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::passkeys::rename(&call.backend, &user, id, &name, call.now).await
    })
    .await
}

#[server(endpoint = "passkeys/delete")]
pub async fn delete_passkey(id: i64) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::passkeys::delete(&call.backend, &user, id, call.now).await
    })
    .await
}

/// `allowed`: "true" to allow password sign-in to the portal, "false" for passkeys only.
#[server(endpoint = "passkeys/set_password_sign_in")]
pub async fn set_password_sign_in(allowed: bool) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::passkeys::set_password_sign_in(&call.backend, &user, allowed, call.now)
            .await
    })
    .await
}

#[server(endpoint = "passkeys/begin_confirm")]
pub async fn begin_confirm_with_passkey() -> Result<Ceremony<RequestChallengeResponse>, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::auth::passkey::begin_confirm(&call.backend, &user, call.now).await
    })
    .await
}

#[server(endpoint = "passkeys/finish_confirm", input = Json)]
pub async fn finish_confirm_with_passkey(
    ceremony: String,
    credential: PublicKeyCredential,
) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::auth::passkey::finish_confirm(
            &call.backend,
            &user,
            &ceremony,
            &credential,
            call.now,
        )
        .await
    })
    .await
}

/// Options for a passwordless sign-in; `conditional` for the email field's autofill.
#[server(endpoint = "auth/passkey_begin")]
pub async fn begin_passkey_sign_in(
    conditional: bool,
) -> Result<Ceremony<RequestChallengeResponse>, AppError> {
    use crate::api::ssr::{reply, Call};
    let call = Call::new()?;
    reply(crate::backend::auth::passkey::begin_sign_in(&call.backend, conditional, call.now).await)
}

/// Verifies the sign-in, sets the session cookie and answers where to go next.
#[server(endpoint = "auth/passkey_finish", input = Json)]
pub async fn finish_passkey_sign_in(
    ceremony: String,
    credential: PublicKeyCredential,
) -> Result<String, AppError> {
    use crate::api::ssr::{reply, set_cookie, Call};
    use crate::backend::auth::{passkey, session, sign_in::SignedIn};
    let call = Call::new()?;
    let signed_in = reply(
        passkey::finish_sign_in(&call.backend, &call.meta, &ceremony, &credential, call.now).await,
    )?;
    match signed_in {
        SignedIn::Session { token, next } => {
            set_cookie(&session::set_cookie(&call.backend.settings, &token));
            Ok(next.to_string())
        }
        // A passkey is a strong sign-in on its own; no second step follows it.
        SignedIn::SecondFactor { .. } => reply(Err(AppError::Internal)),
    }
}
