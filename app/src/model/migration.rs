//! Auto migration: a hosted domain's old IMAP server, from which its users move their mail
//! by signing up here with their existing address and password, and the copies' progress.

use super::{route::Destination, time::UnixTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The IMAP port with TLS from the first byte (RFC 8314), the default.
pub const IMAPS_PORT: u16 = 993;
/// The IMAP port where STARTTLS or plain text is spoken.
pub const IMAP_PORT: u16 = 143;

/// How the portal talks to the old server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain text upgraded with STARTTLS before the password is sent (port 143).
    StartTls,
    /// No encryption: the password crosses the network readable. Only for a server on a
    /// network the host trusts (the same machine, a private link).
    Plain,
}

impl Security {
    pub const ALL: [Security; 3] = [Security::Tls, Security::StartTls, Security::Plain];

    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::Plain => "plain",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Security::Tls => "TLS (IMAPS, usually port 993)",
            Security::StartTls => "STARTTLS (usually port 143)",
            Security::Plain => "None: only for a server on a trusted network",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => IMAPS_PORT,
            Security::StartTls | Security::Plain => IMAP_PORT,
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Security::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
            .ok_or_else(|| "Choose how the portal connects: TLS, STARTTLS or none.".into())
    }
}

/// The old server as typed: `imap.example.org`, `imap.example.org:993`, `192.0.2.10:143`.
/// Without a port, the security's usual port.
pub fn parse_server(input: &str, security: Security) -> Result<Destination, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("Enter the old IMAP server, for example imap.example.org.".into());
    }
    let has_port = match text.strip_prefix('[') {
        Some(rest) => rest.contains("]:"),
        None => text.matches(':').count() == 1,
    };
    let mut dest = Destination::parse(text)?;
    if !has_port {
        dest.port = security.default_port();
    }
    Ok(dest)
}

/// A domain's old IMAP server, as the Auto migration screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Source {
    /// `host:port`.
    pub server: String,
    pub security: Security,
    /// Whether the domain's users may sign up now.
    pub enabled: bool,
}

/// Where a user's copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for its turn, or for its next try after a failure.
    Queued,
    Copying,
    Done,
    /// Given up on after repeated failures, or refused by the old server; an admin may retry.
    Failed,
    Cancelled,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Copying => "copying",
            State::Done => "done",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            State::Queued,
            State::Copying,
            State::Done,
            State::Failed,
            State::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Queued => "Waiting",
            State::Copying => "Copying",
            State::Done => "Done",
            State::Failed => "Failed",
            State::Cancelled => "Cancelled",
        }
    }

    /// Still to finish: a screen showing it keeps refreshing.
    pub fn is_running(self) -> bool {
        matches!(self, State::Queued | State::Copying)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Counts of a copy (or of several): folders and messages done of their totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Progress {
    pub folders_done: i64,
    pub folders_total: i64,
    pub messages_done: i64,
    pub messages_total: i64,
    /// Messages or folders that could not be copied.
    pub errors: i64,
}

impl Progress {
    /// Whole per cent of the messages copied (100 with none to copy).
    pub fn percent(&self) -> i64 {
        if self.messages_total <= 0 {
            return if self.folders_total > 0 && self.folders_done >= self.folders_total {
                100
            } else {
                0
            };
        }
        (self.messages_done * 100 / self.messages_total).clamp(0, 100)
    }

    /// "120 of 300 messages in 2 of 5 folders".
    pub fn describe(&self) -> String {
        format!(
            "{} of {} messages, {} of {} folders",
            self.messages_done, self.messages_total, self.folders_done, self.folders_total
        )
    }
}

/// One user's copy, as the admin's list and the user's own screen show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MigrationRow {
    pub id: i64,
    pub email: String,
    pub state: State,
    pub progress: Progress,
    /// The newest error, in words.
    pub last_error: Option<String>,
    /// When a waiting copy tries again after a failure.
    pub next_try_at: Option<UnixTime>,
    pub created_at: UnixTime,
    pub finished_at: Option<UnixTime>,
    /// The old password is still kept (sealed) for the copy: retry is possible without it.
    pub can_retry: bool,
}

/// One folder of a user's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct FolderRow {
    /// As people read it (decoded from IMAP's modified UTF-7), hierarchy with `/`.
    pub name: String,
    pub messages_done: i64,
    pub messages_total: i64,
    pub done: bool,
    pub error: Option<String>,
}

/// The Auto migration screen of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainMigration {
    pub domain: String,
    pub source: Option<Source>,
    /// False when this portal hands mailboxes to another store over LMTP: the copy writes
    /// into the portal's own Maildir, so it cannot run then.
    pub local_delivery: bool,
    /// A master admin allowed servers on this machine or its link (Routes).
    pub allow_local: bool,
    /// Every user's copy, newest first.
    pub users: Vec<MigrationRow>,
    /// The sum over `users`.
    pub total: Progress,
    /// Users by state: waiting, copying, done, failed, cancelled.
    pub counts: StateCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StateCounts {
    pub queued: i64,
    pub copying: i64,
    pub done: i64,
    pub failed: i64,
    pub cancelled: i64,
}

impl StateCounts {
    pub fn add(&mut self, state: State) {
        match state {
            State::Queued => self.queued += 1,
            State::Copying => self.copying += 1,
            State::Done => self.done += 1,
            State::Failed => self.failed += 1,
            State::Cancelled => self.cancelled += 1,
        }
    }
}

/// The user's own Mail migration screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MyMigration {
    pub row: MigrationRow,
    /// The old server, `host:port`.
    pub server: String,
    pub folders: Vec<FolderRow>,
    /// The password brought over is on the list of common passwords: choosing a new one
    /// is advised.
    pub weak_password: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_take_the_usual_port_of_their_security() {
        let shown = |text: &str, s: Security| parse_server(text, s).unwrap().to_string();
        assert_eq!(
            shown("imap.example.org", Security::Tls),
            "imap.example.org:993"
        );
        assert_eq!(
            shown("imap.example.org", Security::StartTls),
            "imap.example.org:143"
        );
        assert_eq!(
            shown("IMAP.example.org:1143", Security::Tls),
            "imap.example.org:1143"
        );
        assert_eq!(shown("[2001:db8::1]", Security::Tls), "[2001:db8::1]:993");
        assert_eq!(
            shown("[2001:db8::1]:10143", Security::Plain),
            "[2001:db8::1]:10143"
        );
        assert_eq!(shown("192.0.2.1", Security::Plain), "192.0.2.1:143");
        for bad in ["", "  ", "imap.example.org:0", "imap.example.org:x", "a b"] {
            assert!(parse_server(bad, Security::Tls).is_err(), "{bad:?}");
        }
        assert_eq!(Security::parse("starttls"), Ok(Security::StartTls));
        assert!(Security::parse("ssl").is_err());
    }

    #[test]
    fn progress_counts_messages_and_empty_copies_end_at_100() {
        let mut p = Progress {
            folders_done: 1,
            folders_total: 3,
            messages_done: 50,
            messages_total: 200,
            errors: 0,
        };
        assert_eq!(p.percent(), 25);
        assert_eq!(p.describe(), "50 of 200 messages, 1 of 3 folders");
        p.messages_total = 0;
        p.messages_done = 0;
        assert_eq!(p.percent(), 0);
        p.folders_done = 3;
        assert_eq!(p.percent(), 100);
    }
}
