//! The audit log as the Log screen reads it: entries, and the filters that choose them.

use super::{
    list::{like_pattern, Page},
    time::{day_range, UnixTime},
};
use serde::{Deserialize, Serialize};

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditRow {
    pub id: i64,
    pub at: UnixTime,
    pub actor: Option<String>,
    pub action: String,
    pub detail: String,
    pub ip: Option<String>,
    /// The domain the change concerned, when it concerned one that still exists.
    pub domain: Option<String>,
}

/// The filters as the form sends them (and the address keeps them); empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AuditFilter {
    /// Part of the address of who did it.
    pub who: String,
    /// One action, as stored (`mailbox_deleted`).
    pub action: String,
    /// The first day, `YYYY-MM-DD` (UTC).
    pub since: String,
    /// The last day, included.
    pub until: String,
    /// Part of the address it came from (an IP, or "command line").
    pub ip: String,
    /// Part of the domain's name.
    pub domain: String,
}

/// The filters checked, as the store applies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub who: Option<String>,
    pub action: Option<String>,
    pub since: Option<UnixTime>,
    /// Exclusive: midnight after the last day.
    pub until: Option<UnixTime>,
    pub ip: Option<String>,
    pub domain: Option<String>,
}

impl AuditFilter {
    /// The query, or the field that is wrong and why.
    pub fn check(&self) -> Result<AuditQuery, (&'static str, String)> {
        let (since, until) = day_range(&self.since, &self.until)?;
        let pattern = |text: &str| (!text.trim().is_empty()).then(|| like_pattern(text));
        let action = self.action.trim();
        if !action.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(("action", "Choose an action from the list.".into()));
        }
        Ok(AuditQuery {
            who: pattern(&self.who),
            action: (!action.is_empty()).then(|| action.to_string()),
            since,
            until,
            ip: pattern(&self.ip),
            domain: pattern(&self.domain),
        })
    }
}

/// One page of the log, and the actions that occur in it (for the filter's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AuditLog {
    pub page: Page<AuditRow>,
    pub actions: Vec<String>,
}

/// `access_denied` → "Access denied".
pub fn action_label(action: &str) -> String {
    let words = action.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(since: &str, until: &str) -> AuditFilter {
        AuditFilter {
            since: since.into(),
            until: until.into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_filter_matches_everything() {
        assert_eq!(AuditFilter::default().check(), Ok(AuditQuery::default()));
    }

    #[test]
    fn the_last_day_is_included() {
        let q = filter("1970-01-01", "1970-01-01").check().unwrap();
        assert_eq!((q.since, q.until), (Some(0), Some(86_400)));
    }

    #[test]
    fn bad_dates_and_ranges_name_their_field() {
        assert_eq!(filter("31.01.2027", "").check().unwrap_err().0, "since");
        assert_eq!(filter("", "2027-02-30").check().unwrap_err().0, "until");
        let reversed = filter("2027-02-02", "2027-02-01").check().unwrap_err();
        assert_eq!(
            reversed,
            ("until", "The last day is before the first day.".into())
        );
    }

    #[test]
    fn text_filters_match_literally_and_actions_are_names() {
        let f = AuditFilter {
            who: "Dora".into(),
            ip: "10.0.".into(),
            ..Default::default()
        };
        let q = f.check().unwrap();
        assert_eq!(q.who.as_deref(), Some("%dora%"));
        assert_eq!(q.ip.as_deref(), Some("%10.0.%"));
        let sql = AuditFilter {
            action: "x' OR 1=1".into(),
            ..Default::default()
        };
        assert_eq!(sql.check().unwrap_err().0, "action");
        assert_eq!(action_label("mailbox_deleted"), "Mailbox deleted");
    }
}
