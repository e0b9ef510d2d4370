//! The Delivery queue screen: the copies waiting for another server or the mail store, as
//! their domains' admins see them (a master admin every copy), with a forced retry and a
//! deletion. (Delivering them is `mail::queue`.)

use super::{
    auth::ctx::UserCtx,
    learning,
    mail::{self, bayes::Sample, smtp::Server},
    mail_scope::admin_reader,
    store::{self, audit::AuditAction, queue::Listed, reader::Reader},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        email::printable_sender,
        learning::{Class, Learned},
        list::{like_pattern, page_number, selected, Done, Page},
        queue::{DeliveryQueue, QueueRow},
        time::UnixTime,
    },
};
use std::collections::{hash_map::Entry, HashMap};

/// What a refused reader tried, for the audit log.
const READ: &str = "read the delivery queue";

pub async fn list(
    backend: &Backend,
    user: UserCtx,
    search: &str,
    page: Option<i64>,
    now: UnixTime,
) -> Result<DeliveryQueue, AppError> {
    let (_, reader) = admin_reader(backend, user, READ, now).await?;
    let page = page_number(page);
    let (listed, total) =
        store::queue::page(&backend.pool, &reader, &like_pattern(search), page).await?;
    // Routes are read once per relay domain on the page.
    let mut routes: HashMap<i64, String> = HashMap::new();
    let mut rows = Vec::with_capacity(listed.len());
    for copy in listed {
        let route = match (copy.via.as_str(), copy.domain_id) {
            ("routes", Some(id)) => {
                let hosts = match routes.entry(id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(new) => new.insert(route_list(
                        &mail::queue::route_hosts(&backend.pool, id).await?,
                    )),
                };
                format!(
                    "routes of {}: {hosts}",
                    copy.domain.as_deref().unwrap_or("its domain"),
                )
            }
            _ => describe_route(&copy),
        };
        rows.push(row(copy, route, now));
    }
    Ok(DeliveryQueue {
        page: Page { rows, total, page },
        now,
    })
}

fn route_list(hosts: &[crate::model::route::Destination]) -> String {
    if hosts.is_empty() {
        return "none set".into();
    }
    hosts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a copy goes, for every way but a relay domain's routes (read from the store).
fn describe_route(copy: &Listed) -> String {
    let domain = |address: &str| address.rsplit_once('@').map_or("", |(_, d)| d).to_string();
    match copy.via.as_str() {
        "sdr" => format!(
            "split domain routing to {}",
            copy.destination.as_deref().unwrap_or("(not set)")
        ),
        "lmtp" => "the mail store, over LMTP".into(),
        "mx" => format!("the mail servers (MX) of {}", domain(&copy.recipient)),
        "routes" => "the relay domain's routes (its domain was deleted)".into(),
        other => other.to_string(),
    }
}

fn row(copy: Listed, route: String, now: UnixTime) -> QueueRow {
    QueueRow {
        id: copy.id,
        queue_id: copy.queue_id,
        sender: copy.sender,
        recipient: copy.recipient,
        route,
        created_at: copy.created_at,
        attempts: copy.attempts,
        next_attempt_at: copy.next_attempt_at,
        expires_at: copy.expires_at,
        last_error: copy.last_error,
        sending: copy.claimed_until > now,
    }
}

/// The copy `id`, when the reader may see it: another's is refused (audited), an unknown
/// one (delivered meanwhile) is `NotFound`.
async fn find(
    backend: &Backend,
    user: &UserCtx,
    reader: &Reader,
    id: i64,
    now: UnixTime,
) -> Result<Listed, AppError> {
    if let Some(found) = store::queue::find(&backend.pool, reader, id).await? {
        return Ok(found);
    }
    if store::queue::find(&backend.pool, &Reader::All, id)
        .await?
        .is_some()
    {
        let what = format!("act on the queued copy {id}, not of their domains");
        return Err(user.deny(backend, &what, now).await);
    }
    Err(AppError::NotAllowed(
        "One of the ticked copies has left the queue (delivered or bounced): reload the list."
            .into(),
    ))
}

/// The ticked copies (`ids[n]`), every one the caller's: one that is not refuses them all.
async fn ticked(
    backend: &Backend,
    user: UserCtx,
    ids: Option<Vec<i64>>,
    now: UnixTime,
) -> Result<(UserCtx, Vec<Listed>), AppError> {
    let ids = selected(ids).map_err(|r| AppError::invalid("ids", r))?;
    let (user, reader) = admin_reader(backend, user, READ, now).await?;
    let mut found = Vec::new();
    for id in ids {
        found.push(find(backend, &user, &reader, id, now).await?);
    }
    Ok((user, found))
}

/// Makes the ticked copies due now and wakes the queue; how many. A copy being sent right
/// now is left to that attempt.
pub async fn retry(
    backend: &Backend,
    mail: &Server,
    user: UserCtx,
    ids: Option<Vec<i64>>,
    now: UnixTime,
) -> Result<usize, AppError> {
    let (user, found) = ticked(backend, user, ids, now).await?;
    let mut retried = 0;
    for copy in &found {
        if !store::queue::retry_now(&backend.pool, copy.id, now).await? {
            continue;
        }
        let detail = format!(
            "retried the delivery of {} from {} to {} now",
            copy.queue_id,
            printable_sender(&copy.sender),
            copy.recipient
        );
        user.audit_in(
            backend,
            copy.domain_id,
            AuditAction::QueueRetried,
            &detail,
            now,
        )
        .await?;
        retried += 1;
    }
    mail.queue_ready.notify_one();
    Ok(retried)
}

/// Deletes the ticked copies: they are never delivered, and the sender is not told; with
/// `spam`, each message is reported as spam first. How many. The message's spool file goes
/// with its last copy.
pub async fn delete(
    backend: &Backend,
    user: UserCtx,
    ids: Option<Vec<i64>>,
    spam: bool,
    now: UnixTime,
) -> Result<Done, AppError> {
    let (user, found) = ticked(backend, user, ids, now).await?;
    let mut learned = Learned::default();
    for copy in &found {
        let path = mail::queue::spool_path(&backend.settings.data_dir, &copy.queue_id);
        let mut reported = "";
        // Several copies of one message are one message to learn. A spool file that cannot
        // be read is not learned, and the copy still goes.
        let message = match spam {
            true => tokio::fs::read(&path)
                .await
                .inspect_err(
                    |e| tracing::warn!(error = %e, path = %path.display(), "spool file unreadable"),
                )
                .ok(),
            false => None,
        };
        if let Some(message) = message {
            let sample = Sample::of(&message);
            let this = learning::report(backend, &user, vec![sample], Class::Spam, now).await?;
            if this.new + this.moved > 0 {
                reported = ", reported as spam";
            }
            learned += this;
        }
        let mut conn = backend.pool.acquire().await?;
        store::queue::remove(&mut conn.conn(), copy.id).await?;
        drop(conn);
        if store::queue::remaining(&backend.pool, &copy.queue_id).await? == 0 {
            if let Err(e) = tokio::fs::remove_file(&path).await {
                tracing::warn!(error = %e, path = %path.display(), "spool file not removed");
            }
        }
        let detail = format!(
            "deleted the queued copy of {} from {} to {}{reported}",
            copy.queue_id,
            printable_sender(&copy.sender),
            copy.recipient
        );
        user.audit_in(
            backend,
            copy.domain_id,
            AuditAction::QueueDeleted,
            &detail,
            now,
        )
        .await?;
    }
    let mut done = Done {
        count: found.len(),
        note: String::new(),
    };
    if spam {
        done.tell(&learned.words(Class::Spam));
    }
    Ok(done)
}
