//! The scoring stage: rules that each add to a message's spam score, with what they found.
//! (SPF and the learned classifier join here.)

use memchr::memmem;

/// The test string every antispam filter knows (SpamAssassin's GTUBE): a message that
/// carries it is spam by definition, so that a host can check its set-up end to end.
pub const GTUBE: &[u8] = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

/// One rule that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: &'static str,
    pub score: f64,
    pub detail: String,
}

/// A message's score and the rules behind it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    pub total: f64,
    pub hits: Vec<Hit>,
}

impl Score {
    fn add(&mut self, rule: &'static str, score: f64, detail: impl Into<String>) {
        self.total += score;
        self.hits.push(Hit {
            rule,
            score,
            detail: detail.into(),
        });
    }

    /// `GTUBE=1000` pairs for the score header, in the order found.
    pub fn rules(&self) -> String {
        self.hits
            .iter()
            .map(|h| format!("{}={}", h.rule, h.score))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn score(message: &[u8]) -> Score {
    let mut score = Score::default();
    if memmem::find(message, GTUBE).is_some() {
        score.add("GTUBE", 1000.0, "the GTUBE test string");
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtube_is_spam_and_ordinary_text_is_not() {
        let mut spam = b"Subject: test\r\n\r\n".to_vec();
        spam.extend_from_slice(GTUBE);
        let s = score(&spam);
        assert_eq!(s.total, 1000.0);
        assert_eq!(s.rules(), "GTUBE=1000");
        assert_eq!(score(b"Subject: lunch\r\n\r\nnoon?\r\n").total, 0.0);
    }
}
