//! The Quarantine screens: every signed-in person reads the kept mail addressed to them;
//! domain admins their domains', master admins all of it.

use crate::{
    error::AppError,
    model::{
        list::Done,
        quarantine::{Quarantine, QuarantinedMessage},
    },
};
use leptos::prelude::*;

admin_fn! {
    #[needs(Quarantine, Read)]
    #[server(endpoint = "quarantine/list")]
    pub async fn list_quarantine(
        search: Option<String>,
        page: Option<i64>,
    ) -> Result<Quarantine, AppError> {
        use crate::{api::ssr::as_user, backend::quarantine};
        as_user(|call, user| async move {
            let search = search.unwrap_or_default();
            quarantine::list(&call.backend, user, &search, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Quarantine, Read)]
    #[server(endpoint = "quarantine/message")]
    pub async fn open_quarantined(id: i64) -> Result<QuarantinedMessage, AppError> {
        use crate::{api::ssr::as_user, backend::quarantine};
        as_user(
            |call, user| async move { quarantine::message(&call.backend, user, id, call.now).await },
        )
        .await
    }
}

admin_fn! {
    /// Delivers the ticked messages (`ids[n]`), with `not_spam` learning them as wanted mail;
    /// how many.
    #[needs(Quarantine, Write)]
    #[server(endpoint = "quarantine/release")]
    pub async fn release_quarantined(
        ids: Option<Vec<i64>>,
        #[server(default)] not_spam: bool,
    ) -> Result<Done, AppError> {
        use crate::{
            api::ssr::{as_user, mail_plane},
            backend::quarantine,
        };
        as_user(|call, user| async move {
            let mail = mail_plane()?;
            quarantine::release(&call.backend, &mail, user, ids, not_spam, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Deletes the ticked messages (`ids[n]`), with `spam` learning them as spam first; how
    /// many.
    #[needs(Quarantine, Write)]
    #[server(endpoint = "quarantine/delete")]
    pub async fn delete_quarantined(
        ids: Option<Vec<i64>>,
        #[server(default)] spam: bool,
    ) -> Result<Done, AppError> {
        use crate::{api::ssr::as_user, backend::quarantine};
        as_user(|call, user| async move {
            quarantine::delete(&call.backend, user, ids, spam, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Deletes a domain's kept mail scoring below or above `score`; how many.
    #[needs(Quarantine, Write)]
    #[server(endpoint = "quarantine/delete-by-score")]
    pub async fn delete_quarantined_by_score(
        domain: i64,
        side: String,
        score: String,
    ) -> Result<usize, AppError> {
        use crate::{
            api::ssr::as_user,
            backend::quarantine,
            model::quarantine::{parse_score, ScoreSide},
        };
        as_user(|call, user| async move {
            let side = ScoreSide::parse(&side).map_err(|r| AppError::invalid("side", r))?;
            let score = parse_score(&score).map_err(|r| AppError::invalid("score", r))?;
            quarantine::delete_by_score(&call.backend, user, domain, side, score, call.now).await
        })
        .await
    }
}
