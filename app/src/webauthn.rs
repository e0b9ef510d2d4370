//! The browser's side of passkey ceremonies: ask the server for options, let
//! `navigator.credentials` talk to the authenticator, send the answer back.
//!
//! Each flow is a plain async function the screens run with `Action::new_unsync` (browser
//! futures are not `Send`). On the server these functions are never called; they exist so
//! that the screens compile for both sides.

use crate::error::AppError;

/// Adds a passkey named `name` to the signed-in account.
pub async fn add(name: String) -> Result<(), AppError> {
    #[cfg(feature = "hydrate")]
    {
        use crate::api::passkeys::{begin_adding_passkey, finish_adding_passkey};
        let ceremony = begin_adding_passkey(name).await?;
        let credential = browser::create(ceremony.options).await?;
        finish_adding_passkey(ceremony.id, credential).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = name;
        Err(browser_only())
    }
}

/// Signs in with any passkey the device holds for this portal; answers where to go next.
/// A conditional request (the email field's autofill) waiting in the background is ended
/// first: a browser runs one request at a time.
pub async fn sign_in() -> Result<String, AppError> {
    #[cfg(feature = "hydrate")]
    {
        use crate::api::passkeys::{begin_passkey_sign_in, finish_passkey_sign_in};
        browser::abort_autofill();
        let ceremony = begin_passkey_sign_in(false).await?;
        let credential = browser::get(ceremony.options, false).await?;
        finish_passkey_sign_in(ceremony.id, credential).await
    }
    #[cfg(not(feature = "hydrate"))]
    Err(browser_only())
}

/// Offers passkeys in the email field's autofill, where the browser can. Completes with
/// where to go next once the person picks one. `Ok(None)` when the browser cannot, or
/// its request ended without a passkey (ended by the button, or nothing to offer): the
/// person never asked for this one, so only the portal's refusal of a passkey is shown.
pub async fn sign_in_by_autofill() -> Result<Option<String>, AppError> {
    #[cfg(feature = "hydrate")]
    {
        use crate::api::passkeys::{begin_passkey_sign_in, finish_passkey_sign_in};
        if !browser::conditional_mediation_available().await {
            return Ok(None);
        }
        let ceremony = begin_passkey_sign_in(true).await?;
        let Ok(credential) = browser::get(ceremony.options, true).await else {
            return Ok(None);
        };
        finish_passkey_sign_in(ceremony.id, credential)
            .await
            .map(Some)
    }
    #[cfg(not(feature = "hydrate"))]
    Err(browser_only())
}

/// "Confirm it's you" with one of the account's passkeys.
pub async fn confirm() -> Result<(), AppError> {
    #[cfg(feature = "hydrate")]
    {
        use crate::api::passkeys::{begin_confirm_with_passkey, finish_confirm_with_passkey};
        let ceremony = begin_confirm_with_passkey().await?;
        let credential = browser::get(ceremony.options, false).await?;
        finish_confirm_with_passkey(ceremony.id, credential).await
    }
    #[cfg(not(feature = "hydrate"))]
    Err(browser_only())
}

/// Opens the page that follows a sign-in, loading it afresh with the new session.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

#[cfg(not(feature = "hydrate"))]
fn browser_only() -> AppError {
    AppError::PasskeyRefused("Passkeys need JavaScript in the browser.".into())
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::error::AppError;
    use std::cell::RefCell;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use webauthn_rs_proto::{
        CreationChallengeResponse, PublicKeyCredential, PublicKeyCredentialExt,
        RegisterPublicKeyCredential, RequestChallengeResponse,
    };

    thread_local! {
        /// Ends the autofill request waiting in the background.
        static AUTOFILL: RefCell<Option<web_sys::AbortController>> = const { RefCell::new(None) };
    }

    pub fn abort_autofill() {
        AUTOFILL.with(|a| {
            if let Some(controller) = a.borrow_mut().take() {
                controller.abort();
            }
        });
    }

    fn credentials() -> Result<web_sys::CredentialsContainer, AppError> {
        web_sys::window()
            .map(|w| w.navigator().credentials())
            .ok_or_else(|| AppError::PasskeyRefused("Passkeys need a browser window.".into()))
    }

    pub async fn create(
        options: CreationChallengeResponse,
    ) -> Result<RegisterPublicKeyCredential, AppError> {
        let options: web_sys::CredentialCreationOptions = options.into();
        let promise = credentials()?
            .create_with_options(&options)
            .map_err(explain)?;
        let credential: web_sys::PublicKeyCredential = JsFuture::from(promise)
            .await
            .and_then(JsCast::dyn_into)
            .map_err(explain)?;
        Ok(credential.into())
    }

    pub async fn get(
        options: RequestChallengeResponse,
        conditional: bool,
    ) -> Result<PublicKeyCredential, AppError> {
        let options: web_sys::CredentialRequestOptions = options.into();
        if conditional {
            // web-sys has no setter for `mediation`.
            js_sys::Reflect::set(&options, &"mediation".into(), &"conditional".into())
                .map_err(explain)?;
            let controller = web_sys::AbortController::new().map_err(explain)?;
            options.set_signal(&controller.signal());
            abort_autofill();
            AUTOFILL.with(|a| *a.borrow_mut() = Some(controller));
        }
        let promise = credentials()?.get_with_options(&options).map_err(explain)?;
        let credential: web_sys::PublicKeyCredential = JsFuture::from(promise)
            .await
            .and_then(JsCast::dyn_into)
            .map_err(explain)?;
        Ok(credential.into())
    }

    pub async fn conditional_mediation_available() -> bool {
        match PublicKeyCredentialExt::is_conditional_mediation_available() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            Err(_) => false,
        }
    }

    /// What the person reads when the browser's request failed, by the DOMException's name.
    fn explain(error: JsValue) -> AppError {
        let name = js_sys::Reflect::get(&error, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        let reason = match name.as_str() {
            "NotAllowedError" | "AbortError" => {
                "The passkey request was cancelled or timed out. Nothing was changed; try again when you are ready."
            }
            "InvalidStateError" => {
                "This device already holds a passkey for your account. Use another device or security key."
            }
            "SecurityError" => {
                "The browser refused passkeys for this address. Open the portal at its usual address."
            }
            "NotSupportedError" | "TypeError" | "ReferenceError" => {
                "This browser or device does not support passkeys."
            }
            _ => "The passkey request failed. Please try again.",
        };
        AppError::PasskeyRefused(reason.into())
    }
}
