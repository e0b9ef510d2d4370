//! Spam and not-spam learning as the screens name it.

use super::Role;
use serde::{Deserialize, Serialize};

/// What a person says a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Class {
    Spam,
    /// Not spam.
    Ham,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Spam => "spam",
            Class::Ham => "ham",
        }
    }

    /// As the screens say it.
    pub fn label(self) -> &'static str {
        match self {
            Class::Spam => "spam",
            Class::Ham => "not spam",
        }
    }

    pub fn parse(text: &str) -> Result<Class, String> {
        match text {
            "spam" => Ok(Class::Spam),
            "ham" => Ok(Class::Ham),
            _ => Err("Choose spam or not spam.".into()),
        }
    }
}

/// What learning a batch of messages did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Learned {
    /// Learned for the first time.
    pub new: usize,
    /// Learned before as the other class, and moved.
    pub moved: usize,
    /// Learned as this class already.
    pub already: usize,
    /// Not learned: the person had reported as many as they may this hour.
    pub over_limit: usize,
}

impl std::ops::AddAssign for Learned {
    fn add_assign(&mut self, other: Learned) {
        self.new += other.new;
        self.moved += other.moved;
        self.already += other.already;
        self.over_limit += other.over_limit;
    }
}

impl Learned {
    /// What learning did, for the person who asked: "Learned 2 messages as spam (1 had
    /// been learned as not spam)."
    pub fn words(&self, class: Class) -> String {
        let class = class.label();
        let count = |n: usize| match n {
            1 => "1 message".to_string(),
            n => format!("{n} messages"),
        };
        let mut said = Vec::new();
        let learned = self.new + self.moved;
        if learned > 0 {
            let mut s = format!("Learned {} as {class}", count(learned));
            if self.moved > 0 {
                s.push_str(&format!(
                    " ({} had been learned as the opposite)",
                    self.moved
                ));
            }
            said.push(s);
        }
        if self.already > 0 {
            said.push(format!(
                "{} {} learned as {class} before",
                count(self.already),
                if self.already == 1 { "was" } else { "were" }
            ));
        }
        if self.over_limit > 0 {
            said.push(format!(
                "{} not learned: you have reported as many messages as one person may in an \
                 hour, so try again later",
                count(self.over_limit)
            ));
        }
        if said.is_empty() {
            return "Nothing was learned.".into();
        }
        let mut out = said.join("; ");
        out.push('.');
        out
    }
}

/// How much the spam filter has learned, told on the quarantine and learning screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LearnedCounts {
    pub spam: u32,
    pub ham: u32,
    /// Each class needs this many before the classifier scores mail.
    pub needed: u32,
}

impl LearnedCounts {
    pub fn describe(&self) -> String {
        let mut said = format!(
            "The spam filter has learned {} spam and {} wanted messages from your marks.",
            self.spam, self.ham
        );
        if self.spam < self.needed || self.ham < self.needed {
            said.push_str(&format!(
                " It starts scoring mail with what it learned once it knows {} of each.",
                self.needed
            ));
        }
        said
    }
}

/// How many messages one person may report (learn as spam or not spam) in an hour: reports
/// train the host's one classifier, so one account cannot swing it. Admins report for their
/// domains and upload collections, so they may report more.
pub fn reports_per_hour(role: Role) -> i64 {
    match role {
        Role::MailUser => 100,
        _ => 2000,
    }
}

/// The largest message file an upload takes; a file is sent as text in one request.
pub const MAX_UPLOAD_BYTES: usize = 1024 * 1024;

/// The learning screen's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LearningStatus {
    pub learned: LearnedCounts,
    /// The reader's hourly allowance of reports, and what is left of it.
    pub per_hour: i64,
    pub left: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_is_told_in_words() {
        let one = Learned {
            new: 1,
            ..Learned::default()
        };
        assert_eq!(one.words(Class::Spam), "Learned 1 message as spam.");
        let mixed = Learned {
            new: 1,
            moved: 1,
            already: 2,
            over_limit: 3,
        };
        assert_eq!(
            mixed.words(Class::Ham),
            "Learned 2 messages as not spam (1 had been learned as the opposite); 2 messages \
             were learned as not spam before; 3 messages not learned: you have reported as many \
             messages as one person may in an hour, so try again later."
        );
        assert_eq!(Learned::default().words(Class::Ham), "Nothing was learned.");
    }
}
