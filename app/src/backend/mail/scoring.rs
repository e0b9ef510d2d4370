//! The scoring stage: rules that each add to a message's spam score, with what they found:
//! GTUBE, SPF and the learned classifier (`bayes`) here, the header rules in
//! `header_rules`.

use super::{
    bayes::{self, Classified},
    spf::{self, SpfResult},
};
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
    pub(crate) fn add(&mut self, rule: &'static str, score: f64, detail: impl Into<String>) {
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

/// What an SPF result adds. A fail is the sender's domain saying this client may not send
/// its mail: with the default thresholds that alone greylists the message (defer 4) and tags
/// its retry (6), but never rejects it, since forwarded mail fails SPF too (the domain's
/// exempt IPs are for its forwarders).
/// A softfail is the domain being unsure; a permerror is a broken record, which spammers'
/// throwaway domains have more often than real senders. The others add nothing: a
/// temperror says nothing about the message, and none or neutral is most of the world.
const SPF_FAIL: f64 = 6.0;
const SPF_SOFTFAIL: f64 = 2.0;
const SPF_PERMERROR: f64 = 1.0;

/// Adds the SPF check's rule, if its result scores.
pub fn add_spf(score: &mut Score, verdict: &spf::Verdict) {
    let (rule, points) = match verdict.result {
        SpfResult::Fail => ("SPF_FAIL", SPF_FAIL),
        SpfResult::SoftFail => ("SPF_SOFTFAIL", SPF_SOFTFAIL),
        SpfResult::PermError => ("SPF_PERMERROR", SPF_PERMERROR),
        _ => return,
    };
    score.add(
        rule,
        points,
        format!("{} for {}", verdict.result.as_str(), verdict.domain),
    );
}

/// Adds the learned classifier's rule, when it is sure enough either way.
pub fn add_bayes(score: &mut Score, classified: &Classified) {
    if let Some((rule, points)) = bayes::rule(classified.spam_probability) {
        score.add(
            rule,
            points,
            format!(
                "spam probability {:.1}% from {} telling words",
                classified.spam_probability * 100.0,
                classified.clues
            ),
        );
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

    #[test]
    fn spf_adds_for_fail_softfail_and_permerror_only() {
        let points = |result| {
            let mut s = Score::default();
            let verdict = spf::Verdict {
                result,
                domain: "sender.example".into(),
                explanation: String::new(),
            };
            add_spf(&mut s, &verdict);
            (s.total, s.rules())
        };
        assert_eq!(points(SpfResult::Fail), (6.0, "SPF_FAIL=6".into()));
        assert_eq!(points(SpfResult::SoftFail), (2.0, "SPF_SOFTFAIL=2".into()));
        assert_eq!(
            points(SpfResult::PermError),
            (1.0, "SPF_PERMERROR=1".into())
        );
        for nothing in [
            SpfResult::Pass,
            SpfResult::None,
            SpfResult::Neutral,
            SpfResult::TempError,
        ] {
            assert_eq!(points(nothing), (0.0, String::new()));
        }
    }
}
