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
            migrated: migrated(&call, u.account_id).await?,
            email: u.email,
            role: u.role,
            rights: u.grant,
        })),
        Err(AppError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    })
}

/// The password step. With a second factor on, the browser goes on to `/sign-in/code`.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::api::ssr::{reply, Call};
    use crate::backend::auth::sign_in;
    let call = Call::new()?;
    let signed_in =
        reply(sign_in::sign_in(&call.backend, &call.meta, &email, &password, call.now).await)?;
    ssr::go_on(&call, signed_in);
    Ok(())
}

/// The second step: a code from the authenticator app, or a recovery code.
#[server(endpoint = "auth/sign_in_code")]
pub async fn sign_in_code(code: String) -> Result<(), AppError> {
    use crate::api::ssr::{reply, Call};
    use crate::backend::auth::sign_in;
    let call = Call::new()?;
    let signed_in =
        reply(sign_in::sign_in_second_factor(&call.backend, &call.meta, &code, call.now).await)?;
    ssr::go_on(&call, signed_in);
    Ok(())
}

/// Whether the account came by auto migration (its menu offers Mail migration).
#[cfg(feature = "ssr")]
async fn migrated(call: &crate::api::ssr::Call, account_id: i64) -> Result<bool, AppError> {
    Ok(crate::backend::store::migrations::exists(&call.backend.pool, account_id).await?)
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api::ssr::{set_cookie, Call};
    use crate::backend::auth::{session, sign_in::SignedIn};

    /// Sets the cookie for what the sign-in reached and sends the browser on.
    pub fn go_on(call: &Call, signed_in: SignedIn) {
        let settings = &call.backend.settings;
        match signed_in {
            SignedIn::Session { token, next } => {
                set_cookie(&session::set_cookie(settings, &token));
                set_cookie(&session::clear_pending_cookie(settings));
                leptos_axum::redirect(next);
            }
            SignedIn::SecondFactor { ticket } => {
                set_cookie(&session::set_pending_cookie(settings, &ticket));
                leptos_axum::redirect("/sign-in/code");
            }
        }
    }
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
        migrated: reply(migrated(&call, user.account_id).await)?,
        email: user.email.clone(),
        role: user.role,
        rights: user.grant.clone(),
    };
    let page: String = page.chars().take(100).collect();
    match user
        .require(&call.backend, required, &format!("open {page}"), call.now)
        .await
    {
        Ok(()) => Ok(Some(PageAccess {
            me,
            allowed: true,
            enrol_first: false,
        })),
        Err(AppError::Forbidden) => Ok(Some(PageAccess {
            me,
            allowed: false,
            enrol_first: false,
        })),
        Err(AppError::SecondFactorRequired) => Ok(Some(PageAccess {
            me,
            allowed: false,
            enrol_first: true,
        })),
        Err(e) => reply(Err(e)),
    }
}
