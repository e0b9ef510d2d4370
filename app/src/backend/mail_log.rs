//! The Mail log screen: the incoming log, filtered, with each message's evidence. A mail
//! user reads the rows of mail addressed to them; admins their domains' (master admins
//! all). Rows go after their domain's log days (`purge_expired`).

use super::{auth::ctx::UserCtx, mail_scope::reader, store, Backend};
use crate::{
    error::AppError,
    model::{
        list::{page_number, Page},
        mail_log::{LogFilter, MailLog},
        time::UnixTime,
    },
};

pub async fn list(
    backend: &Backend,
    user: UserCtx,
    filter: &LogFilter,
    page: Option<i64>,
    now: UnixTime,
) -> Result<MailLog, AppError> {
    let query = filter
        .check()
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    let (_, reader, _) = reader(backend, user, "read the mail log", now).await?;
    let page = page_number(page);
    let (rows, total) = store::mail_log::page(&backend.pool, &reader, &query, page).await?;
    Ok(MailLog {
        page: Page { rows, total, page },
    })
}

/// Deletes log rows kept past their domain's log days; how many.
pub async fn purge_expired(backend: &Backend, now: UnixTime) -> Result<u64, AppError> {
    Ok(store::mail_log::purge_expired(&backend.pool, now).await?)
}
