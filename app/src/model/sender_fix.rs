//! One-click fixes next to a verdict: allow or block a message's sender for the reader
//! ("for me": their own lists) or for the message's domain (its admins). The sender is the
//! message's From address, which the sender lists match; the server reads it from the
//! message the reader may see, never from the request.

use super::{sender_list::List, time::UnixTime};
use serde::{Deserialize, Serialize};

/// Where the message was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum FixSource {
    /// A row of the incoming mail log.
    Log,
    /// A message kept in quarantine.
    Quarantine,
}

impl FixSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FixSource::Log => "log",
            FixSource::Quarantine => "quarantine",
        }
    }

    pub fn parse(text: &str) -> Result<FixSource, String> {
        match text {
            "log" => Ok(FixSource::Log),
            "quarantine" => Ok(FixSource::Quarantine),
            _ => Err("Open the message from the quarantine or the mail log.".into()),
        }
    }
}

/// Whose list the sender goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum FixScope {
    /// The reader's own list: mail to them only.
    Me,
    /// The list of the message's domain (its admins).
    Domain,
}

impl FixScope {
    pub fn as_str(self) -> &'static str {
        match self {
            FixScope::Me => "me",
            FixScope::Domain => "domain",
        }
    }

    pub fn parse(text: &str) -> Result<FixScope, String> {
        match text {
            "me" => Ok(FixScope::Me),
            "domain" => Ok(FixScope::Domain),
            _ => Err("Choose to change your own list or the domain's.".into()),
        }
    }
}

/// The button's words.
pub fn fix_label(list: List, scope: FixScope) -> &'static str {
    match (list, scope) {
        (List::Whitelist, FixScope::Me) => "Allow this sender for me",
        (List::Blacklist, FixScope::Me) => "Block this sender for me",
        (List::Whitelist, FixScope::Domain) => "Allow this sender for the domain",
        (List::Blacklist, FixScope::Domain) => "Block this sender for the domain",
    }
}

/// Asked before a sender that failed SPF is allowed: its own domain said the server may not
/// send its mail, so the From address may well be forged.
pub const SPF_FAILED_QUESTION: &str = "This message failed SPF: the sender's own domain says \
     the server that sent it may not send its mail, so the From address may be forged. \
     Allowing the sender lets such mail in without any spam check. Allow it anyway?";

/// What a fix did, for the reader: "jane@example.org is on your whitelist now (it was on
/// your blacklist)."
pub fn fixed(sender: &str, list: List, scope: FixScope, domain: &str, was: Option<List>) -> String {
    let whose = match scope {
        FixScope::Me => "your".to_string(),
        FixScope::Domain => format!("{domain}'s"),
    };
    let now = format!("{sender} is on {whose} {} now", list.as_str());
    match was {
        Some(old) if old == list => format!("{sender} was on {whose} {} already.", list.as_str()),
        Some(old) => format!("{now} (it was on the {}).", old.as_str()),
        None => format!("{now}."),
    }
}

/// One sender on a person's own lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PersonalEntry {
    pub id: i64,
    pub list: List,
    pub sender: String,
    pub created_at: UnixTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_scopes_read_back() {
        for s in [FixSource::Log, FixSource::Quarantine] {
            assert_eq!(FixSource::parse(s.as_str()), Ok(s));
        }
        for s in [FixScope::Me, FixScope::Domain] {
            assert_eq!(FixScope::parse(s.as_str()), Ok(s));
        }
        assert!(FixSource::parse("queue").is_err());
        assert!(FixScope::parse("global").is_err());
    }

    #[test]
    fn the_outcome_says_where_the_sender_is_now() {
        let w = List::Whitelist;
        let b = List::Blacklist;
        assert_eq!(
            fixed("a@x.test", w, FixScope::Me, "d.test", None),
            "a@x.test is on your whitelist now."
        );
        assert_eq!(
            fixed("a@x.test", b, FixScope::Domain, "d.test", Some(w)),
            "a@x.test is on d.test's blacklist now (it was on the whitelist)."
        );
        assert_eq!(
            fixed("a@x.test", b, FixScope::Me, "d.test", Some(b)),
            "a@x.test was on your blacklist already."
        );
    }
}
