//! Password reset through the recovery email.

use crate::error::AppError;
use leptos::prelude::*;

/// Always succeeds for a well-formed address, whether or not it has an account.
#[server(endpoint = "reset/request")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::api::ssr::{reply, Call};
    let call = Call::new()?;
    reply(crate::backend::auth::reset::request(&call.backend, &call.meta, &email, call.now).await)
}

#[server(endpoint = "reset/link_status")]
pub async fn reset_link_status(token: String) -> Result<bool, AppError> {
    use crate::api::ssr::{reply, Call};
    let call = Call::new()?;
    reply(crate::backend::auth::reset::link_is_usable(&call.backend, &token, call.now).await)
}

#[server(endpoint = "reset/complete")]
pub async fn reset_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::api::ssr::{reply, Call};
    let call = Call::new()?;
    reply(
        crate::backend::auth::reset::complete(
            &call.backend,
            &call.meta,
            &token,
            &password,
            &confirm,
            call.now,
        )
        .await,
    )
}
