//! The background copy: each waiting copy is taken under a lease (so one instance works on
//! it), logs in to the old server, lists its folders, and copies each folder's messages in
//! UID order, a batch at a time, into the user's Maildir with their flags and dates.
//!
//! After each batch the folder's resume point (UIDVALIDITY, last UID) moves. A crash or a
//! lost connection between writing a batch and recording it leaves files the next turn
//! finds by name (the name holds the copy, UIDVALIDITY and UID): nothing is copied twice.

use super::{
    imap::{self, ImapSession},
    open, Limits,
};
use crate::{
    backend::{
        mail::maildir,
        routing,
        store::{
            self,
            db::Kind,
            migrations::{Batch, Ending, Folder, Job},
        },
        Backend,
    },
    model::{migration::Security, route::Destination},
};
use async_imap::types::Flag;
use futures::TryStreamExt;
use std::{
    collections::{HashMap, HashSet},
    fs::{self, File, FileTimes, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// A copy is given up on (failed; an admin may retry) after this many failed turns.
const MAX_ATTEMPTS: i64 = 10;
/// The longest wait between turns after failures.
const MAX_RETRY_SECS: i64 = 3600;
/// A batch ends early at this many bytes, whatever its count.
const BATCH_BYTES: u64 = 16 * 1024 * 1024;

/// Wakes the copiers of this process: a copy was queued.
pub fn wake() {
    waker().notify_waiters();
}

fn waker() -> &'static Notify {
    static WAKE: OnceLock<Notify> = OnceLock::new();
    WAKE.get_or_init(Notify::new)
}

struct Copier {
    backend: Backend,
    limits: Limits,
    /// This process's name on the leases it takes.
    owner: String,
    running: Arc<Semaphore>,
    /// Per old server (`host:port`): its connection limit.
    servers: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Copier {
    fn server(&self, server: &str) -> Arc<Semaphore> {
        let mut servers = self.servers.lock().expect("not poisoned");
        servers
            .entry(server.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_server.max(1))))
            .clone()
    }
}

/// Works on due copies until `shutdown`; wakes when a copy is queued and every few seconds.
/// When mailboxes are delivered over LMTP there is no Maildir here to copy into, and it
/// does nothing.
pub async fn run(
    backend: Backend,
    limits: Limits,
    local_delivery: bool,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if !local_delivery {
        return;
    }
    tokio::pin!(shutdown);
    // A single instance's leases are its own earlier run's: nobody else is working on them.
    if backend.pool.kind() == Kind::Sqlite {
        if let Err(e) = store::migrations::release_all(&backend.pool).await {
            tracing::warn!(error = %e, "auto migration: could not release the last run's copies");
        }
    }
    let copier = Arc::new(Copier {
        owner: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
        running: Arc::new(Semaphore::new(limits.running.max(1))),
        servers: Mutex::new(HashMap::new()),
        backend,
        limits,
    });
    let mut turns = tokio::task::JoinSet::new();
    loop {
        let wake = waker().notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        if let Err(e) = start_due(&copier, &mut turns).await {
            tracing::warn!(error = %e, "auto migration: could not look for copies to do");
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = wake => {},
            Some(_) = turns.join_next(), if !turns.is_empty() => {},
            _ = tokio::time::sleep(Duration::from_secs(2)) => {},
        }
    }
    // What was written and not yet recorded is found by name next time.
    turns.abort_all();
    while turns.join_next().await.is_some() {}
    // Another instance (or this one started again) may take them up at once.
    if let Err(e) = store::migrations::release(&copier.backend.pool, &copier.owner).await {
        tracing::warn!(error = %e, "auto migration: could not release the copies under way");
    }
}

/// Takes the due copies that fit within the limits and starts a turn for each.
async fn start_due(
    copier: &Arc<Copier>,
    turns: &mut tokio::task::JoinSet<()>,
) -> Result<(), sqlx::Error> {
    let now = copier.backend.clock.now();
    let due = store::migrations::due(&copier.backend.pool, now, 64).await?;
    for (id, server) in due {
        let Ok(slot) = copier.running.clone().try_acquire_owned() else {
            break;
        };
        let Ok(connection) = copier.server(&server).try_acquire_owned() else {
            continue;
        };
        let until = now + copier.limits.lease_secs;
        let Some(job) =
            store::migrations::claim(&copier.backend.pool, id, &copier.owner, until, now).await?
        else {
            continue;
        };
        let copier = copier.clone();
        turns.spawn(async move {
            turn(&copier, job, (slot, connection)).await;
        });
    }
    Ok(())
}

/// Why a turn stopped before the copy was complete.
enum Stop {
    /// Cancelled, or taken over: the copy is no longer this turn's to record.
    Lost,
    /// Worth another try later (the server is down, the connection broke).
    Transient(String),
    /// Not worth trying again without someone's help (the password is no longer accepted).
    Failed(String),
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Self {
        Stop::Transient(format!("the portal's database: {e}"))
    }
}

async fn turn(copier: &Copier, job: Job, _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit)) {
    let backend = &copier.backend;
    let result = copy(copier, &job).await;
    let now = backend.clock.now();
    let ending = match &result {
        Ok(()) => Ending::Done,
        Err(Stop::Lost) => return,
        Err(Stop::Failed(error)) => Ending::Failed { error },
        Err(Stop::Transient(error)) if job.attempts + 1 >= MAX_ATTEMPTS => {
            tracing::warn!(id = job.id, %error, "auto migration: giving up after {MAX_ATTEMPTS} tries");
            Ending::Failed { error }
        }
        Err(Stop::Transient(error)) => {
            let wait =
                (copier.limits.retry_secs.max(1) << job.attempts.clamp(0, 12)).min(MAX_RETRY_SECS);
            Ending::Retry {
                error,
                next_try_at: now + wait,
            }
        }
    };
    if let Err(e) =
        store::migrations::end_turn(&backend.pool, job.id, &copier.owner, ending, now).await
    {
        tracing::warn!(id = job.id, error = %e, "auto migration: could not record the end of a turn");
    }
}

/// One turn: log in, list the folders, copy what each still holds.
async fn copy(copier: &Copier, job: &Job) -> Result<(), Stop> {
    let backend = &copier.backend;
    let password = job
        .secret
        .as_deref()
        .and_then(|sealed| open(backend, job.account_id, sealed))
        .ok_or_else(|| {
            Stop::Failed(
                "The old password is not kept any more (or server.key changed). The user can \
                 copy again from My account → Mail migration."
                    .into(),
            )
        })?;
    let destination = Destination::parse(&job.server).map_err(Stop::Failed)?;
    let security = Security::parse(&job.security).map_err(Stop::Failed)?;
    let server = imap::Server {
        destination: &destination,
        security,
        allow_local: routing::allow_local(backend)
            .await
            .map_err(|e| Stop::Transient(e.to_string()))?,
    };
    let mut session = match imap::log_in(&backend.settings, &server, &job.login, &password).await {
        Ok(s) => s,
        Err(imap::Failure::Refused) => {
            return Err(Stop::Failed(
                "The old server no longer accepts the password (was it changed there?). The \
                 user can copy again from My account → Mail migration with the new one."
                    .into(),
            ))
        }
        Err(imap::Failure::Unreachable(why)) => return Err(Stop::Transient(why)),
    };
    let result = copy_folders(copier, job, &mut session).await;
    imap::log_out(session).await;
    result
}

async fn copy_folders(copier: &Copier, job: &Job, session: &mut ImapSession) -> Result<(), Stop> {
    let pool = &copier.backend.pool;
    let listed = within(imap::folders(session))
        .await?
        .map_err(Stop::Transient)?;
    let found: Vec<(String, String)> = listed.into_iter().map(|f| (f.name, f.target)).collect();
    store::migrations::add_folders(pool, job.id, &found, copier.backend.clock.now()).await?;
    let folders = store::migrations::folders(pool, job.id).await?;
    // Totals from the start, so that progress means something before each folder is open.
    for folder in folders.iter().filter(|f| !f.done && f.uid_validity == 0) {
        let status = within(session.status(&folder.name, "(MESSAGES)")).await?;
        imap::drain(session);
        if let Ok(found) = status {
            let now = copier.backend.clock.now();
            store::migrations::estimate(pool, job.id, folder.id, found.exists.into(), now).await?;
        }
    }
    let mailbox = maildir::mailbox_dir(&copier.backend.settings.data_dir, &job.email);
    for folder in folders {
        if folder.done {
            continue;
        }
        keep(copier, job).await?;
        copy_folder(copier, job, session, &folder, &mailbox).await?;
    }
    Ok(())
}

/// Renews the lease, or stops when the copy is no longer this turn's (cancelled).
async fn keep(copier: &Copier, job: &Job) -> Result<(), Stop> {
    let now = copier.backend.clock.now();
    let until = now + copier.limits.lease_secs;
    if store::migrations::renew(&copier.backend.pool, job.id, &copier.owner, until, now).await? {
        Ok(())
    } else {
        Err(Stop::Lost)
    }
}

/// An IMAP command's future within the command time limit.
async fn within<T>(work: impl std::future::Future<Output = T>) -> Result<T, Stop> {
    tokio::time::timeout(Duration::from_secs(imap::COMMAND_SECS), work)
        .await
        .map_err(|_| {
            Stop::Transient(format!(
                "the old server did not answer within {} seconds",
                imap::COMMAND_SECS
            ))
        })
}

async fn copy_folder(
    copier: &Copier,
    job: &Job,
    session: &mut ImapSession,
    folder: &Folder,
    mailbox: &Path,
) -> Result<(), Stop> {
    let pool = &copier.backend.pool;
    let shown = imap::readable(&folder.name);
    let opened = within(session.examine(&folder.name)).await?;
    imap::drain(session);
    let opened = match opened {
        Ok(m) => m,
        // Gone since it was listed, or not to be opened: the rest of the mail goes on.
        Err(async_imap::error::Error::No(why)) => {
            let error = format!("The folder {shown} could not be opened on the old server: {why}");
            let now = copier.backend.clock.now();
            store::migrations::folder_done(pool, job.id, folder.id, Some(&error), now).await?;
            store::migrations::add_error(pool, job.id, &error, now).await?;
            return Ok(());
        }
        Err(e) => return Err(Stop::Transient(format!("EXAMINE {shown} failed: {e}"))),
    };
    let validity = i64::from(opened.uid_validity.unwrap_or(0));
    let after = if validity == folder.uid_validity {
        folder.last_uid
    } else {
        0
    };
    let left = if opened.exists == 0 {
        Vec::new()
    } else {
        list_left(session, after).await?
    };
    let now = copier.backend.clock.now();
    store::migrations::open_folder(pool, job.id, folder.id, validity, left.len() as i64, now)
        .await?;
    let dir = folder_dir(mailbox, &folder.target);
    let key = NameKey {
        migration_id: job.id,
        uid_validity: validity,
    };
    let present = {
        let (at, key) = (dir.clone(), key.clone());
        tokio::task::spawn_blocking(move || key.present(&at))
            .await
            .map_err(|e| Stop::Transient(e.to_string()))?
            .map_err(|e| Stop::Transient(format!("reading {}: {e}", dir.display())))?
    };
    for batch in batches(&left, copier.limits.batch.max(1)) {
        keep(copier, job).await?;
        let wanted: Vec<u32> = batch
            .iter()
            .map(|(uid, _)| *uid)
            .filter(|uid| !present.contains(uid))
            .collect();
        let messages = if wanted.is_empty() {
            Vec::new()
        } else {
            fetch(session, &wanted).await?
        };
        let bytes: u64 = messages.iter().map(|m| m.body.len() as u64).sum();
        let written = messages.len() + (batch.len() - wanted.len());
        {
            let (at, key, sub) = (dir.clone(), key.clone(), !folder.target.is_empty());
            tokio::task::spawn_blocking(move || write_batch(&at, sub, &key, &messages))
                .await
                .map_err(|e| Stop::Transient(e.to_string()))?
                .map_err(|e| Stop::Transient(format!("writing into {}: {e}", dir.display())))?;
        }
        let last = batch.last().map_or(after, |(uid, _)| i64::from(*uid));
        let now = copier.backend.clock.now();
        let copied = Batch {
            migration_id: job.id,
            account_id: job.account_id,
            folder_id: folder.id,
            last_uid: last,
            count: written as i64,
            bytes: bytes as i64,
        };
        store::migrations::copied(pool, &copied, now).await?;
        if !copier.limits.pause.is_zero() {
            tokio::time::sleep(copier.limits.pause).await;
        }
    }
    let now = copier.backend.clock.now();
    store::migrations::folder_done(pool, job.id, folder.id, None, now).await?;
    Ok(())
}

/// The UIDs after `after` with their sizes, in UID order.
async fn list_left(session: &mut ImapSession, after: i64) -> Result<Vec<(u32, u32)>, Stop> {
    let range = format!("{}:*", after + 1);
    let fetched = uid_fetch(session, &range, "(UID RFC822.SIZE)", "listing messages").await?;
    // `n:*` names the last message even when its UID is below n.
    let mut left: Vec<(u32, u32)> = fetched
        .iter()
        .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
        .filter(|(uid, _)| i64::from(*uid) > after)
        .collect();
    left.sort_unstable();
    left.dedup_by_key(|(uid, _)| *uid);
    Ok(left)
}

/// `UID FETCH uids query`, whole, within the command time limit; `doing` names it in the
/// error.
async fn uid_fetch(
    session: &mut ImapSession,
    uids: &str,
    query: &str,
    doing: &str,
) -> Result<Vec<async_imap::types::Fetch>, Stop> {
    let fetched = within(async {
        match session.uid_fetch(uids, query).await {
            Ok(stream) => stream.try_collect::<Vec<_>>().await,
            Err(e) => Err(e),
        }
    })
    .await?;
    imap::drain(session);
    fetched.map_err(|e| Stop::Transient(format!("{doing} failed: {e}")))
}

/// Consecutive runs of `left` of at most `count` messages and about `BATCH_BYTES`.
fn batches(left: &[(u32, u32)], count: usize) -> Vec<&[(u32, u32)]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0u64;
    for (i, (_, size)) in left.iter().enumerate() {
        if i > start && (i - start >= count || bytes + u64::from(*size) > BATCH_BYTES) {
            out.push(&left[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += u64::from(*size);
    }
    if start < left.len() {
        out.push(&left[start..]);
    }
    out
}

/// A message as fetched: what the Maildir file needs.
struct Fetched {
    uid: u32,
    /// Maildir flag letters, in ASCII order.
    flags: String,
    /// The old server's INTERNALDATE (when it received the message).
    received: Option<i64>,
    body: Vec<u8>,
}

async fn fetch(session: &mut ImapSession, uids: &[u32]) -> Result<Vec<Fetched>, Stop> {
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let query = "(UID FLAGS INTERNALDATE BODY.PEEK[])";
    let fetched = uid_fetch(session, &set, query, "fetching messages").await?;
    // A message expunged since it was listed comes back without a body, or not at all.
    Ok(fetched
        .iter()
        .filter_map(|f| {
            Some(Fetched {
                uid: f.uid?,
                flags: maildir_flags(f.flags()),
                received: f.internal_date().map(|d| d.timestamp()),
                body: f.body()?.to_vec(),
            })
        })
        .collect())
}

/// IMAP system flags as Maildir's info letters (`D`raft, `F`lagged, `R`eplied, `S`een,
/// `T`rashed), sorted as Maildir wants. Keywords are not carried: Maildir keeps them in a
/// per-folder list of its own.
fn maildir_flags<'a>(flags: impl Iterator<Item = Flag<'a>>) -> String {
    let mut letters: Vec<char> = flags
        .filter_map(|f| match f {
            Flag::Draft => Some('D'),
            Flag::Flagged => Some('F'),
            Flag::Answered => Some('R'),
            Flag::Seen => Some('S'),
            Flag::Deleted => Some('T'),
            _ => None,
        })
        .collect();
    letters.sort_unstable();
    letters.dedup();
    letters.into_iter().collect()
}

/// The folder's directory: the mailbox itself for INBOX, else `.Name` inside it.
fn folder_dir(mailbox: &Path, target: &str) -> PathBuf {
    if target.is_empty() {
        mailbox.to_path_buf()
    } else {
        mailbox.join(target)
    }
}

/// The part of a copied message's file name that says which old message it is: the copy,
/// the folder's UIDVALIDITY and the UID (`M12V1700000000U345`).
#[derive(Clone)]
struct NameKey {
    migration_id: i64,
    uid_validity: i64,
}

impl NameKey {
    fn prefix(&self) -> String {
        format!("M{}V{}U", self.migration_id, self.uid_validity)
    }

    /// `<received>.M<copy>V<validity>U<uid>.mailportal,S=<size>:2,<flags>`: unique, and
    /// the same for the same old message.
    fn file_name(&self, m: &Fetched, received: i64) -> String {
        format!(
            "{received}.{}{}.mailportal,S={}:2,{}",
            self.prefix(),
            m.uid,
            m.body.len(),
            m.flags
        )
    }

    /// The UIDs already copied into `dir` under this key (in `cur/` or `new/`, whatever
    /// the user's mail app did to them since).
    fn present(&self, dir: &Path) -> io::Result<HashSet<u32>> {
        let prefix = format!(".{}", self.prefix());
        let mut found = HashSet::new();
        for sub in ["cur", "new"] {
            let entries = match fs::read_dir(dir.join(sub)) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let name = entry?.file_name();
                let name = name.to_string_lossy();
                let Some(at) = name.find(&prefix) else {
                    continue;
                };
                let digits: String = name[at + prefix.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(uid) = digits.parse() {
                    found.insert(uid);
                }
            }
        }
        Ok(found)
    }
}

/// Writes a batch into the folder's `cur/` (the flags are in the names): each file whole
/// in `tmp/`, flushed, dated, then renamed; the directory is flushed once at the end.
fn write_batch(dir: &Path, subfolder: bool, key: &NameKey, messages: &[Fetched]) -> io::Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    create(dir, subfolder)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for m in messages {
        let received = m.received.unwrap_or(now);
        let name = key.file_name(m, received);
        let tmp = dir.join("tmp").join(&name);
        {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            file.write_all(&m.body)?;
            // Dovecot reads a Maildir message's received date (INTERNALDATE) from its
            // modification time.
            let when = UNIX_EPOCH + Duration::from_secs(received.max(0) as u64);
            file.set_times(FileTimes::new().set_modified(when).set_accessed(when))?;
            file.sync_all()?;
        }
        fs::rename(&tmp, dir.join("cur").join(&name))?;
    }
    File::open(dir.join("cur"))?.sync_all()
}

/// The folder's `tmp/`, `new/` and `cur/`; a subfolder also gets the `maildirfolder`
/// marker Maildir++ readers expect.
fn create(dir: &Path, subfolder: bool) -> io::Result<()> {
    if dir.join("cur").is_dir() {
        return Ok(());
    }
    for sub in ["tmp", "new", "cur"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    if subfolder {
        File::create(dir.join("maildirfolder"))?.sync_all()?;
    }
    File::open(dir)?.sync_all()?;
    if let Some(parent) = dir.parent() {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_a_count_or_a_size() {
        let left: Vec<(u32, u32)> = (1..=7).map(|uid| (uid, 10)).collect();
        let sizes: Vec<usize> = batches(&left, 3).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [3, 3, 1]);
        // A message as big as a batch goes alone.
        let big = [(1, 10), (2, BATCH_BYTES as u32), (3, 10), (4, 10)];
        let sizes: Vec<usize> = batches(&big, 50).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [1, 1, 2]);
        assert!(batches(&[], 5).is_empty());
    }

    #[test]
    fn flags_become_sorted_maildir_letters() {
        let flags = [
            Flag::Seen,
            Flag::Flagged,
            Flag::Recent,
            Flag::Answered,
            Flag::Seen,
        ];
        assert_eq!(maildir_flags(flags.into_iter()), "FRS");
        assert_eq!(
            maildir_flags([Flag::Deleted, Flag::Draft].into_iter()),
            "DT"
        );
        assert_eq!(maildir_flags(std::iter::empty()), "");
    }

    #[test]
    fn a_batch_is_found_again_by_name_and_keeps_its_date() {
        let dir = tempfile_dir();
        let key = NameKey {
            migration_id: 7,
            uid_validity: 99,
        };
        let messages = vec![
            Fetched {
                uid: 3,
                flags: "S".into(),
                received: Some(1_600_000_000),
                body: b"Subject: a\r\n\r\nx\r\n".to_vec(),
            },
            Fetched {
                uid: 12,
                flags: String::new(),
                received: None,
                body: b"Subject: b\r\n\r\ny\r\n".to_vec(),
            },
        ];
        let folder = dir.join(".Archive");
        write_batch(&folder, true, &key, &messages).unwrap();
        assert!(folder.join("maildirfolder").is_file());
        let present = key.present(&folder).unwrap();
        assert_eq!(present, HashSet::from([3, 12]));
        let other = NameKey {
            migration_id: 7,
            uid_validity: 100,
        };
        assert!(other.present(&folder).unwrap().is_empty());
        let first = folder
            .join("cur")
            .join("1600000000.M7V99U3.mailportal,S=17:2,S");
        let modified = fs::metadata(&first).unwrap().modified().unwrap();
        assert_eq!(modified, UNIX_EPOCH + Duration::from_secs(1_600_000_000));
        assert_eq!(fs::read(&first).unwrap(), b"Subject: a\r\n\r\nx\r\n");
        assert_eq!(fs::read_dir(folder.join("tmp")).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("migration-test-{nanos}"));
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}
