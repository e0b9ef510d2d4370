//! Antispam thresholds: the scores at which mail is deferred (greylisted), tagged, and
//! rejected. Checked the same way in the browser and on the server.

use super::route::DomainKind;
use serde::{Deserialize, Serialize};

/// A level set to this never acts.
pub const DISABLED: f64 = 999.0;

/// The three levels, in order: every level that acts is below the next one that acts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Thresholds {
    defer: f64,
    tag: f64,
    reject: f64,
}

/// The built-in global values.
pub const DEFAULT_THRESHOLDS: Thresholds = Thresholds {
    defer: 4.0,
    tag: 6.0,
    reject: 15.0,
};

/// What the thresholds say about a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Action {
    Deliver,
    /// 451 after DATA unless the sender retried after the greylisting delay.
    Defer,
    /// Delivered with `X-Spam: yes`.
    Tag,
    Reject,
}

/// Why a value is refused: (field, reason).
pub type FieldError = (&'static str, String);

impl Thresholds {
    /// Checks the three levels; `field` of an error is `defer`, `tag` or `reject`.
    pub fn new(defer: f64, tag: f64, reject: f64) -> Result<Self, FieldError> {
        for (field, value) in [("defer", defer), ("tag", tag), ("reject", reject)] {
            if !value.is_finite() || !(0.0..=DISABLED).contains(&value) {
                return Err((
                    field,
                    format!("Enter a score from 0 to {DISABLED} ({DISABLED} turns the level off)."),
                ));
            }
        }
        let on = |v: f64| v < DISABLED;
        if on(defer) && on(tag) && defer >= tag {
            return Err((
                "tag",
                "The score for adding the spam header must be above the score for deferring."
                    .into(),
            ));
        }
        if on(tag) && on(reject) && tag >= reject {
            return Err((
                "reject",
                "The score for rejecting must be above the score for adding the spam header."
                    .into(),
            ));
        }
        if on(defer) && on(reject) && defer >= reject {
            return Err((
                "reject",
                "The score for rejecting must be above the score for deferring.".into(),
            ));
        }
        Ok(Thresholds { defer, tag, reject })
    }

    /// The form's three fields as typed ("4", "6.5", "999").
    pub fn parse(defer: &str, tag: &str, reject: &str) -> Result<Self, FieldError> {
        let number = |field: &'static str, text: &str| parse_level(text).map_err(|e| (field, e));
        Thresholds::new(
            number("defer", defer)?,
            number("tag", tag)?,
            number("reject", reject)?,
        )
    }

    pub fn defer(&self) -> f64 {
        self.defer
    }

    pub fn tag(&self) -> f64 {
        self.tag
    }

    pub fn reject(&self) -> f64 {
        self.reject
    }

    /// What a message with `score` gets. Rejection comes first (greylisting mail that will
    /// be rejected only delays the refusal); tagged mail is deferred first like any mail
    /// at or above the defer level.
    pub fn action(&self, score: f64) -> Action {
        let reached = |level: f64| level < DISABLED && score >= level;
        if reached(self.reject) {
            Action::Reject
        } else if reached(self.defer) {
            Action::Defer
        } else if reached(self.tag) {
            Action::Tag
        } else {
            Action::Deliver
        }
    }

    /// Whether a score at or above the defer level that passed greylisting is tagged.
    pub fn tags(&self, score: f64) -> bool {
        self.tag < DISABLED && score >= self.tag
    }
}

/// What became of a scored message, or would with other thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Treatment {
    Delivered,
    /// Deferred with 451 at its first attempt (greylisting).
    Greylisted,
    /// Delivered with `X-Spam: yes`.
    Tagged,
    Quarantined,
    Rejected,
}

impl Treatment {
    pub const ALL: [Treatment; 5] = [
        Treatment::Delivered,
        Treatment::Greylisted,
        Treatment::Tagged,
        Treatment::Quarantined,
        Treatment::Rejected,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Treatment::Delivered => "Delivered",
            Treatment::Greylisted => "Greylisted",
            Treatment::Tagged => "Tagged as spam",
            Treatment::Quarantined => "Quarantined",
            Treatment::Rejected => "Rejected",
        }
    }

    /// What the log says happened to a scored message; `None` for a verdict scoring did
    /// not decide (a failure here deferred it).
    pub fn logged(verdict: super::mail_log::Verdict) -> Option<Treatment> {
        use super::mail_log::Verdict;
        match verdict {
            Verdict::Delivered | Verdict::Queued | Verdict::Whitelisted => {
                Some(Treatment::Delivered)
            }
            Verdict::Tagged => Some(Treatment::Tagged),
            Verdict::Greylisted => Some(Treatment::Greylisted),
            Verdict::Quarantined => Some(Treatment::Quarantined),
            Verdict::Rejected | Verdict::Blacklisted => Some(Treatment::Rejected),
            Verdict::Deferred => None,
        }
    }

    /// What `thresholds` do with `score`, in a domain that quarantines (or rejects) what
    /// reaches the reject level. A message at the defer level counts as greylisted: its
    /// first attempt is.
    pub fn by(thresholds: &Thresholds, score: f64, quarantines: bool) -> Treatment {
        match thresholds.action(score) {
            Action::Deliver => Treatment::Delivered,
            Action::Defer => Treatment::Greylisted,
            Action::Tag => Treatment::Tagged,
            Action::Reject if quarantines => Treatment::Quarantined,
            Action::Reject => Treatment::Rejected,
        }
    }
}

/// The last days' scored mail of a domain: per treatment, how many messages got it and
/// how many would with the thresholds previewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ThresholdPreview {
    pub days: i64,
    /// Scored messages in those days.
    pub scored: i64,
    /// (treatment, messages that got it, messages that would), in `Treatment::ALL` order.
    pub counts: Vec<(Treatment, i64, i64)>,
}

impl ThresholdPreview {
    /// Counts the logged `(score, treatment)` of messages under `thresholds`.
    pub fn count(
        days: i64,
        logged: &[(f64, Treatment)],
        thresholds: &Thresholds,
        quarantines: bool,
    ) -> ThresholdPreview {
        let counts = Treatment::ALL
            .into_iter()
            .map(|t| {
                let got = logged.iter().filter(|(_, was)| *was == t).count() as i64;
                let would = logged
                    .iter()
                    .filter(|(score, _)| Treatment::by(thresholds, *score, quarantines) == t)
                    .count() as i64;
                (t, got, would)
            })
            .collect();
        ThresholdPreview {
            days,
            scored: logged.len() as i64,
            counts,
        }
    }
}

/// A domain's Antispam thresholds screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ThresholdsView {
    pub domain: String,
    /// Hosted or relayed: which tabs its pages have.
    pub kind: DomainKind,
    /// Its own values; `None` when it uses the global ones.
    pub own: Option<Thresholds>,
    pub global: Thresholds,
}

impl Thresholds {
    /// `defer 4, add header 6, reject 15` (as the audit log says it).
    pub fn describe(&self) -> String {
        format!(
            "defer {}, add header {}, reject {}",
            show(self.defer),
            show(self.tag),
            show(self.reject)
        )
    }
}

/// One level as typed: a score from 0 to 999 (a decimal comma is read as a point).
pub fn parse_level(text: &str) -> Result<f64, String> {
    let text = text.trim();
    match text.replace(',', ".").parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=DISABLED).contains(&v) => Ok(v),
        Ok(_) => Err(format!(
            "Enter a score from 0 to {DISABLED} ({DISABLED} turns the level off)."
        )),
        Err(_) => Err(format!("“{text}” is not a score like 4 or 6.5.")),
    }
}

/// A level as the form shows it: `4`, `6.5`.
pub fn show(level: f64) -> String {
    if level.fract() == 0.0 {
        format!("{level:.0}")
    } else {
        format!("{level}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_must_rise_unless_turned_off() {
        assert!(Thresholds::parse("4", "6", "15").is_ok());
        assert!(Thresholds::parse("999", "6", "15").is_ok());
        assert!(Thresholds::parse("4", "999", "15").is_ok());
        assert!(Thresholds::parse("4", "6", "999").is_ok());
        assert!(Thresholds::parse("999", "999", "999").is_ok());
        assert!(Thresholds::parse("4,5", "6", "15").is_ok());
        assert_eq!(Thresholds::parse("6", "4", "15").unwrap_err().0, "tag");
        assert_eq!(Thresholds::parse("6", "6", "15").unwrap_err().0, "tag");
        assert_eq!(Thresholds::parse("4", "16", "15").unwrap_err().0, "reject");
        assert_eq!(
            Thresholds::parse("16", "999", "15").unwrap_err().0,
            "reject"
        );
        assert_eq!(Thresholds::parse("four", "6", "15").unwrap_err().0, "defer");
        assert_eq!(Thresholds::parse("4", "6", "1000").unwrap_err().0, "reject");
        assert_eq!(Thresholds::parse("-1", "6", "15").unwrap_err().0, "defer");
        assert_eq!(Thresholds::parse("NaN", "6", "15").unwrap_err().0, "defer");
    }

    #[test]
    fn scores_map_to_actions() {
        let t = DEFAULT_THRESHOLDS;
        assert_eq!(t.action(0.0), Action::Deliver);
        assert_eq!(t.action(3.9), Action::Deliver);
        assert_eq!(t.action(4.0), Action::Defer);
        assert_eq!(t.action(7.0), Action::Defer);
        assert!(t.tags(7.0) && !t.tags(5.0));
        assert_eq!(t.action(15.0), Action::Reject);
        assert_eq!(t.action(1000.0), Action::Reject);
        let no_greylist = Thresholds::parse("999", "6", "15").unwrap();
        assert_eq!(no_greylist.action(7.0), Action::Tag);
        let off = Thresholds::parse("999", "999", "999").unwrap();
        assert_eq!(off.action(1000.0), Action::Deliver);
        assert_eq!(show(4.0), "4");
        assert_eq!(show(6.5), "6.5");
    }

    #[test]
    fn a_preview_counts_what_was_and_what_would_be() {
        let logged = [
            (1.0, Treatment::Delivered),
            (5.0, Treatment::Greylisted),
            (7.0, Treatment::Tagged),
            (20.0, Treatment::Quarantined),
        ];
        let stricter = Thresholds::new(DISABLED, 4.0, 6.5).unwrap();
        let p = ThresholdPreview::count(7, &logged, &stricter, true);
        assert_eq!(p.scored, 4);
        assert_eq!(
            p.counts,
            [
                (Treatment::Delivered, 1, 1),
                (Treatment::Greylisted, 1, 0),
                (Treatment::Tagged, 1, 1),
                (Treatment::Quarantined, 1, 2),
                (Treatment::Rejected, 0, 0),
            ]
        );
        let p = ThresholdPreview::count(7, &logged, &stricter, false);
        assert_eq!(p.counts[4], (Treatment::Rejected, 0, 2));
        assert_eq!(p.counts[3], (Treatment::Quarantined, 1, 0));
    }
}
