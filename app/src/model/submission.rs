//! Authenticated submission as the screens name it: the hourly sending limit and the people
//! blocked for going over it.

use super::time::UnixTime;
use serde::{Deserialize, Serialize};

/// Messages a person may send an hour unless their domain sets its own limit: far above
/// what a person writes, far below what a stolen account sends for a spammer.
pub const DEFAULT_SEND_LIMIT: u32 = 200;
/// The highest limit a domain may set.
pub const MAX_SEND_LIMIT: u32 = 100_000;

/// A person blocked from sending, on Statistics → Blocked senders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct BlockedSender {
    pub account_id: i64,
    pub email: String,
    pub blocked_at: UnixTime,
    /// The hourly limit they reached.
    pub hourly_limit: i64,
    /// Messages they sent in the last 24 hours.
    pub sent_day: i64,
}

/// The reply a blocked person's client gets, and the notice of the one that went over.
pub fn blocked_reply(limit: i64) -> String {
    format!(
        "550 5.7.1 This account sent more than {limit} messages in an hour and is blocked from \
         sending: ask your mail admin to unblock it"
    )
}
