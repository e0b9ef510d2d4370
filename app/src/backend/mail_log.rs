//! The Mail log screen: the incoming log, filtered, with each message's evidence. A mail
//! user reads the rows of mail addressed to them; admins their domains' (master admins
//! all). Rows go after their domain's log days (`purge_expired`).

use std::sync::Arc;

use super::{
    auth::ctx::UserCtx,
    learning::{self, SAMPLE_DAYS},
    mail_scope::reader,
    sender_fixes::{self, Seen},
    store::{self, audit::AuditAction, mail_log::Logged, reader::Reader},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        learning::Class,
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

/// Deletes log rows kept past their domain's log days, and what learning kept of messages
/// past `SAMPLE_DAYS`; how many rows.
pub async fn purge_expired(backend: &Backend, now: UnixTime) -> Result<u64, AppError> {
    store::mail_log::purge_samples(&backend.pool, now - SAMPLE_DAYS * 86_400).await?;
    Ok(store::mail_log::purge_expired(&backend.pool, now).await?)
}

/// The log row `id` as the one-click actions read it, when the reader may see it: another's
/// is refused and audited as trying `what`, one purged meanwhile is not found.
pub(crate) async fn find(
    backend: &Backend,
    user: &UserCtx,
    reader: &Reader,
    id: i64,
    what: &str,
    now: UnixTime,
) -> Result<Logged, AppError> {
    if let Some(logged) = store::mail_log::logged(&backend.pool, reader, id).await? {
        return Ok(logged);
    }
    if store::mail_log::logged(&backend.pool, &Reader::All, id)
        .await?
        .is_some()
    {
        let what = format!("{what} from log row {id}, not theirs");
        return Err(user.deny(backend, &what, now).await);
    }
    Err(AppError::NotFound)
}

/// Reports the logged message `id` as spam or not spam: the classifier learns it, and when
/// it was addressed to the reader its sender goes on their own list (`mark_own`); what was
/// done, in words.
pub async fn report(
    backend: &Backend,
    user: UserCtx,
    id: i64,
    class: Class,
    now: UnixTime,
) -> Result<String, AppError> {
    let what = "report a message";
    let (user, reader, _) = reader(backend, user, what, now).await?;
    let logged = find(backend, &user, &reader, id, what, now).await?;
    let sample = store::mail_log::sample(&backend.pool, id)
        .await?
        .ok_or_else(|| {
            AppError::NotAllowed(format!(
                "The log no longer holds what the spam filter would learn from this message (it \
             is kept {SAMPLE_DAYS} days, and not for mail refused before it was read): \
             upload the message as a file instead."
            ))
        })?;
    let learned = learning::report(backend, &user, vec![sample], class, now).await?;
    let seen = Seen::from(logged);
    if learned.new + learned.moved > 0 {
        let detail = format!(
            "reported “{}” from {} as {} (mail log)",
            seen.subject,
            seen.from,
            class.label()
        );
        user.audit_in(
            backend,
            seen.domain_id,
            AuditAction::MessagesReported,
            &detail,
            now,
        )
        .await?;
    }
    let mut said = learned.words(class);
    if learned.over_limit == 0 {
        if let Some(listed) = sender_fixes::mark_own(backend, &user, &seen, class, now).await? {
            said.push(' ');
            said.push_str(&listed);
        }
    }
    Ok(said)
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
