//! The learning screen: every signed-in person teaches the spam filter with message files
//! of their own mail; admins with their domains'.

use crate::{error::AppError, model::learning::LearningStatus};
use leptos::prelude::*;

admin_fn! {
    #[needs(Antispam, Read)]
    #[server(endpoint = "learning/status")]
    pub async fn read_learning_status() -> Result<LearningStatus, AppError> {
        use crate::{api::ssr::as_user, backend::learning};
        as_user(|call, user| async move { learning::status(&call.backend, &user, call.now).await })
            .await
    }
}

admin_fn! {
    /// Learns one uploaded message file (`name`, its text) as spam (`class` "spam") or not
    /// spam ("ham"); what was done, in words. The browser sends the files one by one, so that
    /// it can tell how far it got.
    #[needs(Antispam, Write)]
    #[server(endpoint = "learning/upload")]
    pub async fn learn_file(name: String, message: String, class: String) -> Result<String, AppError> {
        use crate::{api::ssr::as_user, backend::learning, model::learning::Class};
        as_user(|call, user| async move {
            let class = Class::parse(&class).map_err(|r| AppError::invalid("class", r))?;
            learning::upload(
                &call.backend,
                user,
                &name,
                message.as_bytes(),
                class,
                call.now,
            )
            .await
        })
        .await
    }
}
