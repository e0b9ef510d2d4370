//! The quarantine as its screens show it: messages kept instead of delivered (spam at the
//! reject level, oversize mail), who may see which, and the forms that act on them.

use super::learning::LearnedCounts;
use super::list::Page;
use serde::{Deserialize, Serialize};

/// One kept message in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct QuarantineRow {
    pub id: i64,
    pub at: i64,
    pub expires_at: i64,
    /// The envelope sender (empty: the null sender).
    pub sender: String,
    /// The address in the message's From.
    pub from_header: String,
    /// The recipients the reader may act for.
    pub recipients: Vec<String>,
    pub subject: String,
    /// `None` when it was kept before it was scored (oversize).
    pub score: Option<f64>,
    /// Why it was kept, in plain words.
    pub reason: String,
    /// The sender failed SPF: allowing it asks first.
    pub spf_failed: bool,
    pub size: i64,
    pub domain: String,
}

/// The quarantine screen: one page, and whether the reader keeps it for whole domains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Quarantine {
    pub page: Page<QuarantineRow>,
    /// The domains the reader administers (id, name); empty for a mail user, who sees the
    /// mail addressed to them.
    pub domains: Vec<(i64, String)>,
    /// How many spam and not-spam messages the classifier has learned.
    pub learned: LearnedCounts,
}

/// One kept message opened: what it says, read without running any of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct QuarantinedMessage {
    pub row: QuarantineRow,
    /// Header fields in order, unfolded.
    pub headers: Vec<(String, String)>,
    pub text: Option<String>,
    /// The HTML part, sanitised into a document with no scripts, no remote content and
    /// a policy that refuses to load anything; shown in a sandboxed frame.
    pub html: Option<String>,
    /// Attachments: name and size in bytes.
    pub attachments: Vec<(String, usize)>,
    /// The source as received (cut at `RAW_LIMIT`).
    pub raw: String,
    pub raw_cut: bool,
}

/// The raw source shown on the screen at most.
pub const RAW_LIMIT: usize = 256 * 1024;

/// Which side of a score "remove by score" takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum ScoreSide {
    Below,
    Above,
}

impl ScoreSide {
    pub fn parse(text: &str) -> Result<ScoreSide, String> {
        match text {
            "below" => Ok(ScoreSide::Below),
            "above" => Ok(ScoreSide::Above),
            _ => Err("Choose below or above.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScoreSide::Below => "below",
            ScoreSide::Above => "above",
        }
    }
}

/// A score typed in a form: a number from -1000 to 1000, a decimal point or comma.
pub fn parse_score(text: &str) -> Result<f64, String> {
    let score: f64 = text
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| "Enter a score, such as 15 or 7.5.".to_string())?;
    if !(-1000.0..=1000.0).contains(&score) {
        return Err("A score is between -1000 and 1000.".into());
    }
    Ok(score)
}

/// "16.2", or "—" when the message was not scored.
pub fn format_score(score: Option<f64>) -> String {
    score.map_or_else(|| "—".into(), |s| format!("{s:.1}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_numbers_in_range() {
        assert_eq!(parse_score(" 7,5 "), Ok(7.5));
        assert_eq!(parse_score("-3"), Ok(-3.0));
        assert!(parse_score("lots").is_err());
        assert!(parse_score("1001").is_err());
        assert!(parse_score("NaN").is_err());
    }
}
