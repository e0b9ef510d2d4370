//! The delivery queue: copies for other servers (relay domains, SDR, forwards), bounces,
//! and copies for mailboxes here when they are delivered over LMTP.
//!
//! `spool` writes the message to `<data>/spool/<queue_id>` and flushes it, then one
//! transaction adds a row per copy; only then does the client get its 250, so a crash
//! after it loses nothing. The worker takes due rows (holding each for a lease, so a
//! crashed attempt is taken up again), sends, and removes the row, or sets the next
//! attempt with back-off, or bounces once the domain's retry days are over.

use super::{
    outbound,
    outbound::Outcome,
    recipients::{self, Target},
    smtp::Server,
    writer::Write,
};
use crate::backend::store::db::Db;
use crate::{
    backend::store::{
        self,
        queue::{NewCopy, Queued, Via},
    },
    model::{
        route::Destination,
        time::{format_rfc5322, UnixTime},
    },
};
use std::{fs, io, path::PathBuf, sync::Arc, time::Duration};

/// Copies one worker round sends at once.
const BATCH: i64 = 32;
/// Seconds to the next attempt after the nth failure; the last repeats.
const BACKOFF: [i64; 6] = [60, 300, 900, 1800, 3600, 7200];

/// The spool file of a queued message.
pub fn spool_path(data_dir: &std::path::Path, queue_id: &str) -> PathBuf {
    data_dir.join("spool").join(queue_id)
}

/// Writes the message and queues its copies; returns once both are durable.
pub async fn spool(
    server: &Server,
    queue_id: &str,
    sender: &str,
    copies: &[NewCopy],
    message: Arc<Vec<u8>>,
) -> io::Result<()> {
    let backend = &server.backend;
    let path = spool_path(&backend.settings.data_dir, queue_id);
    tokio::task::spawn_blocking(move || write_durably(&path, &message))
        .await
        .map_err(io::Error::other)??;
    server
        .writer
        .write(Write::Enqueue {
            queue_id: queue_id.to_string(),
            sender: sender.to_string(),
            copies: copies.to_vec(),
            now: backend.clock.now(),
        })
        .await
        .map_err(io::Error::other)?;
    server.queue_ready.notify_one();
    Ok(())
}

/// Writes a file and flushes it and its directory: once this returns, a crash keeps it.
pub(super) fn write_durably(path: &std::path::Path, message: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(path);
    let created = !dir.is_dir();
    fs::create_dir_all(dir)?;
    let mut file = fs::File::create(path)?;
    std::io::Write::write_all(&mut file, message)?;
    file.sync_all()?;
    if created {
        if let Some(parent) = dir.parent() {
            fs::File::open(parent)?.sync_all()?;
        }
    }
    fs::File::open(dir)?.sync_all()
}

/// Delivers due copies until `shutdown`; wakes when mail is queued and every few seconds
/// for retries.
pub async fn run(server: Arc<Server>, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    if let Err(e) = store::queue::release_claims(&server.backend.pool).await {
        tracing::warn!(error = %e, "could not release the delivery claims of the last run");
    }
    loop {
        let sent = match deliver_due(&server).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "delivery queue round failed");
                0
            }
        };
        if sent > 0 {
            continue;
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = server.queue_ready.notified() => {},
            _ = tokio::time::sleep(Duration::from_secs(5)) => {},
        }
    }
}

/// One round: claims due copies and sends them side by side; how many it took.
pub async fn deliver_due(server: &Arc<Server>) -> Result<usize, crate::error::AppError> {
    let now = server.backend.clock.now();
    // Held for the lease (`delivery.lease_seconds`), so that a crashed attempt is taken
    // up again, here after a restart or by another instance.
    let lease_until = now + server.backend.settings.delivery_lease_secs;
    let due = store::queue::claim_due(&server.backend.pool, now, lease_until, BATCH).await?;
    let count = due.len();
    if count == 0 {
        return Ok(0);
    }
    let allow_local = crate::backend::routing::allow_local(&server.backend).await?;
    let mut attempts = tokio::task::JoinSet::new();
    for copy in due {
        let server = server.clone();
        attempts.spawn(async move {
            let queue_id = copy.queue_id.clone();
            if let Err(e) = attempt(&server, copy, allow_local).await {
                tracing::warn!(error = %e, %queue_id, "delivery attempt could not be recorded");
            }
        });
    }
    while attempts.join_next().await.is_some() {}
    Ok(count)
}

async fn attempt(server: &Server, copy: Queued, allow_local: bool) -> Result<(), String> {
    let backend = &server.backend;
    let path = spool_path(&backend.settings.data_dir, &copy.queue_id);
    let message = match tokio::fs::read(&path).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, queue_id = %copy.queue_id, "spool file missing: copy dropped");
            server.writer.write(Write::Dequeue { id: copy.id }).await?;
            return Ok(());
        }
    };
    let outcome = match copy.via {
        Via::Lmtp => super::lmtp::deliver(server, &copy, &message).await,
        _ => match hosts(server, &copy).await.map_err(|e| e.to_string())? {
            Ok(hosts) => {
                outbound::send(
                    &backend.settings,
                    &server.hostname,
                    &hosts,
                    allow_local,
                    &copy.sender,
                    &copy.recipient,
                    &message,
                )
                .await
            }
            Err(outcome) => outcome,
        },
    };
    let now = backend.clock.now();
    match outcome {
        Outcome::Delivered(reply) => {
            tracing::info!(queue_id = %copy.queue_id, recipient = %copy.recipient, %reply, "delivered");
            server.writer.write(Write::Dequeue { id: copy.id }).await?;
        }
        Outcome::Transient(error) if now < copy.expires_at => {
            let wait = BACKOFF[(copy.attempts as usize).min(BACKOFF.len() - 1)];
            tracing::info!(queue_id = %copy.queue_id, recipient = %copy.recipient, %error, wait, "delivery deferred");
            let next = now + wait;
            let retry = Write::RetryAt {
                id: copy.id,
                next,
                error,
            };
            server.writer.write(retry).await?;
        }
        Outcome::Transient(error) => {
            tracing::info!(queue_id = %copy.queue_id, recipient = %copy.recipient, %error, "retry days over: bouncing");
            bounce(server, &copy, "4.4.7", &error, &message).await;
            server.writer.write(Write::Dequeue { id: copy.id }).await?;
        }
        Outcome::Permanent(error) => {
            tracing::info!(queue_id = %copy.queue_id, recipient = %copy.recipient, %error, "delivery failed: bouncing");
            bounce(server, &copy, "5.0.0", &error, &message).await;
            server.writer.write(Write::Dequeue { id: copy.id }).await?;
        }
    }
    let left = store::queue::remaining(&backend.pool, &copy.queue_id)
        .await
        .map_err(|e| e.to_string())?;
    if left == 0 {
        tokio::fs::remove_file(&path).await.ok();
    }
    Ok(())
}

/// The servers to try for a copy, in order; or the outcome when there are none.
fn parse_all(texts: Vec<String>) -> Vec<Destination> {
    texts
        .iter()
        .filter_map(|t| Destination::parse(t).ok())
        .collect()
}

/// A relay domain's routes, in order.
pub async fn route_hosts(pool: &Db, domain_id: i64) -> Result<Vec<Destination>, sqlx::Error> {
    let routes = store::routes::list(pool, domain_id).await?;
    Ok(parse_all(
        routes.into_iter().map(|r| r.destination).collect(),
    ))
}

async fn hosts(
    server: &Server,
    copy: &Queued,
) -> Result<Result<Vec<Destination>, Outcome>, sqlx::Error> {
    let backend = &server.backend;
    let hosts = match copy.via {
        Via::Routes => match copy.domain_id {
            Some(id) => route_hosts(&backend.pool, id).await?,
            None => Vec::new(),
        },
        Via::Sdr => parse_all(copy.destination.iter().cloned().collect()),
        // Not a server found by name: `lmtp::deliver` takes these.
        Via::Lmtp => Vec::new(),
        Via::Mx => {
            let domain = copy
                .recipient
                .rsplit_once('@')
                .map(|(_, d)| d)
                .unwrap_or_default();
            match super::super::dns::mail_exchangers(&backend.settings, domain).await {
                Ok(hosts) if hosts.is_empty() => {
                    return Ok(Err(Outcome::Permanent(format!(
                        "{domain} takes no mail (null MX)"
                    ))))
                }
                Ok(hosts) => parse_all(hosts),
                Err(e) => {
                    return Ok(Err(Outcome::Transient(format!(
                        "MX lookup for {domain}: {e}"
                    ))))
                }
            }
        }
    };
    if hosts.is_empty() {
        return Ok(Err(Outcome::Transient(
            "no route to deliver to: the domain has none".into(),
        )));
    }
    Ok(Ok(hosts))
}

/// Tells the sender that a copy could not be delivered (RFC 3464 delivery status
/// notification). Never for a bounce itself (null sender): bounces do not bounce.
/// `status`: the RFC 3463 code of the failure (5.0.0 refused, 4.4.7 retried too long).
async fn bounce(server: &Server, copy: &Queued, status: &str, error: &str, original: &[u8]) {
    if copy.sender.is_empty() {
        tracing::warn!(queue_id = %copy.queue_id, recipient = %copy.recipient, "a bounce could not be delivered: dropped");
        return;
    }
    let backend = &server.backend;
    let now = backend.clock.now();
    let report = dsn(&server.hostname, copy, status, error, original, now);
    let queue_id = super::inbound::queue_id();
    // The sender is one of ours: straight into the mailbox; otherwise via its MX.
    let targets = match recipients::resolve(&backend.pool, &copy.sender).await {
        Ok(Ok(resolved)) => resolved.targets,
        _ => vec![Target::Remote {
            address: copy.sender.clone(),
            via: recipients::Via::Forward,
        }],
    };
    let result = super::inbound::deliver_copies(server, &queue_id, "", &targets, report).await;
    if let Err(e) = result {
        tracing::error!(error = %e, queue_id = %copy.queue_id, "could not queue a bounce");
    }
}

/// The bounce message: a readable part, the machine-readable status, the original headers.
fn dsn(
    hostname: &str,
    copy: &Queued,
    status: &str,
    error: &str,
    original: &[u8],
    now: UnixTime,
) -> Vec<u8> {
    let boundary = format!("{}/{hostname}", copy.queue_id);
    let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).collect() };
    let headers_end = original
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(original.len(), |i| i + 2);
    let mut out = format!(
        "From: Mail Delivery System <MAILER-DAEMON@{hostname}>\r\n\
         To: <{sender}>\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Date: {date}\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Your message could not be delivered to <{recipient}>.\r\n\
         \r\n\
         {reason}\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; {hostname}\r\n\
         \r\n\
         Final-Recipient: rfc822; {recipient}\r\n\
         Action: failed\r\n\
         Status: {status}\r\n\
         Diagnostic-Code: smtp; {reason}\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n",
        sender = clean(&copy.sender),
        recipient = clean(&copy.recipient),
        date = format_rfc5322(now),
        reason = clean(error),
    )
    .into_bytes();
    out.extend_from_slice(&original[..headers_end]);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}
