//! What instances sharing one PostgreSQL store tell each other, through PostgreSQL's
//! LISTEN/NOTIFY. Nearly everything an instance decides on it reads from the store when it
//! needs it, so a change made through one instance holds on the others from the next
//! request or message. Two things live in memory and hear of changes here:
//! - the learned classifier's counts (`learning::Classifier`): every instance reads them
//!   again after a learning transaction commits (at most once a second);
//! - the mail log's live views (`mail_log::NewRows`): every instance tells its views of
//!   the rows any instance wrote.
//!
//! A notification is sent inside the transaction that made the change, so it arrives only
//! once the change is committed, and it reaches the instance that sent it too: on
//! PostgreSQL that is the one path, for one instance or several. A lost connection loses
//! what was said meanwhile: the classifier reads its counts again; a live view misses rows
//! it shows after a reload. SQLite has one instance: nothing is sent.

use super::{
    store::db::{self, Conn, Db, Kind},
    Backend,
};
use sqlx::postgres::PgListener;
use std::{
    future::Future,
    time::{Duration, Instant},
};

/// A learning transaction committed.
pub const LEARNED: &str = "mailportal_learned";
/// Mail log rows were written; the payload is their ids, comma-separated.
pub const LOG_ROWS: &str = "mailportal_log_rows";
/// Ids per notification: a payload must stay under PostgreSQL's 8000 bytes.
const IDS_PER_NOTICE: usize = 400;
/// The classifier reads its counts at most this often: each read takes every token's
/// counts, and people reporting mail all day would otherwise have every instance read
/// them all the time.
const RELOAD_GAP: Duration = Duration::from_secs(1);

/// Tells every instance on the store `payload` on `channel` once the transaction `conn`
/// is in commits. SQLite has no one to tell.
pub async fn announce(
    conn: &mut Conn<'_>,
    channel: &str,
    payload: &str,
) -> Result<(), sqlx::Error> {
    if matches!(conn, Conn::Postgres(_)) {
        db::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Tells every instance that the mail log rows `ids` were written.
pub async fn announce_log_rows(conn: &mut Conn<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(IDS_PER_NOTICE) {
        let payload: Vec<String> = chunk.iter().map(i64::to_string).collect();
        announce(conn, LOG_ROWS, &payload.join(",")).await?;
    }
    Ok(())
}

/// Starts listening to the other instances (and this one): before the server takes
/// requests, so that a live view opened at once hears every row. `None` on SQLite, or when
/// the store did not answer (`follow` tries again).
pub async fn listen(backend: &Backend) -> Option<PgListener> {
    let Db::Postgres(pool) = &backend.pool else {
        return None;
    };
    let listening = async {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen_all([LEARNED, LOG_ROWS]).await?;
        Ok::<_, sqlx::Error>(listener)
    };
    match listening.await {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen to the other instances; trying again in 5 s");
            None
        }
    }
}

/// Acts on what `listener` hears until `shutdown`; returns at once on SQLite.
pub async fn follow(
    backend: Backend,
    listener: Option<PgListener>,
    shutdown: impl Future<Output = ()>,
) {
    if backend.pool.kind() != Kind::Postgres {
        return;
    }
    tokio::pin!(shutdown);
    let mut listener = match listener {
        Some(listener) => listener,
        None => loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            if let Some(listener) = listen(&backend).await {
                break listener;
            }
        },
    };
    // Another instance may have learned between this one's start and now.
    let mut learned = true;
    let mut last_reload: Option<Instant> = None;
    loop {
        if learned {
            let wait =
                last_reload.map_or(Duration::ZERO, |at| RELOAD_GAP.saturating_sub(at.elapsed()));
            // What is said meanwhile waits in the connection; this reload covers the
            // learning before it, and the next covers the rest.
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(wait) => {}
            }
            last_reload = Some(Instant::now());
            if let Err(e) = backend.classifier.reload(&backend.pool).await {
                tracing::warn!(error = %e, "could not read the learned counts again");
            }
        }
        let heard = tokio::select! {
            _ = &mut shutdown => return,
            heard = listener.try_recv() => heard,
        };
        learned = false;
        match heard {
            Ok(Some(first)) => {
                // What has come meanwhile is handled at once: many learning transactions
                // in a row (a bulk upload) make one reload.
                let mut next = Some(first);
                while let Some(notice) = next {
                    match notice.channel() {
                        LEARNED => learned = true,
                        _ => notice
                            .payload()
                            .split(',')
                            .filter_map(|id| id.parse().ok())
                            .for_each(|id| backend.new_log_rows.tell(id)),
                    }
                    next = listener.next_buffered();
                }
            }
            Ok(None) => {
                tracing::warn!("lost the connection that hears the other instances; reconnecting");
                learned = true;
            }
            Err(e) => {
                tracing::warn!(error = %e, "listening to the other instances failed; trying again in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
                learned = true;
            }
        }
    }
}
