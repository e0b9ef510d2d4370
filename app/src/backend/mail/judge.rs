//! The stages that judge a message after DATA, cheapest and most certain first (see the
//! design's pipeline): the data checks of the recipients' domain (size, blocked
//! attachments, line length), the sender lists, scoring (GTUBE, header rules, SPF), and the
//! verdict by the domain's thresholds, greylisting included. Each stage leaves its evidence
//! on the log row.

use super::{
    attachments, bayes, header_rules,
    inbound::{Client, Envelope},
    lists::{self, Listed},
    scoring,
    smtp::Server,
    spf,
};
use crate::backend::store::db::Db;
use crate::{
    backend::store::{self, mail_log::Entry},
    model::{
        antispam::Action,
        filter_settings::{FilterSettings, Oversize, QuarantineReply, RFC_LINE_LIMIT},
        mail_log::{Evidence, Verdict},
        verdict_words::{decided, scored},
    },
};
use std::{net::IpAddr, time::Duration};

/// Greylisting: how long a sender must wait before its retry is taken, and how long after
/// the first attempt the retry may come.
const GREYLIST_DELAY: i64 = 300;
const GREYLIST_WINDOW: i64 = 2 * 86_400;
/// A triplet that passed is remembered while it keeps coming, and forgotten after this
/// long without a message (Postgrey's 35 days).
const GREYLIST_MAX_AGE: i64 = 35 * 86_400;

/// Forgets greylisting triplets that are of no more use; how many.
pub async fn purge_greylist(
    pool: &Db,
    now: crate::model::time::UnixTime,
) -> Result<u64, sqlx::Error> {
    store::antispam::purge_greylist(pool, now, GREYLIST_WINDOW, GREYLIST_MAX_AGE).await
}

/// Messages larger than this are searched for attachments on a blocking thread, so that
/// one large message does not hold up the other sessions.
const INLINE_SCAN_BYTES: usize = 256 * 1024;

/// The largest header block taken, and the most fields in it. Real mail has a few
/// kilobytes and well under a hundred fields; more only serves to tire parsers.
const MAX_HEADER_BYTES: usize = 256 * 1024;
const MAX_HEADER_FIELDS: usize = 1000;

/// The whole SPF check's time, however many lookups its records ask for: the client is
/// waiting for the reply to its DATA.
const SPF_DEADLINE: Duration = Duration::from_secs(5);

/// What becomes of a message.
pub enum Judgement {
    /// Delivered, with these headers added.
    Pass(Judged),
    /// Refused with this reply (the log row has the verdict).
    Refuse(String),
    /// Kept in quarantine.
    Quarantine(Quarantined),
}

/// A message let through.
pub struct Judged {
    /// Header fields to put in front of the message.
    pub headers: String,
    /// Put in front of the subject (a tagged message's, when the domain has a tag).
    pub subject_tag: Option<String>,
    pub tagged: bool,
    /// Let through by a whitelist entry, unscored.
    pub whitelisted: bool,
}

/// A message for the quarantine.
pub struct Quarantined {
    pub reason: String,
    pub score: Option<f64>,
    pub headers: String,
    pub days: u32,
    /// The reply when the sender is told the truth (5xx); `None`: it is told 2xx.
    pub refusal: Option<String>,
}

const TEMPORARY: &str = "451 4.3.0 Temporary failure: try again later";

fn temporary(e: sqlx::Error) -> Judgement {
    tracing::error!(error = %e, "policy lookup failed");
    Judgement::Refuse(TEMPORARY.into())
}

/// Judges `message` for the recipients' domain (a transaction has one, see `session`).
pub async fn judge(
    server: &Server,
    client: &Client,
    envelope: &mut Envelope,
    message: &[u8],
    header: Option<&mail_parser::Message<'_>>,
    log: &mut Entry,
) -> Judgement {
    let pool = &server.backend.pool;
    let Some(domain_id) = envelope.recipients.first().map(|r| r.domain_id) else {
        return Judgement::Refuse("554 5.5.1 No valid recipients".into());
    };
    let settings = match store::filter_settings::get(pool, domain_id).await {
        Ok(s) => s,
        Err(e) => return temporary(e),
    };
    if let Some(judgement) = data_checks(&settings, message, log).await {
        return judgement;
    }
    // Read once for the classifier and for learning from the log later ("report as spam").
    let sample = sample(server, message).await;
    log.sample = Some(sample.stored());
    match lists::stage(server, envelope, domain_id, log).await {
        Ok(Listed::Whitelisted(listing)) => {
            let said = tell_listing(log, &listing);
            log.evidence.push(Evidence::new(
                "score",
                "not scored: the sender is whitelisted",
            ));
            log.summary = decided("Not scored", &said);
            return Judgement::Pass(Judged {
                headers: "X-Spam-Score: 0.0 (whitelisted)\r\nX-Recommended-Action: accept\r\n"
                    .into(),
                subject_tag: None,
                tagged: false,
                whitelisted: true,
            });
        }
        Ok(Listed::Blacklisted(listing)) => {
            let said = tell_listing(log, &listing);
            log.summary = decided("Refused", &said);
            log.verdict = Verdict::Blacklisted;
            let whose = match listing.owner {
                lists::Owner::Person(_) => "recipient's",
                _ => "domain's",
            };
            return Judgement::Refuse(format!("550 5.7.1 The sender is on this {whose} blacklist"));
        }
        Ok(Listed::Scored) => {}
        Err(e) => return temporary(e),
    }
    let mut score = scoring::score(message);
    if let Some(header) = header {
        header_rules::check(header, server.backend.clock.now(), &mut score);
    }
    if let Some(classified) = server.backend.classifier.classify_tokens(&sample.tokens) {
        scoring::add_bayes(&mut score, &classified);
    }
    if let Some(verdict) = spf_check(server, client, envelope, &settings, log).await {
        log.spf_failed = verdict.result == spf::SpfResult::Fail;
        scoring::add_spf(&mut score, &verdict);
    }
    for hit in &score.hits {
        log.evidence.push(Evidence::new(
            "score",
            format!("{} +{}: {}", hit.rule, hit.score, hit.detail),
        ));
    }
    let thresholds = match store::antispam::effective(pool, domain_id).await {
        Ok(t) => t,
        Err(e) => return temporary(e),
    };
    let total = score.total;
    log.score = Some(total);
    let rules: Vec<&str> = score.hits.iter().map(|h| h.rule).collect();
    log.summary = scored(total, &rules);
    log.evidence.push(Evidence::new(
        "verdict",
        format!("score {total:.1}; thresholds {}", thresholds.describe()),
    ));
    let rules = match score.rules() {
        r if r.is_empty() => String::new(),
        r => format!(" ({r})"),
    };
    let tagged = thresholds.tags(total);
    let mut headers = format!("X-Spam-Score: {total:.1}{rules}\r\n");
    if tagged {
        headers.push_str("X-Spam: yes\r\nX-Recommended-Action: reject\r\n");
    } else {
        headers.push_str("X-Recommended-Action: accept\r\n");
    }
    match thresholds.action(total) {
        Action::Reject => {
            let refusal = format!("550 5.7.1 The message was refused as spam (score {total:.1})");
            if settings.quarantine {
                return quarantined(
                    &settings,
                    log.summary.clone(),
                    Some(total),
                    headers,
                    refusal,
                );
            }
            log.verdict = Verdict::Rejected;
            return Judgement::Refuse(refusal);
        }
        Action::Defer => {
            if let Err(judgement) = greylist(server, client, envelope, log).await {
                return judgement;
            }
        }
        Action::Tag | Action::Deliver => {}
    }
    let subject_tag =
        (tagged && !settings.subject_tag.is_empty()).then(|| settings.subject_tag.clone());
    Judgement::Pass(Judged {
        headers,
        subject_tag,
        tagged,
        whitelisted: false,
    })
}

/// Puts the listing that decided the message on the row, unless an earlier stage did (the
/// client's at RCPT, see `inbound::log_entry`; a person's own in the lists stage); what it
/// says.
fn tell_listing(log: &mut Entry, listing: &lists::Listing) -> String {
    let said = listing.describe();
    if !log
        .evidence
        .iter()
        .any(|e| e.stage == "lists" && e.detail == said)
    {
        log.evidence.push(Evidence::new("lists", said.clone()));
    }
    said
}

fn quarantined(
    settings: &FilterSettings,
    reason: String,
    score: Option<f64>,
    headers: String,
    refusal: String,
) -> Judgement {
    Judgement::Quarantine(Quarantined {
        reason,
        score,
        headers,
        days: settings.quarantine_days,
        refusal: (settings.quarantine_reply == QuarantineReply::Refuse).then_some(refusal),
    })
}

/// The data stage: the domain's size limit, blocked attachments and the line-length
/// limit. `None` when the message passes.
async fn data_checks(
    settings: &FilterSettings,
    message: &[u8],
    log: &mut Entry,
) -> Option<Judgement> {
    if let Some(problem) = header_problem(message) {
        log.summary = decided(
            "Refused",
            &format!("the message's header is too large or has too many fields ({problem})"),
        );
        log.evidence.push(Evidence::new("data", problem));
        log.verdict = Verdict::Rejected;
        return Some(Judgement::Refuse(
            "550 5.6.0 The message header is too large or has too many fields".into(),
        ));
    }
    let limit = settings.size_limit;
    if !limit.is_unlimited() && message.len() as u64 > limit.bytes() {
        log.evidence.push(Evidence::new(
            "data",
            format!(
                "{} bytes, over the domain's limit of {limit}",
                message.len()
            ),
        ));
        let refusal = format!("552 5.3.4 The message is larger than this domain accepts ({limit})");
        let why = format!("larger than the domain's limit of {limit}");
        if settings.oversize == Oversize::Quarantine {
            log.summary = decided("Kept unscored", &why);
            return Some(quarantined(
                settings,
                log.summary.clone(),
                None,
                String::new(),
                refusal,
            ));
        }
        log.summary = decided("Refused", &why);
        log.verdict = Verdict::Rejected;
        return Some(Judgement::Refuse(refusal));
    }
    if let Some(name) = blocked_attachment(settings, message).await {
        let reply = if name == attachments::TOO_COMPLEX {
            log.summary = decided(
                "Refused",
                "its attachments are nested too deep to be checked",
            );
            log.evidence.push(Evidence::new(
                "attachments",
                "the MIME structure is too complex to check",
            ));
            "550 5.7.1 The message's structure is too complex to check for attachments".to_string()
        } else {
            let ext = attachments::extension(&name).unwrap_or_default();
            log.summary = decided(
                "Refused",
                &format!("it carries “{name}”, and .{ext} attachments are blocked here"),
            );
            log.evidence.push(Evidence::new(
                "attachments",
                format!("“{name}”: .{ext} attachments are blocked"),
            ));
            format!("550 5.7.1 Attachments of type .{ext} are not accepted here")
        };
        log.verdict = Verdict::Rejected;
        return Some(Judgement::Refuse(reply));
    }
    let longest = longest_line(message);
    if !settings.skip_line_length && longest > RFC_LINE_LIMIT {
        log.summary = decided(
            "Refused",
            &format!("it has a line of {longest} characters, over the limit of {RFC_LINE_LIMIT}"),
        );
        log.evidence.push(Evidence::new(
            "data",
            format!("a line of {longest} characters (the limit is {RFC_LINE_LIMIT})"),
        ));
        log.verdict = Verdict::Rejected;
        return Some(Judgement::Refuse(
            "550 5.6.0 A line of the message is too long".into(),
        ));
    }
    None
}

/// What the classifier and learning read of the message: all of it once the classifier
/// scores, before that only what the log keeps. A large message is read on a blocking
/// thread.
async fn sample(server: &Server, message: &[u8]) -> bayes::Sample {
    let read = match server.backend.classifier.scores() {
        true => bayes::Sample::of,
        false => bayes::Sample::stored_of,
    };
    if message.len() <= INLINE_SCAN_BYTES {
        return read(message);
    }
    let message = message.to_vec();
    tokio::task::spawn_blocking(move || read(&message))
        .await
        .unwrap_or_else(|_| read(b""))
}

async fn blocked_attachment(settings: &FilterSettings, message: &[u8]) -> Option<String> {
    if settings.blocked_extensions.is_empty() {
        return None;
    }
    if message.len() <= INLINE_SCAN_BYTES {
        return attachments::find_blocked(message, |e| settings.blocks(e));
    }
    let blocked = settings.blocked_extensions.clone();
    let message = message.to_vec();
    tokio::task::spawn_blocking(move || {
        attachments::find_blocked(&message, |e| blocked.iter().any(|b| b == e))
    })
    .await
    .unwrap_or_else(|_| Some(attachments::TOO_COMPLEX.to_string()))
}

/// What is wrong with the header block's size or number of fields, if anything.
fn header_problem(message: &[u8]) -> Option<String> {
    let window = &message[..message.len().min(MAX_HEADER_BYTES + 4)];
    let header = match memchr::memmem::find(window, b"\r\n\r\n") {
        Some(end) => &message[..end + 2],
        // No end within the bound: the header is too large, or the message is header only.
        None => message,
    };
    if header.len() > MAX_HEADER_BYTES {
        return Some(format!(
            "a header of more than {} KB",
            MAX_HEADER_BYTES / 1024
        ));
    }
    // A field starts a line; a line starting with white space continues the one before.
    let fields = 1 + memchr::memchr_iter(b'\n', header)
        .filter(|&i| {
            header
                .get(i + 1)
                .is_some_and(|b| !matches!(b, b' ' | b'\t'))
        })
        .count();
    (fields > MAX_HEADER_FIELDS)
        .then(|| format!("{fields} header fields (at most {MAX_HEADER_FIELDS})"))
}

/// The longest line's characters before CRLF.
fn longest_line(message: &[u8]) -> usize {
    let mut longest = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', message) {
        longest = longest.max(end.saturating_sub(start + 1));
        start = end + 1;
    }
    longest.max(message.len() - start.min(message.len()))
}

/// Greylisting, the defer verdict: `Err` with the 451 unless every recipient's triplet
/// came back after the delay.
async fn greylist(
    server: &Server,
    client: &Client,
    envelope: &Envelope,
    log: &mut Entry,
) -> Result<(), Judgement> {
    let pool = &server.backend.pool;
    let net = greylist_net(client.ip);
    let now = server.backend.clock.now();
    let mut passed = true;
    for r in &envelope.recipients {
        passed &= store::antispam::greylist_passes(
            pool,
            &net,
            &envelope.sender.to_ascii_lowercase(),
            &r.address,
            now,
            GREYLIST_DELAY,
            GREYLIST_WINDOW,
        )
        .await
        .map_err(temporary)?;
    }
    if !passed {
        log.verdict = Verdict::Greylisted;
        log.evidence.push(Evidence::new(
            "greylist",
            format!("first attempt from {net}: deferred for {GREYLIST_DELAY} seconds"),
        ));
        return Err(Judgement::Refuse(
            "451 4.7.1 Greylisted: please try again in a few minutes".into(),
        ));
    }
    log.evidence.push(Evidence::new(
        "greylist",
        format!("retried from {net} after the delay: passed"),
    ));
    Ok(())
}

/// The SPF check of the envelope sender (the HELO name for a null sender), unless the
/// domain skips it or the client is one of its exempt IPs; what was found or why it was not
/// checked goes on the log row.
async fn spf_check(
    server: &Server,
    client: &Client,
    envelope: &Envelope,
    settings: &FilterSettings,
    log: &mut Entry,
) -> Option<spf::Verdict> {
    if settings.skip_spf {
        log.evidence
            .push(Evidence::new("spf", "not checked: the domain skips SPF"));
        return None;
    }
    if let Some(exempt) = settings.spf_exempt.iter().find(|c| c.contains(client.ip)) {
        log.evidence.push(Evidence::new(
            "spf",
            format!("not checked: the client is in the exempt {exempt}"),
        ));
        return None;
    }
    let verdict = match &server.resolver {
        Ok(resolver) => {
            let dns = spf::Dns(resolver);
            spf::check(
                &dns,
                client.ip,
                &envelope.sender,
                &client.helo,
                SPF_DEADLINE,
            )
            .await
        }
        Err(e) => spf::Verdict {
            result: spf::SpfResult::TempError,
            domain: envelope
                .sender
                .rsplit('@')
                .next()
                .unwrap_or_default()
                .to_string(),
            explanation: format!("no resolver: {e}"),
        },
    };
    log.evidence.push(Evidence::new(
        "spf",
        format!(
            "{} for {}: {}",
            verdict.result.as_str(),
            verdict.domain,
            verdict.explanation
        ),
    ));
    Some(verdict)
}

/// The greylisting key of a client: its IPv4 /24 or IPv6 /64 (one sender often retries
/// from another address of the same pool).
fn greylist_net(ip: IpAddr) -> String {
    match super::smtp::harvest::key(ip) {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        v6 => format!("{v6}/64"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_blocks_are_bounded_in_size_and_fields() {
        assert_eq!(
            header_problem(b"From: a@b.example\r\nSubject: x\r\n\r\nbody"),
            None
        );
        assert_eq!(header_problem(b"From: a@b.example\r\n"), None);
        let mut many = String::new();
        for n in 0..MAX_HEADER_FIELDS {
            many.push_str(&format!("X-F{n}: v\r\n\tfolded\r\n"));
        }
        assert_eq!(header_problem(format!("{many}\r\nbody").as_bytes()), None);
        many.push_str("X-Last: v\r\n");
        let problem = header_problem(format!("{many}\r\nbody").as_bytes()).unwrap();
        assert!(problem.starts_with("1001 header fields"), "{problem}");
        let big = format!("Subject: {}\r\n\r\nbody", "x".repeat(MAX_HEADER_BYTES));
        assert!(header_problem(big.as_bytes()).is_some());
        // A large body is not a large header.
        let body = format!("Subject: x\r\n\r\n{}", "y\r\n".repeat(MAX_HEADER_BYTES));
        assert_eq!(header_problem(body.as_bytes()), None);
    }

    #[test]
    fn the_longest_line_is_measured_without_its_crlf() {
        assert_eq!(longest_line(b""), 0);
        assert_eq!(longest_line(b"abc\r\nde\r\n"), 3);
        assert_eq!(longest_line(b"ab\r\nlast line"), 9);
        let long = format!("x\r\n{}\r\ny\r\n", "z".repeat(1200));
        assert_eq!(longest_line(long.as_bytes()), 1200);
    }
}
