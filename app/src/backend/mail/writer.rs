//! The mail plane's writes to the store, made by one task in batches.
//!
//! Every message costs a few writes (its log row, its queued copies, quota counts, the
//! queue row's removal after delivery). SQLite has one writer at a time, and a connection
//! that finds the lock taken sleeps in steps of up to 100 ms before it tries again: many
//! connections writing at once spend their time asleep. Here one task takes what has
//! gathered, writes it in one transaction, and then tells each caller it is stored: a
//! 250 after DATA is sent once the message's queue rows and log row are committed, and a
//! delivered copy leaves the queue within a batch of the peer's answer.

use crate::backend::store::db::{Conn, Db, Kind};
use crate::backend::{
    instances,
    mail_log::NewRows,
    store::{self, mail_log::Entry, quarantine::Kept, queue::NewCopy},
};
use crate::model::time::UnixTime;
use tokio::sync::{mpsc, oneshot};

/// Writes waiting at most; past this, callers wait for room.
const QUEUE: usize = 8192;
/// Writes in one transaction at most.
const BATCH: usize = 512;

/// One write.
#[derive(Debug)]
pub enum Write {
    /// A message's log row.
    Log(Box<Entry>),
    /// A message's copies for other servers.
    Enqueue {
        queue_id: String,
        sender: String,
        copies: Vec<NewCopy>,
        now: UnixTime,
    },
    /// Delivered bytes, counted against the mailboxes' quotas.
    UsedBytes { account_ids: Vec<i64>, bytes: i64 },
    /// A message put in quarantine (its file is written already).
    Quarantine(Box<Kept>),
    /// A sender list entry decided a message.
    ListHit { entry_id: i64, at: UnixTime },
    /// A queued copy was delivered or bounced.
    Dequeue { id: i64 },
    /// A queued copy failed for now.
    RetryAt {
        id: i64,
        next: UnixTime,
        error: String,
    },
}

struct Job {
    write: Write,
    stored: oneshot::Sender<Result<(), String>>,
}

#[derive(Debug, Clone)]
pub struct MailWriter {
    jobs: mpsc::Sender<Job>,
}

impl MailWriter {
    /// Starts the writing task on the current Tokio runtime; the log rows it commits are
    /// told to `new_rows`.
    pub fn start(pool: Db, new_rows: NewRows) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(pool, queue, new_rows));
        MailWriter { jobs }
    }

    /// Returns once `write` is committed, or why it could not be.
    pub async fn write(&self, write: Write) -> Result<(), String> {
        let (stored, done) = oneshot::channel();
        self.jobs
            .send(Job { write, stored })
            .await
            .map_err(|_| "the mail store writer has stopped".to_string())?;
        done.await
            .map_err(|_| "the mail store writer has stopped".to_string())?
    }

    /// Hands `write` over without waiting for its commit: for counts no reply waits on.
    /// Writes are committed in the order handed over, so once a later `write` returns,
    /// this one is stored too. A failure is logged by the writing task.
    pub async fn hand_over(&self, write: Write) {
        let (stored, _) = oneshot::channel();
        if self.jobs.send(Job { write, stored }).await.is_err() {
            tracing::error!("the mail store writer has stopped");
        }
    }

    /// Returns once everything handed over before is stored.
    pub async fn flush(&self) {
        self.write(Write::UsedBytes {
            account_ids: Vec::new(),
            bytes: 0,
        })
        .await
        .ok();
    }
}

async fn write_batches(pool: Db, mut queue: mpsc::Receiver<Job>, new_rows: NewRows) {
    let mut jobs = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut jobs, BATCH).await > 0 {
        let result = write_all(&pool, &jobs).await;
        match result {
            Ok(rows) => {
                tell(&pool, &new_rows, &rows);
                for job in jobs.drain(..) {
                    job.stored.send(Ok(())).ok();
                }
            }
            Err(e) => {
                // One bad write must not sink the others: each on its own.
                tracing::warn!(error = %e, writes = jobs.len(), "mail store batch failed; writing one by one");
                for job in jobs.drain(..) {
                    let result = write_all(&pool, std::slice::from_ref(&job)).await;
                    match &result {
                        Ok(rows) => tell(&pool, &new_rows, rows),
                        Err(e) => {
                            tracing::error!(error = %e, write = ?job.write, "mail store write failed")
                        }
                    }
                    job.stored
                        .send(result.map(drop).map_err(|e| e.to_string()))
                        .ok();
                }
            }
        }
    }
}

/// Tells this instance's live views of the log rows written. On PostgreSQL the rows were
/// announced to every instance, this one included (see `instances`), which tells them.
fn tell(pool: &Db, new_rows: &NewRows, rows: &[i64]) {
    if pool.kind() == Kind::Sqlite {
        rows.iter().for_each(|id| new_rows.tell(*id));
    }
}

/// Commits `jobs` in one transaction; the ids of the log rows it wrote.
async fn write_all(pool: &Db, jobs: &[Job]) -> Result<Vec<i64>, sqlx::Error> {
    let mut tx = store::write(pool).await?;
    let mut rows = Vec::new();
    for job in jobs {
        rows.extend(apply(&mut tx.conn(), &job.write).await?);
    }
    instances::announce_log_rows(&mut tx.conn(), &rows).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Makes one write; the id of the log row it wrote, if it wrote one.
async fn apply(conn: &mut Conn<'_>, write: &Write) -> Result<Option<i64>, sqlx::Error> {
    match write {
        Write::Log(entry) => return store::mail_log::insert(conn, entry).await.map(Some),
        Write::Enqueue {
            queue_id,
            sender,
            copies,
            now,
        } => store::queue::enqueue(conn, queue_id, sender, copies, *now).await?,
        Write::UsedBytes { account_ids, bytes } => {
            store::recipients::add_used_bytes(conn, account_ids, *bytes).await?
        }
        Write::Quarantine(kept) => store::quarantine::insert(conn, kept).await.map(drop)?,
        Write::ListHit { entry_id, at } => {
            store::sender_lists::record_hit(conn, *entry_id, *at).await?
        }
        Write::Dequeue { id } => store::queue::remove(conn, *id).await?,
        Write::RetryAt { id, next, error } => {
            store::queue::retry_at(conn, *id, *next, error).await?
        }
    }
    Ok(None)
}
