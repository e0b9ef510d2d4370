//! Sign in, sign out, and who is signed in.

use crate::{error::AppError, model::rows::Me};
use leptos::prelude::*;

/// The signed-in person, or `None`.
#[server(endpoint = "auth/who_am_i")]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    use crate::api::ssr::{reply, Call};
    let call = Call::new()?;
    reply(match call.user().await {
        Ok(u) => Ok(Some(Me {
            email: u.email,
            role: u.role,
        })),
        Err(AppError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    })
}

#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::api::ssr::{reply, set_cookie, Call};
    use crate::backend::auth::{session, sign_in};
    let call = Call::new()?;
    let token =
        reply(sign_in::sign_in(&call.backend, &call.meta, &email, &password, call.now).await)?;
    set_cookie(&session::set_cookie(&call.backend.settings, &token));
    leptos_axum::redirect("/account");
    Ok(())
}

#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::api::ssr::{reply, set_cookie, Call};
    use crate::backend::auth::{session, sign_in};
    let call = Call::new()?;
    reply(sign_in::sign_out(&call.backend, &call.meta).await)?;
    set_cookie(&session::clear_cookie(&call.backend.settings));
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Who is signed in and whether they may open a screen that needs `required`; a refusal is
/// audited (the page itself then answers 403). `None` when nobody is signed in.
#[server(endpoint = "auth/page_access")]
pub async fn page_access(
    required: crate::model::Role,
    page: String,
) -> Result<Option<crate::model::rows::PageAccess>, AppError> {
    use crate::api::ssr::{reply, Call};
    use crate::model::rows::PageAccess;
    let call = Call::new()?;
    let user = match call.user().await {
        Ok(u) => u,
        Err(AppError::Unauthorized) => return Ok(None),
        Err(e) => return reply(Err(e)),
    };
    let me = Me {
        email: user.email.clone(),
        role: user.role,
    };
    let page: String = page.chars().take(100).collect();
    match user
        .require(&call.backend, required, &format!("open {page}"), call.now)
        .await
    {
        Ok(()) => Ok(Some(PageAccess { me, allowed: true })),
        Err(AppError::Forbidden) => Ok(Some(PageAccess { me, allowed: false })),
        Err(e) => reply(Err(e)),
    }
}
