//! Two-factor authentication: the caller's own (My account → Two-factor authentication)
//! and the admin side (the requirement for admins, unlocking an account's codes).

use crate::{
    error::AppError,
    model::two_factor::{TotpOffer, TwoFactorPolicy, TwoFactorStatus},
};
use leptos::prelude::*;

#[server(endpoint = "two_factor/status")]
pub async fn my_two_factor() -> Result<TwoFactorStatus, AppError> {
    use crate::{api::ssr::as_user, backend::two_factor};
    as_user(|call, user| async move { two_factor::status(&call.backend, &user, call.now).await })
        .await
}

/// "Confirm it's you" before a change to the second factors.
#[server(endpoint = "two_factor/confirm_identity")]
pub async fn confirm_identity(password: String) -> Result<(), AppError> {
    use crate::{api::ssr::as_user, backend::two_factor};
    as_user(|call, user| async move {
        two_factor::confirm_identity(&call.backend, &call.meta, &user, &password, call.now).await
    })
    .await
}

/// A new secret for the authenticator app. The answer is the only place it ever appears
/// (answers are marked `no-store`).
#[server(endpoint = "two_factor/offer_totp")]
pub async fn offer_totp() -> Result<TotpOffer, AppError> {
    use crate::{api::ssr::as_user, backend::two_factor};
    as_user(
        |call, user| async move { two_factor::offer_totp(&call.backend, &user, call.now).await },
    )
    .await
}

/// Turns TOTP on with a code from the app; answers the recovery codes, shown once.
/// `sign_out_others` is a checkbox: present ("on") when ticked.
#[server(endpoint = "two_factor/enable_totp")]
pub async fn enable_totp(
    code: String,
    sign_out_others: Option<String>,
) -> Result<Vec<String>, AppError> {
    use crate::{api::ssr::as_user, backend::two_factor};
    as_user(|call, user| async move {
        let others = sign_out_others.is_some();
        two_factor::enable_totp(&call.backend, &call.meta, &user, &code, others, call.now).await
    })
    .await
}

#[server(endpoint = "two_factor/disable_totp")]
pub async fn disable_totp(code: String) -> Result<(), AppError> {
    use crate::{api::ssr::as_user, backend::two_factor};
    as_user(|call, user| async move {
        two_factor::disable_totp(&call.backend, &call.meta, &user, &code, call.now).await
    })
    .await
}

#[server(endpoint = "two_factor/regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes() -> Result<Vec<String>, AppError> {
    use crate::{api::ssr::as_user, backend::two_factor};
    as_user(|call, user| async move {
        two_factor::regenerate_recovery_codes(&call.backend, &user, call.now).await
    })
    .await
}

admin_fn! {
    #[needs(Security, Read)]
    #[server(endpoint = "two_factor/policy")]
    pub async fn read_two_factor_policy() -> Result<TwoFactorPolicy, AppError> {
        use crate::{api::ssr::as_user, backend::two_factor};
        as_user(|call, user| async move {
            let what = "read the two-factor policy";
            let master = user.master_admin(&call.backend, what, call.now).await?;
            two_factor::policy(&call.backend, &master).await
        })
        .await
    }
}

admin_fn! {
    /// `require_for_admins` is a checkbox: present ("on") when ticked.
    #[needs(Security, Write)]
    #[server(endpoint = "two_factor/set_policy")]
    pub async fn set_two_factor_policy(require_for_admins: Option<String>) -> Result<(), AppError> {
        use crate::{api::ssr::as_user, backend::two_factor};
        as_user(|call, user| async move {
            let what = "change the two-factor policy";
            let master = user.master_admin(&call.backend, what, call.now).await?;
            let on = require_for_admins.is_some();
            two_factor::set_policy(&call.backend, &master, on, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Unlocks the authenticator codes of an account in the admin's domains.
    #[needs(Security, Write)]
    #[server(endpoint = "two_factor/unlock")]
    pub async fn unlock_two_factor(email: String) -> Result<(), AppError> {
        use crate::{api::ssr::as_user, backend::two_factor};
        as_user(|call, user| async move {
            let what = "unlock two-factor codes";
            let admin = user.domain_admin(&call.backend, what, call.now).await?;
            let actor = admin.user.actor();
            two_factor::unlock(&call.backend, &actor, &admin.scope, &email, call.now).await
        })
        .await
    }
}
