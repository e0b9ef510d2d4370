//! The Mail log screen: the incoming log, filtered, with each message's evidence. A mail
//! user reads the rows of mail addressed to them; admins their domains' (master admins
//! all). Rows go after their domain's log days (`purge_expired`).

use std::sync::Arc;

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

/// Tells the mail log's live views the ids of new rows, once committed. A view that falls
/// behind misses some and reloads (see `api::mail_log::live`). At shutdown the views end,
/// so that the web server's graceful stop does not wait for them.
#[derive(Debug, Clone)]
pub struct NewRows {
    rows: tokio::sync::broadcast::Sender<i64>,
    closing: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for NewRows {
    fn default() -> Self {
        NewRows {
            rows: tokio::sync::broadcast::channel(1024).0,
            closing: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }
}

impl NewRows {
    pub(crate) fn tell(&self, id: i64) {
        // No live view open: nobody to tell.
        self.rows.send(id).ok();
    }

    /// The new rows' ids, and a signal that turns true at shutdown.
    pub fn subscribe(
        &self,
    ) -> (
        tokio::sync::broadcast::Receiver<i64>,
        tokio::sync::watch::Receiver<bool>,
    ) {
        (self.rows.subscribe(), self.closing.subscribe())
    }

    /// Ends every live view: the process is stopping.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}
