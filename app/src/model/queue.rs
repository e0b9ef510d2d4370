//! The delivery queue as its screen shows it: copies waiting for another server or the
//! mail store, with what their last attempt met.

use super::{list::Page, time::UnixTime};
use serde::{Deserialize, Serialize};

/// One recipient's copy waiting for delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct QueueRow {
    pub id: i64,
    /// The message's id, shared by its copies (and named in the server's log).
    pub queue_id: String,
    /// The envelope sender (empty: the null sender, a bounce).
    pub sender: String,
    pub recipient: String,
    /// Where the copy goes, in words: "routes of example.net: mx1.example.net:25".
    pub route: String,
    pub created_at: UnixTime,
    pub attempts: i64,
    pub next_attempt_at: UnixTime,
    /// When it bounces if still undelivered (the domain's retry days).
    pub expires_at: UnixTime,
    /// What the last attempt met; `None` before the first.
    pub last_error: Option<String>,
    /// A delivery attempt is under way now.
    pub sending: bool,
}

/// One page of the queue the reader may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DeliveryQueue {
    pub page: Page<QueueRow>,
    /// The server's time when the page was read (waits are told from it).
    pub now: UnixTime,
}

/// How long until `at`, in words the queue screen uses: "now", "in 4 min", "in 2 h 5 min".
pub fn due_in(at: UnixTime, now: UnixTime) -> String {
    let wait = at - now;
    if wait <= 0 {
        return "now".into();
    }
    let minutes = (wait + 59) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("in {m} min"),
        (h, 0) => format!("in {h} h"),
        (h, m) => format!("in {h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_told_in_minutes_and_hours() {
        assert_eq!(due_in(100, 100), "now");
        assert_eq!(due_in(90, 100), "now");
        assert_eq!(due_in(101, 100), "in 1 min");
        assert_eq!(due_in(400, 100), "in 5 min");
        assert_eq!(due_in(100 + 3600, 100), "in 1 h");
        assert_eq!(due_in(100 + 7500, 100), "in 2 h 5 min");
    }
}
