//! Statistics → Blocked senders: domain admins see their domains' people blocked from
//! sending, master admins everyone's.

use crate::{error::AppError, model::submission::BlockedSender};
use leptos::prelude::*;

admin_fn! {
    #[needs(Antispam, Read)]
    #[server(endpoint = "blocked-senders/list")]
    pub async fn list_blocked_senders() -> Result<Vec<BlockedSender>, AppError> {
        use crate::{api::ssr::as_user, backend::blocked_senders};
        as_user(|call, user| async move { blocked_senders::list(&call.backend, user, call.now).await })
            .await
    }
}

admin_fn! {
    /// Lets the person `account` send again; their address.
    #[needs(Antispam, Write)]
    #[server(endpoint = "blocked-senders/unblock")]
    pub async fn unblock_sender(account: i64) -> Result<String, AppError> {
        use crate::{api::ssr::as_user, backend::blocked_senders};
        as_user(|call, user| async move {
            blocked_senders::unblock(&call.backend, user, account, call.now).await
        })
        .await
    }
}
