//! One-click fixes from the quarantine and the log, and the reader's own sender lists.

use crate::{error::AppError, model::sender_fix::PersonalEntry};
use leptos::prelude::*;

admin_fn! {
    /// Puts the sender of the message (`source` "log" or "quarantine", `id`) on `list`
    /// ("whitelist" or "blacklist") of `scope` ("me" or "domain"); what was done, in words.
    /// `confirmed`: allow a sender that failed SPF all the same.
    #[needs(Antispam, Write)]
    #[server(endpoint = "sender-fix")]
    pub async fn fix_sender(
        source: String,
        id: i64,
        list: String,
        scope: String,
        #[server(default)] confirmed: bool,
    ) -> Result<String, AppError> {
        use crate::{
            api::ssr::as_user,
            backend::sender_fixes::{self, Fix},
            model::{
                sender_fix::{FixScope, FixSource},
                sender_list::List,
            },
        };
        as_user(|call, user| async move {
            let fix = Fix {
                source: FixSource::parse(&source).map_err(|r| AppError::invalid("source", r))?,
                id,
                list: List::parse(&list).map_err(|r| AppError::invalid("list", r))?,
                scope: FixScope::parse(&scope).map_err(|r| AppError::invalid("scope", r))?,
                confirmed,
            };
            sender_fixes::apply(&call.backend, user, fix, call.now).await
        })
        .await
    }
}

/// The caller's own allowed and blocked senders.
#[server(endpoint = "my-senders/list")]
pub async fn my_senders() -> Result<Vec<PersonalEntry>, AppError> {
    use crate::{api::ssr::as_user, backend::sender_fixes};
    as_user(|call, user| async move { sender_fixes::mine(&call.backend, &user).await }).await
}

/// Removes one of the caller's own entries; the sender removed.
#[server(endpoint = "my-senders/remove")]
pub async fn remove_my_sender(id: i64) -> Result<String, AppError> {
    use crate::{api::ssr::as_user, backend::sender_fixes};
    as_user(|call, user| async move {
        sender_fixes::remove_mine(&call.backend, &user, id, call.now).await
    })
    .await
}
