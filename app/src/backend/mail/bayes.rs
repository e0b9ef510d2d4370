//! The learned classifier of the scoring stage: a Bayes filter in the manner of SpamBayes
//! (Robinson's token probabilities combined by Fisher's chi-square), trained by people's
//! spam and not-spam marks. Tokens are kept as 64-bit hashes, so the store holds no words
//! of anyone's mail.

use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// Each class needs this many learned messages before the classifier says anything: with
/// fewer, one odd message would swing it (SpamAssassin waits for 200 as well).
pub const MIN_LEARNED: u32 = 200;
/// The most tokens read from one message: enough for any real mail, bounded for huge ones.
const MAX_TOKENS: usize = 3000;
/// The most text read from one message's body.
const MAX_TEXT: usize = 256 * 1024;
/// Words shorter or longer than these are not words (or are noise of their own).
const MIN_WORD: usize = 3;
const MAX_WORD: usize = 24;
/// A token's probability counts when it says this much either way.
const MIN_STRENGTH: f64 = 0.1;
/// The most telling tokens combined.
const MAX_CLUES: usize = 150;
/// How strongly a rarely seen token is pulled to 0.5 (SpamBayes' unknown word strength).
const UNKNOWN_STRENGTH: f64 = 0.45;

/// The hashed tokens of a message: its subject's and body's words, the From domain, and
/// the hosts of its links; each once.
pub fn tokens(message: &[u8]) -> Vec<u64> {
    parse(message).map_or_else(Vec::new, |parsed| tokens_up_to(&parsed, MAX_TOKENS))
}

fn parse(message: &[u8]) -> Option<mail_parser::Message<'_>> {
    mail_parser::MessageParser::new().parse(message)
}

/// `tokens`, the first `limit` of them: reading stops there.
fn tokens_up_to(parsed: &mail_parser::Message<'_>, limit: usize) -> Vec<u64> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut add = |h: u64| {
        if out.len() < limit && seen.insert(h) {
            out.push(h);
        }
        out.len() < limit
    };
    if let Some(subject) = parsed.subject() {
        for h in word_hashes(subject, "subject:") {
            add(h);
        }
    }
    if let Some(domain) = parsed
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
    {
        add(hash(&format!("from:{domain}")));
    }
    let mut text = String::new();
    for i in 0.. {
        let part = parsed.body_text(i).or_else(|| parsed.body_html(i));
        let Some(part) = part else { break };
        text.push_str(&part);
        text.push('\n');
        if text.len() > MAX_TEXT {
            break;
        }
    }
    for host in link_hosts(&text) {
        add(hash(&format!("url:{host}")));
    }
    for h in word_hashes(&text, "") {
        if !add(h) {
            break;
        }
    }
    out
}

/// What learning reads of a message: its identity and its tokens. Made while the message
/// is judged, so the scoring stage and the mail log's copy (see `stored`) share one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The message's identity for learning (`digest`).
    pub digest: String,
    pub tokens: Vec<u64>,
}

/// The most tokens the mail log keeps of a message: the subject, the From domain, the link
/// hosts and the first words, which tell most; a bound on what every log row costs.
const STORED_TOKENS: usize = 400;

impl Sample {
    pub fn of(message: &[u8]) -> Sample {
        Sample::read(message, MAX_TOKENS)
    }

    /// The sample the mail log keeps, read no further than it keeps: while the classifier
    /// has not learned enough to score, this is all judging a message reads.
    pub fn stored_of(message: &[u8]) -> Sample {
        Sample::read(message, STORED_TOKENS)
    }

    /// The digest and the first `limit` tokens, from one parse of the message.
    fn read(message: &[u8], limit: usize) -> Sample {
        let parsed = parse(message);
        Sample {
            digest: digest(parsed.as_ref(), message),
            tokens: parsed.map_or_else(Vec::new, |p| tokens_up_to(&p, limit)),
        }
    }

    /// The sample as the mail log keeps it, in fewer tokens.
    pub fn stored(&self) -> Sample {
        Sample {
            digest: self.digest.clone(),
            tokens: self.tokens[..self.tokens.len().min(STORED_TOKENS)].to_vec(),
        }
    }

    /// The tokens as bytes for the store, 8 per token (little-endian).
    pub fn token_bytes(&self) -> Vec<u8> {
        self.tokens.iter().flat_map(|t| t.to_le_bytes()).collect()
    }

    /// The tokens back from `token_bytes`; a trailing partial token is ignored.
    pub fn from_stored(digest: String, bytes: &[u8]) -> Sample {
        let tokens = bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        Sample { digest, tokens }
    }
}

/// A message's identity for learning: its Message-ID, Subject and body, so that the copy in
/// quarantine (with this server's trace and score headers) and an uploaded one are one,
/// while a spam run's many messages with one body are each counted.
fn digest(parsed: Option<&mail_parser::Message<'_>>, message: &[u8]) -> String {
    let (id, subject) = parsed.map_or((None, None), |h| (h.message_id(), h.subject()));
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

/// The hashes of the lower-cased words of `text` between `MIN_WORD` and `MAX_WORD`
/// characters, each after `prefix`; a longer one is told by its first letter and length
/// band, as SpamBayes does. An ASCII word (nearly all) is hashed without a copy: judging
/// every message reads every word.
fn word_hashes<'a>(text: &'a str, prefix: &'a str) -> impl Iterator<Item = u64> + 'a {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '$' | '!' | '\'' | '-')))
        .map(|w| w.trim_matches(|c| matches!(c, '\'' | '-')))
        .filter_map(move |w| {
            let n = if w.is_ascii() {
                w.len()
            } else {
                w.chars().count()
            };
            if n < MIN_WORD {
                return None;
            }
            Some(if n > MAX_WORD {
                let first = w.chars().next().unwrap_or('x').to_lowercase();
                hash(&format!("{prefix}skip:{first} {}", n / 10 * 10))
            } else if w.is_ascii() {
                let h = fnv(FNV_OFFSET, prefix.bytes());
                fnv(h, w.bytes().map(|b| b.to_ascii_lowercase()))
            } else {
                hash(&format!("{prefix}{}", w.to_lowercase()))
            })
        })
}

/// The host names after `http://` and `https://` in `text`.
fn link_hosts(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for scheme in ["http://", "https://"] {
        for (at, _) in lower.match_indices(scheme) {
            let host: String = lower[at + scheme.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .take(253)
                .collect();
            if host.contains('.') {
                out.push(host);
            }
        }
    }
    out
}

/// FNV-1a, 64 bits: stable across builds and machines, which the stored counts need.
pub fn hash(token: &str) -> u64 {
    fnv(FNV_OFFSET, token.bytes())
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, going on from `h`.
fn fnv(mut h: u64, bytes: impl Iterator<Item = u8>) -> u64 {
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// How often a token was seen in learned spam and in learned ham.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub spam: u32,
    pub ham: u32,
}

/// What the classifier found for a message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classified {
    /// 0 (surely ham) to 1 (surely spam).
    pub spam_probability: f64,
    /// The tokens that told.
    pub clues: usize,
}

/// The message's spam probability from its tokens' counts, given `learned` (spam, ham)
/// messages; `None` until each class has `MIN_LEARNED` messages.
pub fn classify(
    tokens: &[u64],
    counts: impl Fn(u64) -> Option<Counts>,
    learned: Counts,
) -> Option<Classified> {
    if learned.spam < MIN_LEARNED || learned.ham < MIN_LEARNED {
        return None;
    }
    let (nspam, nham) = (f64::from(learned.spam), f64::from(learned.ham));
    let mut clues: Vec<f64> = tokens
        .iter()
        .filter_map(|t| counts(*t))
        .filter_map(|c| {
            let (s, h) = (f64::from(c.spam), f64::from(c.ham));
            let n = s + h;
            if n == 0.0 {
                return None;
            }
            let (ps, ph) = ((s / nspam).min(1.0), (h / nham).min(1.0));
            let p = ps / (ps + ph);
            let f = (UNKNOWN_STRENGTH * 0.5 + n * p) / (UNKNOWN_STRENGTH + n);
            ((f - 0.5).abs() >= MIN_STRENGTH).then_some(f)
        })
        .collect();
    clues.sort_by(|a, b| (b - 0.5).abs().total_cmp(&(a - 0.5).abs()));
    clues.truncate(MAX_CLUES);
    if clues.is_empty() {
        return Some(Classified {
            spam_probability: 0.5,
            clues: 0,
        });
    }
    let n = clues.len();
    let clamp = |p: f64| p.clamp(1e-6, 1.0 - 1e-6);
    let ln_ham: f64 = clues.iter().map(|f| clamp(*f).ln()).sum();
    let ln_spam: f64 = clues.iter().map(|f| (1.0 - clamp(*f)).ln()).sum();
    let spam = 1.0 - chi2q(-2.0 * ln_spam, 2 * n);
    let ham = 1.0 - chi2q(-2.0 * ln_ham, 2 * n);
    Some(Classified {
        spam_probability: (spam - ham + 1.0) / 2.0,
        clues: n,
    })
}

/// The chi-square survival function for an even number of degrees of freedom `v`.
fn chi2q(x2: f64, v: usize) -> f64 {
    let m = x2 / 2.0;
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..v / 2 {
        term *= m / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

/// The scoring rule for a probability: its name and points, or `None` when unsure.
pub fn rule(p: f64) -> Option<(&'static str, f64)> {
    Some(match p {
        p if p >= 0.99 => ("BAYES_SPAM", 4.0),
        p if p >= 0.95 => ("BAYES_SPAM", 3.0),
        p if p >= 0.80 => ("BAYES_SPAM", 1.5),
        p if p <= 0.01 => ("BAYES_HAM", -2.0),
        p if p <= 0.05 => ("BAYES_HAM", -1.0),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_subject_and_body_words_the_from_domain_and_link_hosts() {
        let message = b"From: Ann <ann@Shop.Example>\r\nSubject: Cheap pills\r\n\r\n\
            Buy now at https://pills.example/x and SAVE!! ok a\r\n";
        let got = tokens(message);
        for token in [
            "subject:cheap",
            "subject:pills",
            "from:shop.example",
            "url:pills.example",
            "buy",
            "now",
            "save!!",
        ] {
            assert!(got.contains(&hash(token)), "{token}");
        }
        // Too short to be a word; each token once.
        assert!(!got.contains(&hash("ok")));
        let mut unique = got.clone();
        unique.dedup();
        assert_eq!(unique.len(), got.len());
        assert!(tokens(b"").is_empty());
    }

    #[test]
    fn words_hash_as_their_lower_cased_text() {
        let got: Vec<u64> = word_hashes("Free MONEY, Straße! ok", "subject:").collect();
        let want: Vec<u64> = ["subject:free", "subject:money", "subject:straße!"]
            .iter()
            .map(|t| hash(t))
            .collect();
        assert_eq!(got, want);
        let long = "x".repeat(31);
        assert_eq!(
            word_hashes(&long, "").collect::<Vec<_>>(),
            [hash("skip:x 30")]
        );
    }

    #[test]
    fn a_sample_survives_the_store_and_is_bounded_there() {
        let body: String = (0..600).map(|n| format!("word{n:04} ")).collect();
        let message = format!("Subject: many words\r\n\r\n{body}\r\n");
        let sample = Sample::of(message.as_bytes());
        assert!(sample.tokens.len() > STORED_TOKENS);
        let stored = sample.stored();
        assert_eq!(stored.tokens.len(), STORED_TOKENS);
        assert_eq!(stored.tokens[..], sample.tokens[..STORED_TOKENS]);
        let back = Sample::from_stored(stored.digest.clone(), &stored.token_bytes());
        assert_eq!(back, stored);
        assert_eq!(Sample::stored_of(message.as_bytes()), stored);
        // The trace and score headers this server adds do not change the identity.
        let kept = format!("Received: from x\r\nX-Spam-Score: 1.0\r\n{message}");
        assert_eq!(Sample::of(kept.as_bytes()).digest, sample.digest);
    }

    #[test]
    fn nothing_is_said_before_enough_is_learned_and_clues_decide() {
        let (spammy, hammy) = (hash("viagra"), hash("minutes"));
        let counts = |t: u64| {
            Some(match t {
                t if t == spammy => Counts { spam: 300, ham: 1 },
                t if t == hammy => Counts { spam: 1, ham: 300 },
                _ => Counts::default(),
            })
        };
        let learned = Counts {
            spam: MIN_LEARNED,
            ham: MIN_LEARNED,
        };
        let few = Counts {
            spam: MIN_LEARNED - 1,
            ham: MIN_LEARNED,
        };
        assert_eq!(classify(&[spammy], counts, few), None);
        let spam = classify(&[spammy], counts, learned).unwrap();
        assert!(spam.spam_probability > 0.9, "{spam:?}");
        let ham = classify(&[hammy], counts, learned).unwrap();
        assert!(ham.spam_probability < 0.1, "{ham:?}");
        let unsure = classify(&[hash("unknown")], counts, learned).unwrap();
        assert_eq!((unsure.spam_probability, unsure.clues), (0.5, 0));
    }

    #[test]
    fn sure_verdicts_score_and_unsure_ones_do_not() {
        assert_eq!(rule(0.999), Some(("BAYES_SPAM", 4.0)));
        assert_eq!(rule(0.96), Some(("BAYES_SPAM", 3.0)));
        assert_eq!(rule(0.85), Some(("BAYES_SPAM", 1.5)));
        assert_eq!(rule(0.5), None);
        assert_eq!(rule(0.03), Some(("BAYES_HAM", -1.0)));
        assert_eq!(rule(0.0), Some(("BAYES_HAM", -2.0)));
        assert!((chi2q(0.0, 4) - 1.0).abs() < 1e-12);
        assert!(chi2q(100.0, 4) < 1e-12);
    }
}
