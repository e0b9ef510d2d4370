//! First start: creating the first master admin through the setup link.

use crate::error::AppError;
use leptos::prelude::*;

/// True when the setup link still works.
#[server(endpoint = "setup/link_status")]
pub async fn setup_link_status(token: String) -> Result<bool, AppError> {
    use crate::api::ssr::{reply, Call};
    let call = Call::new()?;
    reply(crate::backend::auth::setup::link_is_usable(&call.backend, &token, call.now).await)
}

#[server(endpoint = "setup/create_first_admin")]
pub async fn create_first_admin(
    token: String,
    email: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::api::ssr::{reply, set_cookie, Call};
    use crate::backend::auth::{session, setup};
    let call = Call::new()?;
    let t = reply(
        setup::create_first_admin(
            &call.backend,
            &call.meta,
            &token,
            &email,
            &password,
            &confirm,
            call.now,
        )
        .await,
    )?;
    set_cookie(&session::set_cookie(&call.backend.settings, &t));
    leptos_axum::redirect("/account");
    Ok(())
}
