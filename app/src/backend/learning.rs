//! Spam and not-spam learning: people's marks (uploaded messages, "report as spam", "not
//! spam" on release) train the classifier the scoring stage asks (`mail::bayes`). The
//! counts live in the store; the classifier reads a copy in memory, updated as it learns,
//! so that judging a message costs no query.

use super::{
    mail::bayes::{self, Classified, Counts, MIN_LEARNED},
    store, Backend,
};
use crate::{
    error::AppError,
    model::{
        learning::{Class, Learned},
        time::UnixTime,
    },
};
use sha2::{Digest, Sha256};
use std::{collections::HashMap, sync::RwLock};

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
    pub async fn load(pool: &sqlx::SqlitePool) -> Result<Classifier, sqlx::Error> {
        let (tokens, learned) = store::bayes::load(pool).await?;
        Ok(Classifier {
            model: RwLock::new(Model {
                tokens: tokens.into_iter().collect(),
                learned,
            }),
        })
    }

    /// How many spam and ham messages were learned.
    pub fn learned(&self) -> Counts {
        self.read().learned
    }

    /// The message's spam probability, once enough of each class was learned.
    pub fn classify(&self, message: &[u8]) -> Option<Classified> {
        let learned = self.learned();
        if learned.spam < MIN_LEARNED || learned.ham < MIN_LEARNED {
            return None;
        }
        // Read outside the lock: learning goes on meanwhile.
        let tokens = bayes::tokens(message);
        let model = self.read();
        bayes::classify(&tokens, |t| model.tokens.get(&t).copied(), model.learned)
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

/// A message's identity for learning: its Message-ID, Subject and body, so that the copy in
/// quarantine (with this server's trace and score headers) and an uploaded one are one,
/// while a spam run's many messages with one body are each counted.
fn digest(message: &[u8]) -> String {
    let header = mail_parser::MessageParser::new().parse_headers(message);
    let (id, subject) = header
        .as_ref()
        .map_or((None, None), |h| (h.message_id(), h.subject()));
    let body = memchr::memmem::find(message, b"\r\n\r\n")
        .map(|i| &message[i + 4..])
        .or_else(|| memchr::memmem::find(message, b"\n\n").map(|i| &message[i + 2..]))
        .unwrap_or(message);
    let mut hash = Sha256::new();
    hash.update(id.unwrap_or_default().as_bytes());
    hash.update([0]);
    hash.update(subject.unwrap_or_default().as_bytes());
    hash.update([0]);
    hash.update(body);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Learns `messages` as `class`: a message learned before as the other class moves, one
/// learned as this class already is left alone.
pub async fn learn(
    backend: &Backend,
    messages: &[Vec<u8>],
    class: Class,
    by: &str,
    now: UnixTime,
) -> Result<Learned, AppError> {
    let mut learned = Learned::default();
    for message in messages {
        let digest = digest(message);
        let tokens = bayes::tokens(message);
        let mut tx = backend.pool.begin().await?;
        let was = store::bayes::learned_as(&mut tx, &digest).await?;
        if was.as_deref() == Some(class.as_str()) {
            learned.already += 1;
            continue;
        }
        let moved = was.is_some();
        let (spam, ham) = match class {
            Class::Spam => (1, -i64::from(moved)),
            Class::Ham => (-i64::from(moved), 1),
        };
        store::bayes::count(&mut tx, &tokens, spam, ham).await?;
        store::bayes::mark(&mut tx, &digest, class.as_str(), by, now).await?;
        tx.commit().await?;
        backend.classifier.apply(&tokens, spam, ham);
        if moved {
            learned.moved += 1;
        } else {
            learned.new += 1;
        }
    }
    Ok(learned)
}
