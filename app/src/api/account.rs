//! The signed-in person's own account.

use crate::{
    error::AppError,
    model::rows::{AccountSummary, SessionRow},
};
use leptos::prelude::*;

#[server(endpoint = "account/summary")]
pub async fn my_account() -> Result<AccountSummary, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::account::summary(&call.backend, &user, call.now).await
    })
    .await
}

/// `sign_out_others` is a checkbox: present ("on") when ticked.
#[server(endpoint = "account/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm: String,
    sign_out_others: Option<String>,
) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    use crate::backend::account::{self, PasswordChange};
    as_user(|call, user| async move {
        let change = PasswordChange {
            current: &current_password,
            new: &new_password,
            confirmation: &confirm,
            sign_out_others: sign_out_others.is_some(),
        };
        account::change_password(&call.backend, &call.meta, &user, change, call.now).await
    })
    .await
}

/// `sign_out_others` is a checkbox: present ("on") when ticked.
#[server(endpoint = "account/set_recovery_email")]
pub async fn set_recovery_email(
    current_password: String,
    recovery_email: String,
    sign_out_others: Option<String>,
) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    use crate::backend::account::RecoveryChange;
    as_user(|call, user| async move {
        crate::backend::account::set_recovery_email(
            &call.backend,
            &call.meta,
            &user,
            RecoveryChange {
                current: &current_password,
                recovery: &recovery_email,
                sign_out_others: sign_out_others.is_some(),
            },
            call.now,
        )
        .await
    })
    .await
}

#[server(endpoint = "account/sessions")]
pub async fn list_sessions() -> Result<Vec<SessionRow>, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::account::list_sessions(&call.backend, &user, call.now).await
    })
    .await
}

#[server(endpoint = "account/revoke_session")]
pub async fn revoke_session(id: i64) -> Result<(), AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::account::revoke_session(&call.backend, &user, id, call.now).await
    })
    .await
}

#[server(endpoint = "account/sign_out_others")]
pub async fn sign_out_other_sessions() -> Result<u64, AppError> {
    use crate::api::ssr::as_user;
    as_user(|call, user| async move {
        crate::backend::account::sign_out_others(&call.backend, &user, call.now).await
    })
    .await
}
