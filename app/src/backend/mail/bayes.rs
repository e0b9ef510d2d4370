//! The learned classifier of the scoring stage: a Bayes filter in the manner of SpamBayes
//! (Robinson's token probabilities combined by Fisher's chi-square), trained by people's
//! spam and not-spam marks. Tokens are kept as 64-bit hashes, so the store holds no words
//! of anyone's mail.

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
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut add = |token: &str| {
        let h = hash(token);
        if out.len() < MAX_TOKENS && seen.insert(h) {
            out.push(h);
        }
    };
    let Some(parsed) = mail_parser::MessageParser::new().parse(message) else {
        return out;
    };
    if let Some(subject) = parsed.subject() {
        for word in words(subject) {
            add(&format!("subject:{word}"));
        }
    }
    if let Some(domain) = parsed
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
    {
        add(&format!("from:{domain}"));
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
        add(&format!("url:{host}"));
    }
    for word in words(&text) {
        add(&word);
    }
    out
}

/// The lower-cased words of `text` between `MIN_WORD` and `MAX_WORD` characters; a longer
/// one is told by its first letter and length band, as SpamBayes does.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '$' | '!' | '\'' | '-')))
        .map(|w| w.trim_matches(|c| matches!(c, '\'' | '-')))
        .filter(|w| w.chars().count() >= MIN_WORD)
        .map(|w| {
            let n = w.chars().count();
            if n > MAX_WORD {
                let first = w.chars().next().unwrap_or('x').to_lowercase();
                format!("skip:{first} {}", n / 10 * 10)
            } else {
                w.to_lowercase()
            }
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
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.as_bytes() {
        h ^= u64::from(*b);
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
