//! What the incoming mail log holds about one message: the verdict and each stage's
//! evidence.

use super::{
    list::{like_pattern, Page},
    time::{day_range, UnixTime},
};
use serde::{Deserialize, Serialize};

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Verdict {
    /// Into the local mailboxes.
    Delivered,
    /// Accepted for delivery to another server (relay, SDR, forward).
    Queued,
    /// Delivered (or queued) with `X-Spam: yes`: its score reached the header level.
    Tagged,
    /// Deferred with 451 until the sender tries again after the greylisting delay.
    Greylisted,
    /// Delivered (or queued) without scoring: a whitelist entry matched.
    Whitelisted,
    /// Kept in quarantine (the sender told 5xx or 2xx, per the filter settings).
    Quarantined,
    /// Refused with a 5xx reply.
    Rejected,
    /// Refused with a 5xx reply because a blacklist entry matched.
    Blacklisted,
    /// Refused with a 4xx reply the client may retry (greylisting, a full mailbox, a
    /// failure here).
    Deferred,
}

impl Verdict {
    /// Every verdict, in the order the log's filter offers them.
    pub const ALL: [Verdict; 9] = [
        Verdict::Delivered,
        Verdict::Queued,
        Verdict::Tagged,
        Verdict::Whitelisted,
        Verdict::Greylisted,
        Verdict::Deferred,
        Verdict::Quarantined,
        Verdict::Rejected,
        Verdict::Blacklisted,
    ];

    pub fn parse(text: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The verdict as the log screen names it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Delivered => "Delivered",
            Verdict::Queued => "Queued for another server",
            Verdict::Tagged => "Tagged as spam",
            Verdict::Greylisted => "Greylisted",
            Verdict::Whitelisted => "Whitelisted",
            Verdict::Quarantined => "Quarantined",
            Verdict::Rejected => "Rejected",
            Verdict::Blacklisted => "Blacklisted",
            Verdict::Deferred => "Deferred",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Delivered => "delivered",
            Verdict::Queued => "queued",
            Verdict::Tagged => "tagged",
            Verdict::Greylisted => "greylisted",
            Verdict::Whitelisted => "whitelisted",
            Verdict::Quarantined => "quarantined",
            Verdict::Rejected => "rejected",
            Verdict::Blacklisted => "blacklisted",
            Verdict::Deferred => "deferred",
        }
    }
}

/// One stage's finding, in words an admin reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Evidence {
    pub stage: String,
    pub detail: String,
}

impl Evidence {
    pub fn new(stage: &str, detail: impl Into<String>) -> Self {
        Evidence {
            stage: stage.to_string(),
            detail: detail.into(),
        }
    }
}

/// One message in the incoming log, as the log screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LogRow {
    pub id: i64,
    pub at: UnixTime,
    pub client_ip: String,
    pub helo: String,
    /// The envelope sender (empty: the null sender).
    pub sender: String,
    pub from_header: String,
    pub subject: String,
    pub size: i64,
    /// As stored; `Verdict::parse` reads it.
    pub verdict: String,
    /// The SMTP reply the client got.
    pub reply: String,
    /// The recipients the reader may see, and whether each was taken at RCPT.
    pub recipients: Vec<(String, bool)>,
    /// The verdict in plain words (empty on rows logged before it was written).
    pub summary: String,
    /// The sender failed SPF: allowing it asks first.
    pub spf_failed: bool,
    /// The log still holds what the spam filter would learn from it: it can be reported as
    /// spam or not spam.
    pub learnable: bool,
    pub evidence: Vec<Evidence>,
}

/// The log's filters as the form sends them (and the address keeps them); empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LogFilter {
    /// The first day, `YYYY-MM-DD` (UTC).
    pub since: String,
    /// The last day, included.
    pub until: String,
    /// Part of the envelope sender or the From address.
    pub sender: String,
    /// Part of a recipient's address.
    pub recipient: String,
    /// Part of the client's IP address.
    pub client_ip: String,
    /// Part of the subject.
    pub subject: String,
    /// One verdict, as stored (`quarantined`).
    pub verdict: String,
}

/// The filters checked, as the store applies them (`LIKE` patterns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub since: Option<UnixTime>,
    /// Exclusive: midnight after the last day.
    pub until: Option<UnixTime>,
    pub sender: Option<String>,
    pub recipient: Option<String>,
    pub client_ip: Option<String>,
    pub subject: Option<String>,
    pub verdict: Option<Verdict>,
}

impl LogFilter {
    /// The query, or the field that is wrong and why.
    pub fn check(&self) -> Result<LogQuery, (&'static str, String)> {
        let (since, until) = day_range(&self.since, &self.until)?;
        let pattern = |text: &str| (!text.trim().is_empty()).then(|| like_pattern(text));
        let verdict = match self.verdict.trim() {
            "" => None,
            v => Some(Verdict::parse(v).ok_or((
                "verdict",
                "Choose a classification from the list.".to_string(),
            ))?),
        };
        Ok(LogQuery {
            since,
            until,
            sender: pattern(&self.sender),
            recipient: pattern(&self.recipient),
            client_ip: pattern(&self.client_ip),
            subject: pattern(&self.subject),
            verdict,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == LogFilter::default()
    }
}

/// One page of the incoming log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MailLog {
    pub page: Page<LogRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_back() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("spam"), None);
    }

    #[test]
    fn filters_name_the_wrong_field() {
        let f = |verdict: &str, since: &str| LogFilter {
            verdict: verdict.into(),
            since: since.into(),
            ..Default::default()
        };
        assert_eq!(f("", "").check(), Ok(LogQuery::default()));
        assert_eq!(
            f("quarantined", "").check().unwrap().verdict,
            Some(Verdict::Quarantined)
        );
        assert_eq!(f("spam", "").check().unwrap_err().0, "verdict");
        assert_eq!(f("", "yesterday").check().unwrap_err().0, "since");
        let q = LogFilter {
            sender: " Ann@ ".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(q.sender.as_deref(), Some("%ann@%"));
    }
}
