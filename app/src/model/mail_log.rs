//! What the incoming mail log holds about one message: the verdict and each stage's
//! evidence.

use serde::{Deserialize, Serialize};

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
