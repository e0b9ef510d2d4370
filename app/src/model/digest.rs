//! Quarantine digests: how often a domain's people are told of their newly quarantined
//! mail, and what a digest's one-time link shows before it is used.

use serde::{Deserialize, Serialize};

/// Days a digest's links work after the digest was sent.
pub const LINK_DAYS: i64 = 7;
/// Messages listed in one digest; more are counted and left to the Quarantine screen.
pub const MAX_LISTED: usize = 50;

/// How often a domain's people get a digest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum DigestEvery {
    Off,
    #[default]
    Daily,
    Weekly,
}

impl DigestEvery {
    pub const ALL: [DigestEvery; 3] = [DigestEvery::Off, DigestEvery::Daily, DigestEvery::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            DigestEvery::Off => "off",
            DigestEvery::Daily => "daily",
            DigestEvery::Weekly => "weekly",
        }
    }

    /// The form's value; empty is the default.
    pub fn parse(text: &str) -> Result<DigestEvery, String> {
        match text.trim() {
            "" => Ok(DigestEvery::default()),
            t => Self::ALL
                .into_iter()
                .find(|e| e.as_str() == t)
                .ok_or_else(|| "Choose off, daily or weekly.".into()),
        }
    }

    /// The choice on the Filter settings screen.
    pub fn label(self) -> &'static str {
        match self {
            DigestEvery::Off => "Never",
            DigestEvery::Daily => "Once a day",
            DigestEvery::Weekly => "Once a week",
        }
    }

    /// Seconds between two digests; `None` when off.
    pub fn period_secs(self) -> Option<i64> {
        match self {
            DigestEvery::Off => None,
            DigestEvery::Daily => Some(86_400),
            DigestEvery::Weekly => Some(7 * 86_400),
        }
    }
}

/// What a digest link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum LinkAction {
    Release,
    Delete,
}

impl LinkAction {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkAction::Release => "release",
            LinkAction::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> Option<LinkAction> {
        match text {
            "release" => Some(LinkAction::Release),
            "delete" => Some(LinkAction::Delete),
            _ => None,
        }
    }

    /// The button on the link's page.
    pub fn button(self) -> &'static str {
        match self {
            LinkAction::Release => "Release this message",
            LinkAction::Delete => "Delete this message",
        }
    }
}

/// A digest link's message, shown before the link is used: opening the page changes
/// nothing, so a mail scanner that follows links releases nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DigestLinkView {
    pub action: LinkAction,
    pub at: i64,
    pub from: String,
    pub subject: String,
    pub recipients: Vec<String>,
    pub score: Option<f64>,
    pub reason: String,
    /// When the link stops working.
    pub expires_at: i64,
}

/// The digest setting of the signed-in person (My account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DigestChoice {
    pub wanted: bool,
    /// How often each of the person's domains sends one (domain, how often): what ticking
    /// the box means.
    pub domains: Vec<(String, DigestEvery)>,
}
