//! What happens to a message once DATA ended: judged (`judge`), then delivered, kept in
//! quarantine or refused, and the log row written.

use super::{
    judge::{judge, Judgement, Quarantined},
    lists::Listing,
    maildir, queue,
    recipients::{Refusal, Resolved, Target, Via},
    smtp::{data::DataError, Server},
    writer::Write,
};
use crate::{
    backend::store::{
        self,
        mail_log::{Entry, Recipient},
        quarantine::Kept,
        queue::{NewCopy, Via as QueueVia},
    },
    model::{
        domain_settings::DEFAULT_RETRY_DAYS,
        mail_log::{Evidence, Verdict},
        time::format_rfc5322,
        verdict_words::decided,
    },
};
use std::net::IpAddr;

/// The client as the session knows it.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: IpAddr,
    /// The name it gave in EHLO or HELO (printable ASCII only).
    pub helo: String,
    /// The TLS session after STARTTLS, e.g. `TLSv1.3 with cipher …`; `None` in the clear.
    pub tls: Option<String>,
}

/// One mail transaction's envelope.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// As given in MAIL FROM; empty for the null sender.
    pub sender: String,
    pub recipients: Vec<Resolved>,
    /// Recipients refused at RCPT (lower case) and why.
    pub refused: Vec<(String, Refusal)>,
    /// The client IP's listing for the recipients' domain (id), once looked up at RCPT.
    pub client_listing: Option<(i64, Option<Listing>)>,
}

impl Envelope {
    pub fn new(sender: String) -> Self {
        Envelope {
            sender,
            recipients: Vec::new(),
            refused: Vec::new(),
            client_listing: None,
        }
    }

    pub fn client_listing(&self) -> Option<&Listing> {
        self.client_listing.as_ref().and_then(|(_, l)| l.as_ref())
    }
}

/// Judges and delivers one message; the reply for the client.
pub async fn accept(
    server: &Server,
    client: &Client,
    mut envelope: Envelope,
    message: Result<Vec<u8>, DataError>,
) -> String {
    let mut log = log_entry(server, client, &envelope);
    let queue_id = log.queue_id.clone();
    let reply = match message {
        Err(e) => {
            log.summary = decided("Refused", e.reason());
            log.evidence.push(Evidence::new("data", e.reason()));
            log.verdict = Verdict::Rejected;
            e.reply().to_string()
        }
        Ok(message) => {
            log.size = message.len() as i64;
            let header = mail_parser::MessageParser::new().parse_headers(&message);
            read_headers(header.as_ref(), &mut log);
            let judged = judge(
                server,
                client,
                &mut envelope,
                &message,
                header.as_ref(),
                &mut log,
            );
            match judged.await {
                Judgement::Pass(judged) => {
                    let message =
                        with_headers(&judged.headers, judged.subject_tag.as_deref(), &message);
                    let reply =
                        deliver(server, client, &envelope, &queue_id, message, &mut log).await;
                    if reply.starts_with("250") {
                        if judged.whitelisted {
                            log.verdict = Verdict::Whitelisted;
                        } else if judged.tagged {
                            log.verdict = Verdict::Tagged;
                        }
                    }
                    reply
                }
                Judgement::Refuse(reply) => reply,
                Judgement::Quarantine(q) => {
                    quarantine(server, client, &envelope, &queue_id, &message, q, &mut log).await
                }
            }
        }
    };
    log.reply = reply.clone();
    write_log(server, log).await;
    reply
}

/// Logs a transaction whose every recipient was refused at RCPT.
pub async fn log_refused(server: &Server, client: &Client, envelope: Envelope) {
    let mut log = log_entry(server, client, &envelope);
    if let Some((_, refusal)) = envelope.refused.last() {
        log.reply = refusal.reply().to_string();
        log.summary = decided(
            "Refused",
            &format!("no recipient was taken ({})", refusal.reply()),
        );
    }
    if envelope
        .refused
        .iter()
        .any(|(_, r)| *r == Refusal::Blacklisted)
    {
        log.verdict = Verdict::Blacklisted;
        if let Some(listing) = envelope.client_listing() {
            log.summary = decided("Refused", &listing.describe());
        }
    }
    write_log(server, log).await;
}

/// A transaction's log row before any stage ran: rejected until a stage says otherwise.
fn log_entry(server: &Server, client: &Client, envelope: &Envelope) -> Entry {
    let mut evidence = recipient_evidence(envelope);
    if let Some(listing) = envelope.client_listing() {
        evidence.push(Evidence::new("lists", listing.describe()));
    }
    Entry {
        at: server.backend.clock.now(),
        queue_id: queue_id(),
        client_ip: client.ip.to_string(),
        helo: client.helo.clone(),
        sender: envelope.sender.clone(),
        from_header: String::new(),
        subject: String::new(),
        size: 0,
        verdict: Verdict::Rejected,
        score: None,
        summary: String::new(),
        spf_failed: false,
        reply: String::new(),
        evidence,
        recipients: logged_recipients(envelope),
        sample: None,
    }
}

/// Header fields only this server may set; a message arriving with them loses them, so
/// that a sender cannot mark its own mail as clean.
const OWN_FIELDS: [&str; 3] = ["x-spam", "x-spam-score", "x-recommended-action"];

/// Keeps the message in quarantine; the reply is the refusal, or 250 when the domain
/// answers quarantined mail with 2xx.
async fn quarantine(
    server: &Server,
    client: &Client,
    envelope: &Envelope,
    queue_id: &str,
    message: &[u8],
    q: Quarantined,
    log: &mut Entry,
) -> String {
    let now = server.backend.clock.now();
    let mut file = received(server, client, envelope, queue_id, now).into_bytes();
    file.extend_from_slice(&with_headers(&q.headers, None, message));
    let kept = Kept {
        queue_id: queue_id.to_string(),
        domain_id: envelope.recipients.first().map_or(0, |r| r.domain_id),
        at: now,
        expires_at: now + i64::from(q.days) * 86_400,
        sender: envelope.sender.clone(),
        from_header: log.from_header.clone(),
        subject: log.subject.clone(),
        score: q.score,
        reason: q.reason.clone(),
        spf_failed: log.spf_failed,
        size: file.len() as i64,
        recipients: envelope
            .recipients
            .iter()
            .map(|r| r.address.clone())
            .collect(),
    };
    if let Err(e) = super::quarantine::keep(server, kept, file).await {
        tracing::error!(error = %e, %queue_id, "could not keep a message in quarantine");
        log.verdict = Verdict::Deferred;
        log.evidence.push(Evidence::new(
            "quarantine",
            format!("could not be stored: {e}"),
        ));
        return "451 4.3.0 Temporary failure: try again later".into();
    }
    log.verdict = Verdict::Quarantined;
    log.evidence.push(Evidence::new(
        "quarantine",
        format!("{}: kept {} days", q.reason, q.days),
    ));
    q.refusal
        .unwrap_or_else(|| format!("250 2.0.0 Ok: queued as {queue_id}"))
}

/// `headers` in front of the message, whose own copies of those fields are dropped, and
/// `subject_tag` in front of its subject (or as its subject when it has none).
fn with_headers(headers: &str, subject_tag: Option<&str>, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(headers.len() + message.len() + 64);
    out.extend_from_slice(headers.as_bytes());
    let end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message.len(), |i| i + 2);
    let mut dropping = false;
    let mut tag = subject_tag;
    for line in message[..end].split_inclusive(|&b| b == b'\n') {
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !folded {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
            let field = line.contains(&b':');
            dropping = field && OWN_FIELDS.contains(&name.as_str());
            if let Some(t) = tag.filter(|_| field && name == "subject") {
                tag = None;
                let value = &line[line.iter().position(|&b| b == b':').map_or(0, |i| i + 1)..];
                let value = value.strip_prefix(b" ").unwrap_or(value);
                out.extend_from_slice(b"Subject: ");
                // Tagged once: a message tagged on an earlier hop keeps one tag.
                if !value.starts_with(t.as_bytes()) {
                    out.extend_from_slice(t.as_bytes());
                    out.push(b' ');
                }
                out.extend_from_slice(value);
                continue;
            }
        }
        if !dropping {
            out.extend_from_slice(line);
        }
    }
    if let Some(t) = tag {
        let mut with_subject = format!("Subject: {t}\r\n").into_bytes();
        with_subject.extend_from_slice(&out);
        out = with_subject;
    }
    out.extend_from_slice(&message[end..]);
    out
}

async fn deliver(
    server: &Server,
    client: &Client,
    envelope: &Envelope,
    queue_id: &str,
    message: Vec<u8>,
    log: &mut Entry,
) -> String {
    let now = server.backend.clock.now();
    let mut traced = received(server, client, envelope, queue_id, now).into_bytes();
    traced.extend_from_slice(&message);
    let targets: Vec<Target> = envelope
        .recipients
        .iter()
        .flat_map(|r| r.targets.iter().cloned())
        .collect();
    match deliver_copies(server, queue_id, &envelope.sender, &targets, traced).await {
        Ok(done) => {
            log.verdict = if done.queued() > 0 {
                Verdict::Queued
            } else {
                Verdict::Delivered
            };
            log.evidence
                .push(Evidence::new("delivery", done.describe()));
            format!("250 2.0.0 Ok: queued as {queue_id}")
        }
        Err(e) => {
            tracing::error!(error = %e, %queue_id, "delivery failed");
            log.verdict = Verdict::Deferred;
            log.evidence.push(Evidence::new(
                "delivery",
                format!("could not be stored: {e}"),
            ));
            "451 4.3.0 Temporary failure: try again later".into()
        }
    }
}

/// What `deliver_copies` did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delivered {
    /// Mailboxes written here.
    pub local: usize,
    /// Copies for mailboxes here queued for the LMTP server.
    pub lmtp: usize,
    /// Copies queued for other servers.
    pub remote: usize,
}

impl Delivered {
    pub fn queued(&self) -> usize {
        self.lmtp + self.remote
    }

    /// For the log, e.g. "written to 2 local mailboxes, 1 copy queued for other servers".
    pub fn describe(&self) -> String {
        let n = |count: usize, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        let mut parts = Vec::new();
        if self.local > 0 || self.queued() == 0 {
            parts.push(format!(
                "written to {}",
                n(self.local, "local mailbox", "local mailboxes")
            ));
        }
        if self.lmtp > 0 {
            parts.push(format!(
                "{} queued for LMTP",
                n(self.lmtp, "copy", "copies")
            ));
        }
        if self.remote > 0 {
            parts.push(format!(
                "{} queued for other servers",
                n(self.remote, "copy", "copies")
            ));
        }
        parts.join(", ")
    }
}

/// Writes the local copies into Maildir (or queues them for LMTP, when configured) and
/// queues the others; returns once all are on disk. `message` carries its trace headers
/// already.
pub async fn deliver_copies(
    server: &Server,
    queue_id: &str,
    sender: &str,
    targets: &[Target],
    message: Vec<u8>,
) -> std::io::Result<Delivered> {
    let now = server.backend.clock.now();
    let mut mailboxes: Vec<(i64, String)> = Vec::new();
    let mut copies = Vec::new();
    let mut done = Delivered::default();
    for target in targets {
        match target {
            Target::Mailbox {
                account_id,
                address,
                domain_id,
                ..
            } => {
                // An alias and its mailbox both named: one copy.
                if mailboxes.iter().any(|(id, _)| id == account_id) {
                    continue;
                }
                mailboxes.push((*account_id, address.clone()));
                if server.lmtp.is_some() {
                    copies.push(
                        new_copy(server, address, Some(*domain_id), QueueVia::Lmtp, None, now)
                            .await?,
                    );
                    done.lmtp += 1;
                }
            }
            Target::Remote { address, via } => {
                copies.push(queued_copy(server, address, via, now).await?);
                done.remote += 1;
            }
        }
    }
    let message = std::sync::Arc::new(message);
    if !copies.is_empty() {
        queue::spool(server, queue_id, sender, &copies, message.clone()).await?;
    }
    if server.lmtp.is_none() && !mailboxes.is_empty() {
        done.local = mailboxes.len();
        into_maildir(server, queue_id, sender, mailboxes, &message).await?;
    }
    Ok(done)
}

/// Writes one message into the Maildirs of `mailboxes` (account id, address) and counts
/// it against their quotas.
pub(super) async fn into_maildir(
    server: &Server,
    queue_id: &str,
    sender: &str,
    mailboxes: Vec<(i64, String)>,
    message: &[u8],
) -> std::io::Result<()> {
    let backend = &server.backend;
    let mut file = format!("Return-Path: <{}>\r\n", printable(sender)).into_bytes();
    file.extend_from_slice(message);
    let size = file.len() as i64;
    let name = format!(
        "{}.{queue_id}.{}",
        backend.clock.now(),
        maildir_host(&server.hostname)
    );
    let (account_ids, dirs): (Vec<i64>, Vec<_>) = mailboxes
        .into_iter()
        .map(|(id, address)| {
            (
                id,
                maildir::mailbox_dir(&backend.settings.data_dir, &address),
            )
        })
        .unzip();
    tokio::task::spawn_blocking(move || maildir::deliver(&dirs, &name, &file))
        .await
        .map_err(std::io::Error::other)??;
    let used = Write::UsedBytes {
        account_ids,
        bytes: size,
    };
    // Committed with the next write that is waited for: the log row the reply waits for,
    // or the queue's removal of a copy.
    server.writer.hand_over(used).await;
    Ok(())
}

async fn queued_copy(
    server: &Server,
    address: &str,
    via: &Via,
    now: i64,
) -> std::io::Result<NewCopy> {
    let (domain_id, via, destination) = match via {
        Via::Routes { domain_id } => (Some(*domain_id), QueueVia::Routes, None),
        Via::Sdr {
            domain_id,
            destination,
        } => (Some(*domain_id), QueueVia::Sdr, Some(destination.clone())),
        Via::Forward => (None, QueueVia::Mx, None),
    };
    new_copy(server, address, domain_id, via, destination, now).await
}

/// A copy for the queue, to be bounced after the domain's retry days.
async fn new_copy(
    server: &Server,
    address: &str,
    domain_id: Option<i64>,
    via: QueueVia,
    destination: Option<String>,
    now: i64,
) -> std::io::Result<NewCopy> {
    let days = match domain_id {
        Some(id) => store::queue::retry_days(&server.backend.pool, id)
            .await
            .map_err(std::io::Error::other)?,
        None => DEFAULT_RETRY_DAYS,
    };
    Ok(NewCopy {
        recipient: address.to_string(),
        domain_id,
        via,
        destination,
        expires_at: now + i64::from(days) * 86_400,
    })
}

/// The `Received` header put in front of the message.
fn received(
    server: &Server,
    client: &Client,
    envelope: &Envelope,
    queue_id: &str,
    now: i64,
) -> String {
    let for_clause = match envelope.recipients.as_slice() {
        [only] => format!("\r\n\tfor <{}>", only.address),
        _ => String::new(),
    };
    // ESMTPS says the message came over TLS (RFC 3848), and how, as other MTAs write it.
    let (tls, with) = match &client.tls {
        Some(session) => (format!("\r\n\t(using {session})"), "ESMTPS"),
        None => (String::new(), "ESMTP"),
    };
    format!(
        "Received: from {} ([{}]){tls}\r\n\tby {} (Mail Portal) with {with} id {queue_id}{for_clause};\r\n\t{}\r\n",
        client.helo,
        client.ip,
        server.hostname,
        format_rfc5322(now)
    )
}

/// Header text from the client: printable ASCII only, so that nothing it sent can end a
/// header line early.
fn printable(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_graphic()).collect()
}

/// The host part of a Maildir file name may not hold `/` or `:`.
fn maildir_host(host: &str) -> String {
    host.replace('/', "\\057").replace(':', "\\072")
}

/// The MIME From and Subject for the log.
fn read_headers(header: Option<&mail_parser::Message<'_>>, log: &mut Entry) {
    let Some(parsed) = header else {
        return;
    };
    if let Some(from) = parsed.from().and_then(|f| f.first()) {
        log.from_header = from.address().unwrap_or_default().to_ascii_lowercase();
    }
    log.subject = parsed
        .subject()
        .unwrap_or_default()
        .chars()
        .take(500)
        .collect();
}

fn recipient_evidence(envelope: &Envelope) -> Vec<Evidence> {
    let accepted = envelope.recipients.iter().map(|r| {
        let targets: Vec<String> = r.targets.iter().map(describe).collect();
        Evidence::new(
            "recipient",
            format!("{}: {}", r.address, targets.join(", ")),
        )
    });
    let refused = envelope.refused.iter().map(|(address, refusal)| {
        Evidence::new("recipient", format!("{address}: {}", refusal.reply()))
    });
    accepted.chain(refused).collect()
}

fn describe(target: &Target) -> String {
    match target {
        Target::Mailbox { address, .. } => format!("mailbox {address}"),
        Target::Remote { address, via } => format!("{address} via {via:?}"),
    }
}

fn logged_recipients(envelope: &Envelope) -> Vec<Recipient> {
    let accepted = envelope.recipients.iter().map(|r| Recipient {
        address: r.address.clone(),
        domain_id: Some(r.domain_id),
        accepted: true,
    });
    let refused = envelope.refused.iter().map(|(address, _)| Recipient {
        address: address.clone(),
        domain_id: None,
        accepted: false,
    });
    accepted.chain(refused).collect()
}

/// Writes the log row; the client gets its reply after, so that what it was told is on
/// record.
async fn write_log(server: &Server, entry: Entry) {
    let queue_id = entry.queue_id.clone();
    server.backend.metrics.message(entry.verdict);
    if let Err(e) = server.writer.write(Write::Log(Box::new(entry))).await {
        tracing::error!(error = %e, %queue_id, "could not write the mail log");
    }
}

/// A queue id: 16 hex digits, random, so ids from several instances do not collide.
pub fn queue_id() -> String {
    format!("{:016X}", rand::random::<u64>())
}
