//! The Quarantine screens: the kept messages a reader may see (a master admin every
//! domain's, a domain admin their domains', a mail user the mail addressed to them), opened
//! without running any of it, released into the mailboxes or deleted; and the purge of
//! messages kept past their domain's quarantine days. (Keeping them is `mail::quarantine`.)

use super::{
    auth::ctx::UserCtx,
    learning,
    mail::{self, bayes::Sample, inbound::deliver_copies, recipients, smtp::Server},
    mail_scope::reader,
    sender_fixes::{self, Seen},
    store::{
        self,
        audit::AuditAction,
        quarantine::{Reader, Stored},
    },
    Backend,
};
use crate::{
    error::AppError,
    model::{
        email::printable_sender,
        learning::{Class, Learned},
        list::{like_pattern, page_number, selected, Done, Page},
        quarantine::{Quarantine, QuarantineRow, QuarantinedMessage, ScoreSide, RAW_LIMIT},
        time::UnixTime,
    },
};

/// What a refused reader tried, for the audit log.
const READ: &str = "read the quarantine";

fn row(stored: &Stored) -> QuarantineRow {
    QuarantineRow {
        id: stored.id,
        at: stored.at,
        expires_at: stored.expires_at,
        sender: stored.sender.clone(),
        from_header: stored.from_header.clone(),
        recipients: stored.recipients(),
        subject: stored.subject.clone(),
        score: stored.score,
        reason: stored.reason.clone(),
        spf_failed: stored.spf_failed,
        size: stored.size,
        domain: stored.domain.clone(),
    }
}

pub async fn list(
    backend: &Backend,
    user: UserCtx,
    search: &str,
    page: Option<i64>,
    now: UnixTime,
) -> Result<Quarantine, AppError> {
    let (_, reader, domains) = reader(backend, user, READ, now).await?;
    let page = page_number(page);
    let (rows, total) =
        store::quarantine::page(&backend.pool, &reader, &like_pattern(search), page).await?;
    Ok(Quarantine {
        page: Page {
            rows: rows.iter().map(row).collect(),
            total,
            page,
        },
        domains,
        learned: learning::counts(backend),
    })
}

/// The kept message `id`, when the reader may see it: another's is refused (audited), an
/// unknown one is `NotFound`.
pub(super) async fn find(
    backend: &Backend,
    user: &UserCtx,
    reader: &Reader,
    id: i64,
    now: UnixTime,
) -> Result<Stored, AppError> {
    if let Some(found) = store::quarantine::find(&backend.pool, reader, id).await? {
        return Ok(found);
    }
    if store::quarantine::find(&backend.pool, &Reader::All, id)
        .await?
        .is_some()
    {
        let what = format!("open the quarantined message {id}, not theirs");
        return Err(user.deny(backend, &what, now).await);
    }
    Err(AppError::NotFound)
}

pub async fn message(
    backend: &Backend,
    user: UserCtx,
    id: i64,
    now: UnixTime,
) -> Result<QuarantinedMessage, AppError> {
    let (user, reader, _) = reader(backend, user, READ, now).await?;
    let stored = find(backend, &user, &reader, id, now).await?;
    let raw = read_file(backend, &stored).await?;
    Ok(read_message(row(&stored), &raw))
}

async fn read_file(backend: &Backend, stored: &Stored) -> Result<Vec<u8>, AppError> {
    let path = mail::quarantine::path(&backend.settings.data_dir, &stored.queue_id);
    tokio::fs::read(&path).await.map_err(|e| {
        tracing::error!(error = %e, path = %path.display(), "quarantined message unreadable");
        AppError::Internal
    })
}

/// What the screen shows of a message: nothing in it is run or loaded.
fn read_message(row: QuarantineRow, raw: &[u8]) -> QuarantinedMessage {
    use mail_parser::MimeHeaders;
    let parsed = mail_parser::MessageParser::default().parse(raw);
    let (text, html, attachments) = match &parsed {
        Some(m) => (
            m.body_text(0).map(|t| t.into_owned()),
            html_part(m).map(sanitised_document),
            m.attachments()
                .map(|a| {
                    let name = a.attachment_name().unwrap_or("(no name)").to_string();
                    (name, a.len())
                })
                .collect(),
        ),
        None => (None, None, Vec::new()),
    };
    let cut = raw.len() > RAW_LIMIT;
    QuarantinedMessage {
        row,
        headers: header_fields(raw),
        text,
        html,
        attachments,
        raw: String::from_utf8_lossy(&raw[..raw.len().min(RAW_LIMIT)]).into_owned(),
        raw_cut: cut,
    }
}

/// The message's own HTML part, if it has one. (`body_html` would also give a plain text
/// part turned into HTML, which the screen shows as text.)
fn html_part<'m>(m: &'m mail_parser::Message<'_>) -> Option<&'m str> {
    let id = *m.html_body.first()?;
    match &m.parts.get(id as usize)?.body {
        mail_parser::PartType::Html(html) => Some(html.as_ref()),
        _ => None,
    }
}

/// The header fields in order, each unfolded onto one line.
fn header_fields(raw: &[u8]) -> Vec<(String, String)> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 2);
    let text = String::from_utf8_lossy(&raw[..end]);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

/// The HTML as a document for a sandboxed frame: cleaned of scripts, styles, forms, event
/// handlers and every URL but `mailto:` (so nothing remote loads, not even a tracking
/// pixel), and under a policy that would refuse to load anything left.
fn sanitised_document(html: &str) -> String {
    let clean = ammonia::Builder::default()
        .url_schemes(std::collections::HashSet::from(["mailto"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">\
         </head><body>{clean}</body></html>"
    )
}

/// Delivers the messages `ids` to their recipients (a mail user: to themselves only), and
/// with `not_spam` reports them as wanted mail (`learn_from`); how many were released.
pub async fn release(
    backend: &Backend,
    mail: &Server,
    user: UserCtx,
    ids: Option<Vec<i64>>,
    not_spam: bool,
    now: UnixTime,
) -> Result<Done, AppError> {
    let ids = selected(ids).map_err(|r| AppError::invalid("ids", r))?;
    let (user, reader, _) = reader(backend, user, READ, now).await?;
    release_as(backend, mail, &user, &reader, ids, not_spam, now).await
}

/// `release` for a reader already decided (a signed-in person, or a digest link's owner).
pub(super) async fn release_as(
    backend: &Backend,
    mail: &Server,
    user: &UserCtx,
    reader: &Reader,
    ids: Vec<i64>,
    not_spam: bool,
    now: UnixTime,
) -> Result<Done, AppError> {
    let mut done = Done::default();
    let (mut learned, mut listed) = (Learned::default(), Vec::new());
    for id in ids {
        let stored = find(backend, user, reader, id, now).await?;
        let message = read_file(backend, &stored).await?;
        let addresses = stored.recipients();
        let mut targets = Vec::new();
        for address in &addresses {
            // Resolved again: an alias changed or a mailbox deleted since applies now.
            if let Ok(resolved) = recipients::resolve(&backend.pool, address).await? {
                targets.extend(resolved.targets);
            }
        }
        if targets.is_empty() {
            return Err(AppError::NotAllowed(format!(
                "“{}” has no recipient here any more: delete it instead.",
                stored.subject
            )));
        }
        let sample = not_spam.then(|| Sample::of(&message));
        deliver_copies(mail, &stored.queue_id, &stored.sender, &targets, message)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, queue_id = %stored.queue_id, "release failed");
                AppError::Internal
            })?;
        take_out(backend, &stored, &addresses).await?;
        let learnt = match sample {
            Some(sample) => {
                learn_from(
                    backend,
                    user,
                    &stored,
                    sample,
                    Class::Ham,
                    &mut learned,
                    &mut listed,
                    now,
                )
                .await?
            }
            None => "",
        };
        let detail = format!(
            "released “{}” from {} to {}{learnt}",
            stored.subject,
            printable_sender(&stored.sender),
            addresses.join(", "),
        );
        user.audit_in(
            backend,
            stored.domain_id,
            AuditAction::QuarantineReleased,
            &detail,
            now,
        )
        .await?;
        done.count += 1;
    }
    told(&mut done, learned, &listed, not_spam, Class::Ham);
    Ok(done)
}

/// Reports a kept message as `class` for the reader: the classifier learns it, and its
/// sender goes on the reader's own list when it was addressed to them. What the audit line
/// adds.
#[allow(clippy::too_many_arguments)]
async fn learn_from(
    backend: &Backend,
    user: &UserCtx,
    stored: &Stored,
    sample: Sample,
    class: Class,
    learned: &mut Learned,
    listed: &mut Vec<String>,
    now: UnixTime,
) -> Result<&'static str, AppError> {
    let this = learning::report(backend, user, vec![sample], class, now).await?;
    *learned += this;
    if this.over_limit > 0 {
        return Ok("");
    }
    let seen = Seen::from(stored);
    listed.extend(sender_fixes::mark_own(backend, user, &seen, class, now).await?);
    Ok(match (class, this.new + this.moved > 0) {
        (_, false) => "",
        (Class::Ham, true) => ", learned as not spam",
        (Class::Spam, true) => ", reported as spam",
    })
}

/// Adds what learning did, and the senders put on the reader's list, to the note, when
/// the reader asked for it.
fn told(done: &mut Done, learned: Learned, listed: &[String], asked: bool, class: Class) {
    if asked {
        done.tell(&learned.words(class));
    }
    for sentence in listed {
        done.tell(sentence);
    }
}

/// Deletes the messages `ids` (a mail user: their own copy only), and with `spam` reports
/// them as spam first (`learn_from`); how many.
pub async fn delete(
    backend: &Backend,
    user: UserCtx,
    ids: Option<Vec<i64>>,
    spam: bool,
    now: UnixTime,
) -> Result<Done, AppError> {
    let ids = selected(ids).map_err(|r| AppError::invalid("ids", r))?;
    let (user, reader, _) = reader(backend, user, READ, now).await?;
    delete_as(backend, &user, &reader, ids, spam, now).await
}

/// `delete` for a reader already decided (a signed-in person, or a digest link's owner).
pub(super) async fn delete_as(
    backend: &Backend,
    user: &UserCtx,
    reader: &Reader,
    ids: Vec<i64>,
    spam: bool,
    now: UnixTime,
) -> Result<Done, AppError> {
    let mut found = Vec::new();
    for id in ids {
        found.push(find(backend, user, reader, id, now).await?);
    }
    let mut done = Done::default();
    let (mut learned, mut listed) = (Learned::default(), Vec::new());
    for stored in &found {
        let learnt = if spam {
            let sample = Sample::of(&read_file(backend, stored).await?);
            learn_from(
                backend,
                user,
                stored,
                sample,
                Class::Spam,
                &mut learned,
                &mut listed,
                now,
            )
            .await?
        } else {
            ""
        };
        take_out(backend, stored, &stored.recipients()).await?;
        let detail = format!(
            "deleted “{}” from {}{learnt}",
            stored.subject,
            printable_sender(&stored.sender),
        );
        user.audit_in(
            backend,
            stored.domain_id,
            AuditAction::QuarantineDeleted,
            &detail,
            now,
        )
        .await?;
        done.count += 1;
    }
    told(&mut done, learned, &listed, spam, Class::Spam);
    Ok(done)
}

/// Deletes every message of the domain scoring below or above `score`; how many.
pub async fn delete_by_score(
    backend: &Backend,
    user: UserCtx,
    domain_id: i64,
    side: ScoreSide,
    score: f64,
    now: UnixTime,
) -> Result<usize, AppError> {
    let admin = user
        .domain_admin(backend, "delete quarantined mail by score", now)
        .await?;
    let domain = admin
        .domain(backend, domain_id, "delete quarantined mail by score", now)
        .await?;
    let reader = Reader::Domains(vec![domain.id]);
    let found = store::quarantine::by_score(
        &backend.pool,
        &reader,
        domain.id,
        side == ScoreSide::Above,
        score,
    )
    .await?;
    for stored in &found {
        take_out(backend, stored, &stored.recipients()).await?;
    }
    let detail = format!(
        "deleted {} quarantined messages of {} scoring {} {score}",
        found.len(),
        domain.name,
        side.as_str()
    );
    admin
        .user
        .audit_in(
            backend,
            domain.id,
            AuditAction::QuarantineDeleted,
            &detail,
            now,
        )
        .await?;
    Ok(found.len())
}

/// Takes `addresses` off a kept message; its file goes with its last recipient.
async fn take_out(
    backend: &Backend,
    stored: &Stored,
    addresses: &[String],
) -> Result<(), AppError> {
    let mut tx = store::write(&backend.pool).await?;
    let gone = store::quarantine::remove_recipients(&mut tx.conn(), stored.id, addresses).await?;
    tx.commit().await?;
    if gone {
        remove_file(backend, &stored.queue_id).await;
    }
    Ok(())
}

async fn remove_file(backend: &Backend, queue_id: &str) {
    let path = mail::quarantine::path(&backend.settings.data_dir, queue_id);
    if let Err(e) = tokio::fs::remove_file(&path).await {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(error = %e, path = %path.display(), "quarantine file not removed");
        }
    }
}

/// Deletes what was kept past its domain's quarantine days; how many.
pub async fn purge_expired(backend: &Backend, now: UnixTime) -> Result<usize, AppError> {
    let mut purged = 0;
    loop {
        let batch = store::quarantine::expired(&backend.pool, now, 500).await?;
        if batch.is_empty() {
            return Ok(purged);
        }
        for (id, queue_id) in batch {
            let mut conn = backend.pool.acquire().await?;
            store::quarantine::remove(&mut conn.conn(), id).await?;
            remove_file(backend, &queue_id).await;
            purged += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_cleaned_of_scripts_handlers_and_remote_content() {
        let doc = sanitised_document(
            "<p onclick=\"steal()\">Hi<script>alert(1)</script></p>\
             <img src=\"https://tracker.example/p.gif\"><a href=\"https://x.example/\">link</a>\
             <a href=\"mailto:a@b.example\">mail</a><style>body{background:url(https://x.example/)}</style>\
             <form action=\"https://x.example/\"><input name=q></form><iframe src=\"https://x.example\"></iframe>",
        );
        for gone in [
            "script", "onclick", "https:", "<style", "<form", "<iframe", "<input",
        ] {
            assert!(!doc.contains(gone), "{gone} left in {doc}");
        }
        assert!(doc.contains("<p>Hi</p>"), "{doc}");
        assert!(doc.contains("href=\"mailto:a@b.example\""), "{doc}");
        assert!(doc.contains("default-src 'none'"), "{doc}");
    }

    #[test]
    fn plain_text_stays_text_and_html_is_html() {
        let row = || QuarantineRow {
            id: 1,
            at: 0,
            expires_at: 0,
            sender: String::new(),
            from_header: String::new(),
            recipients: vec![],
            subject: String::new(),
            score: None,
            reason: String::new(),
            spf_failed: false,
            size: 0,
            domain: String::new(),
        };
        let text = read_message(row(), b"Subject: a\r\n\r\nJust <b>text</b>\r\n");
        assert_eq!(text.html, None);
        assert_eq!(text.text.as_deref(), Some("Just <b>text</b>\r\n"));
        let html = read_message(
            row(),
            b"Subject: a\r\nContent-Type: text/html\r\n\r\n<p>Hi<script>x()</script></p>\r\n",
        );
        assert!(html.html.unwrap().contains("<p>Hi</p>"));
    }

    #[test]
    fn header_fields_are_unfolded_in_order() {
        let raw = b"Received: from a\r\n\tby b;\r\n\tnow\r\nSubject: Hi\r\n\r\nSubject: body\r\n";
        assert_eq!(
            header_fields(raw),
            vec![
                ("Received".to_string(), "from a by b; now".to_string()),
                ("Subject".to_string(), "Hi".to_string()),
            ]
        );
    }
}
