//! Spam and not-spam learning: people's marks (uploaded messages, "report as spam", "not
//! spam" on release, in the log and the queue) train the classifier the scoring stage asks
//! (`mail::bayes`). The counts live in the store; the classifier reads a copy in memory,
//! updated as it learns, so that judging a message costs no query.

use super::{
    auth::ctx::UserCtx,
    instances,
    mail::{
        self,
        bayes::{self, Classified, Counts, Sample, MIN_LEARNED},
        recipients::Target,
    },
    mail_scope::reader,
    store::{self, audit::AuditAction, reader::Reader},
    Backend,
};
use crate::backend::store::db::Db;
use crate::{
    error::AppError,
    model::{
        learning::{
            reports_per_hour, Class, Learned, LearnedCounts, LearningStatus, MAX_UPLOAD_BYTES,
        },
        time::UnixTime,
    },
};
use std::{collections::HashMap, sync::RwLock};

/// How long the mail log keeps what learning needs of a message (migration 0023).
pub const SAMPLE_DAYS: i64 = 7;

/// The classifier's counts in memory.
#[derive(Debug, Default)]
pub struct Classifier {
    model: RwLock<Model>,
}

#[derive(Debug, Default)]
struct Model {
    tokens: HashMap<u64, Counts>,
    learned: Counts,
}

impl Classifier {
    /// The counts learned so far, from the store.
    pub async fn load(pool: &Db) -> Result<Classifier, sqlx::Error> {
        let classifier = Classifier::default();
        classifier.reload(pool).await?;
        Ok(classifier)
    }

    /// Reads the counts from the store again, in place of the copy in memory.
    pub async fn reload(&self, pool: &Db) -> Result<(), sqlx::Error> {
        let (tokens, learned) = store::bayes::load(pool).await?;
        let model = Model {
            tokens: tokens.into_iter().collect(),
            learned,
        };
        *self.model.write().unwrap_or_else(|e| e.into_inner()) = model;
        Ok(())
    }

    /// How many spam and ham messages were learned.
    pub fn learned(&self) -> Counts {
        self.read().learned
    }

    /// Enough of each class was learned for the classifier to score mail.
    pub fn scores(&self) -> bool {
        let learned = self.learned();
        learned.spam >= MIN_LEARNED && learned.ham >= MIN_LEARNED
    }

    /// The message's spam probability, once enough of each class was learned.
    pub fn classify(&self, message: &[u8]) -> Option<Classified> {
        if !self.scores() {
            return None;
        }
        // Read outside the lock: learning goes on meanwhile.
        self.classify_tokens(&bayes::tokens(message))
    }

    /// The spam probability of a message by its tokens (`bayes::tokens`).
    pub fn classify_tokens(&self, tokens: &[u64]) -> Option<Classified> {
        let model = self.read();
        bayes::classify(tokens, |t| model.tokens.get(&t).copied(), model.learned)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Model> {
        // A panic while holding the lock left counts that are still counts.
        self.model.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds what the store just committed.
    fn apply(&self, tokens: &[u64], spam: i64, ham: i64) {
        let mut model = self.model.write().unwrap_or_else(|e| e.into_inner());
        let add = |n: u32, d: i64| u32::try_from((i64::from(n) + d).max(0)).unwrap_or(u32::MAX);
        for token in tokens {
            let c = model.tokens.entry(*token).or_default();
            *c = Counts {
                spam: add(c.spam, spam),
                ham: add(c.ham, ham),
            };
        }
        model.learned = Counts {
            spam: add(model.learned.spam, spam),
            ham: add(model.learned.ham, ham),
        };
    }
}

/// How much the classifier has learned, for the screens.
pub fn counts(backend: &Backend) -> LearnedCounts {
    let counts = backend.classifier.learned();
    LearnedCounts {
        spam: counts.spam,
        ham: counts.ham,
        needed: MIN_LEARNED,
    }
}

/// The learning screen's numbers for `user`.
pub async fn status(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<LearningStatus, AppError> {
    let (per_hour, left) = allowance(backend, user, now).await?;
    Ok(LearningStatus {
        learned: counts(backend),
        per_hour,
        left,
    })
}

/// The person's hourly allowance of reports, and what is left of it this hour.
async fn allowance(
    backend: &Backend,
    user: &UserCtx,
    now: UnixTime,
) -> Result<(i64, i64), AppError> {
    let per_hour = reports_per_hour(user.role);
    let used = store::bayes::learned_since(&backend.pool, &user.email, now - 3600).await?;
    Ok((per_hour, (per_hour - used).max(0)))
}

/// Learns `messages` as `class` (see `learn_samples`).
pub async fn learn(
    backend: &Backend,
    messages: &[Vec<u8>],
    class: Class,
    by: &str,
    now: UnixTime,
) -> Result<Learned, AppError> {
    let samples = messages.iter().map(|m| Sample::of(m)).collect();
    learn_samples(backend, samples, class, by, now).await
}

/// Learns `samples` as `class`: a message learned before as the other class moves, one
/// learned as this class already is left alone. Unlimited: people's reports go through
/// `report`.
pub async fn learn_samples(
    backend: &Backend,
    samples: Vec<Sample>,
    class: Class,
    by: &str,
    now: UnixTime,
) -> Result<Learned, AppError> {
    let mut learned = Learned::default();
    for sample in samples {
        let mut tx = store::write(&backend.pool).await?;
        // Two instances learning the same message at once would both count it.
        tx.serialize(&format!("learn {}", sample.digest)).await?;
        let was = store::bayes::learned_as(&mut tx.conn(), &sample.digest).await?;
        if was.as_deref() == Some(class.as_str()) {
            learned.already += 1;
            continue;
        }
        let moved = was.is_some();
        let (spam, ham) = match class {
            Class::Spam => (1, -i64::from(moved)),
            Class::Ham => (-i64::from(moved), 1),
        };
        store::bayes::count(&mut tx.conn(), &sample.tokens, spam, ham).await?;
        store::bayes::mark(&mut tx.conn(), &sample.digest, class.as_str(), by, now).await?;
        // Every instance's classifier reads the counts again (see `instances`).
        instances::announce(&mut tx.conn(), instances::LEARNED, "").await?;
        tx.commit().await?;
        backend.classifier.apply(&sample.tokens, spam, ham);
        if moved {
            learned.moved += 1;
        } else {
            learned.new += 1;
        }
    }
    Ok(learned)
}

/// Learns a person's report of `samples` as `class`, as far as their hourly allowance
/// goes (`REPORTS_PER_HOUR`); the rest is counted as over the limit, not learned. Reports
/// train the host's one classifier, so no one account may swing it.
pub async fn report(
    backend: &Backend,
    user: &UserCtx,
    mut samples: Vec<Sample>,
    class: Class,
    now: UnixTime,
) -> Result<Learned, AppError> {
    let (_, left) = allowance(backend, user, now).await?;
    let room = usize::try_from(left).unwrap_or(0);
    let over = samples.len().saturating_sub(room);
    samples.truncate(room);
    let mut learned = learn_samples(backend, samples, class, &user.email, now).await?;
    learned.over_limit = over;
    Ok(learned)
}

/// The header fields that name a message's recipients; the delivery ones are what a mail
/// store adds, so a message saved from a mailbox names its owner even when sent by Bcc.
const RECIPIENT_FIELDS: [&str; 6] = [
    "to",
    "cc",
    "bcc",
    "delivered-to",
    "x-original-to",
    "envelope-to",
];

/// The addresses a message's header names as its recipients.
fn named_recipients(message: &mail_parser::Message<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for header in message.headers() {
        if !RECIPIENT_FIELDS
            .iter()
            .any(|f| header.name.as_str().eq_ignore_ascii_case(f))
        {
            continue;
        }
        if let Some(list) = header.value.as_address() {
            out.extend(list.iter().filter_map(|a| a.address()).map(str::to_string));
        } else if let Some(text) = header.value.as_text() {
            out.extend(
                text.split(',')
                    .map(|a| a.trim().trim_start_matches('<').trim_end_matches('>'))
                    .filter(|a| a.contains('@'))
                    .map(str::to_string),
            );
        }
    }
    out
}

/// The message was addressed to what `reader` reads: their address (or an alias that
/// delivers to them), or one of their domains. Reports are only taken on one's own mail.
async fn addressed_to(
    backend: &Backend,
    reader: &Reader,
    recipients: &[String],
) -> Result<bool, AppError> {
    for raw in recipients {
        let address = raw.to_ascii_lowercase();
        let Ok(resolved) = mail::recipients::resolve(&backend.pool, &address).await? else {
            continue;
        };
        let ours = match reader {
            Reader::All => true,
            Reader::Domains(ids) => ids.contains(&resolved.domain_id),
            Reader::Address(own) => {
                resolved.address.eq_ignore_ascii_case(own)
                    || resolved.targets.iter().any(|t| {
                        matches!(t, Target::Mailbox { address, .. } if address.eq_ignore_ascii_case(own))
                    })
            }
        };
        if ours {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Learns an uploaded message file (`name`, for the words) as `class`, when it is mail the
/// person may report: addressed to them, or to their domains for a domain admin. What was
/// done, in words.
pub async fn upload(
    backend: &Backend,
    user: UserCtx,
    name: &str,
    message: &[u8],
    class: Class,
    now: UnixTime,
) -> Result<String, AppError> {
    if message.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::invalid(
            "message",
            format!(
                "“{name}” is larger than {} KB: the spam filter learns from smaller messages.",
                MAX_UPLOAD_BYTES / 1024
            ),
        ));
    }
    let what = "report an uploaded message";
    let (user, reader, _) = reader(backend, user, what, now).await?;
    let parsed = mail_parser::MessageParser::new()
        .parse(message)
        .filter(|m| !m.headers().is_empty() && (m.from().is_some() || m.subject().is_some()));
    let Some(parsed) = parsed else {
        return Err(AppError::invalid(
            "message",
            format!(
                "“{name}” is not an email message: save the message from your mail app \
                 (“Save as…” or “Show original”) as an .eml file."
            ),
        ));
    };
    if !addressed_to(backend, &reader, &named_recipients(&parsed)).await? {
        let whose = match reader {
            Reader::Address(_) => "to you",
            _ => "to one of your domains",
        };
        return Err(AppError::NotAllowed(format!(
            "“{name}” was not addressed {whose}: only your own mail can be reported."
        )));
    }
    let subject = parsed.subject().unwrap_or("(no subject)").to_string();
    drop(parsed);
    let learned = report(backend, &user, vec![Sample::of(message)], class, now).await?;
    if learned.over_limit > 0 {
        return Err(AppError::NotAllowed(learned.words(class)));
    }
    if learned.new + learned.moved > 0 {
        let detail = format!(
            "reported “{subject}” as {} (uploaded {name})",
            class.label()
        );
        user.audit(backend, AuditAction::MessagesReported, &detail, now)
            .await?;
    }
    Ok(learned.words(class))
}
