//! Writes the mail login check's login events and device-password last-use marks in
//! batches, off the request path.
//!
//! Mail apps log in thousands of times a second on a busy host; one SQLite write per check
//! would serialise them all on the database's single writer. Instead each check hands its
//! rows to one task, which writes what has gathered over a few milliseconds in one
//! transaction (one multi-row INSERT): a row waits `GATHER` and one transaction at most.
//! The channel is bounded: when the writer falls behind, checks wait for room rather than
//! dropping rows. `flush` returns once everything handed in before it is stored; the server
//! calls it on shutdown, and tests before they count rows.

use super::{
    security_notices::{self, Notices, Origin},
    store::{
        self,
        login_events::{self, LoginEvent, LoginResult},
    },
};
use crate::backend::store::db::Db;
use crate::model::time::UnixTime;
use std::{collections::BTreeMap, time::Duration};
use tokio::sync::{mpsc, oneshot};

/// How long the writer gathers rows after the first before it writes them. Under load this
/// makes a few hundred transactions a second of many rows each, instead of one per check.
const GATHER: Duration = Duration::from_millis(5);
/// Further tries of a batch the store refused.
const RETRIES: usize = 2;
/// Rows waiting at most; past this, checks wait for the writer.
const QUEUE: usize = 16_384;

/// A login event, owned so that it can wait in the queue.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: UnixTime,
    pub account_id: Option<i64>,
    pub email: String,
    pub ip: String,
    pub protocol: String,
    /// The client's host name as the mail proxy resolved it (kept where web sign-ins keep
    /// the browser's User-Agent).
    pub client: String,
    pub result: LoginResult,
    pub detail: String,
    /// `Credential::as_str` of what the login proved itself with; "" for none.
    pub credential: &'static str,
    pub country: String,
}

/// A device password was used: when, from where, over which protocol.
#[derive(Debug, Clone)]
pub struct DeviceUse {
    pub id: i64,
    pub at: UnixTime,
    pub ip: String,
    pub protocol: &'static str,
}

enum Job {
    Event(Event),
    DeviceUse(DeviceUse),
    Flush(oneshot::Sender<()>),
}

#[derive(Debug, Clone)]
pub struct Recorder {
    jobs: mpsc::Sender<Job>,
}

impl Recorder {
    /// Starts the writer on the current Tokio runtime; `notices` tells people of logins from
    /// a new country once their rows are stored.
    pub fn start(pool: Db, notices: Notices) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(pool, notices, queue));
        Recorder { jobs }
    }

    pub async fn event(&self, event: Event) {
        self.send(Job::Event(event)).await;
    }

    pub async fn device_use(&self, used: DeviceUse) {
        self.send(Job::DeviceUse(used)).await;
    }

    /// Waits until every row handed in before this call is stored (or could not be).
    pub async fn flush(&self) {
        let (done, stored) = oneshot::channel();
        self.send(Job::Flush(done)).await;
        stored.await.ok();
    }

    async fn send(&self, job: Job) {
        if self.jobs.send(job).await.is_err() {
            // Only when the runtime is going away: nothing is left to write with.
            tracing::error!("login event writer has stopped; a row is lost");
        }
    }
}

async fn write_batches(pool: Db, notices: Notices, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(QUEUE);
    while queue.recv_many(&mut jobs, QUEUE).await > 0 {
        if !matches!(jobs.last(), Some(Job::Flush(_))) {
            tokio::time::sleep(GATHER).await;
            while jobs.len() < QUEUE {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
        }
        let mut events = Vec::new();
        // In the order of their ids: instances writing the same device passwords' marks
        // (on one PostgreSQL store) then lock their rows in the same order, and never wait
        // on each other in a circle.
        let mut uses: BTreeMap<i64, DeviceUse> = BTreeMap::new();
        let mut flushed = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Event(e) => events.push(e),
                // Only the latest use of each device password matters.
                Job::DeviceUse(u) => {
                    uses.insert(u.id, u);
                }
                Job::Flush(done) => flushed.push(done),
            }
        }
        if events.is_empty() && uses.is_empty() {
            // Only flushes: everything before them is already stored.
        } else {
            let mut written = write(&pool, &events, uses.values()).await;
            // A store that lost its connection, or broke the transaction off, may well take
            // the same rows a moment later.
            for _ in 0..RETRIES {
                let Err(e) = &written else { break };
                tracing::warn!(error = %e, rows = events.len(), "login events not stored; trying again");
                tokio::time::sleep(Duration::from_millis(100)).await;
                written = write(&pool, &events, uses.values()).await;
            }
            match written {
                Ok(news) => {
                    for e in news.into_iter().filter_map(|i| events.get(i)) {
                        tell_new_country(&notices, e).await;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, rows = events.len(), "login events not stored")
                }
            }
        }
        for done in flushed {
            done.send(()).ok();
        }
    }
}

async fn tell_new_country(notices: &Notices, e: &Event) {
    if let Some(account_id) = e.account_id {
        let from = Origin {
            ip: &e.ip,
            country: &e.country,
        };
        let event = security_notices::Event::NewCountry { way: &e.protocol };
        notices.tell(account_id, event, from, e.at).await;
    }
}

/// Stores the rows in one transaction; answers the positions of the logins from a country
/// new to their account.
async fn write(
    pool: &Db,
    events: &[Event],
    uses: impl Iterator<Item = &DeviceUse>,
) -> Result<Vec<usize>, sqlx::Error> {
    let mut tx = store::write(pool).await?;
    let rows: Vec<_> = events
        .iter()
        .map(|e| {
            let row = LoginEvent {
                account_id: e.account_id,
                email: &e.email,
                ip: &e.ip,
                protocol: &e.protocol,
                result: e.result,
                user_agent: &e.client,
                detail: &e.detail,
                credential: e.credential,
                country: &e.country,
            };
            (e.at, row)
        })
        .collect();
    let news = login_events::record_many(&mut tx.conn(), &rows).await?;
    for u in uses {
        super::store::device_passwords::record_use(&mut tx.conn(), u.id, &u.ip, u.protocol, u.at)
            .await?;
    }
    tx.commit().await?;
    Ok(news)
}
