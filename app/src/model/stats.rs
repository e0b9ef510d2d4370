//! The Statistics screen's figures: messages and their sizes per class of verdict, in
//! buckets of an hour, a day, a week or a month, and the share of spam.

use super::{
    mail_log::Verdict,
    time::{civil_from_days, days_from_civil, UnixTime},
};
use serde::{Deserialize, Serialize};

/// The span one bar of the charts stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Period {
    /// The last 24 hours, hour by hour.
    Hours,
    /// The last 30 days, day by day.
    Days,
    /// The last 12 weeks (Monday to Sunday).
    Weeks,
    /// The last 12 months.
    Months,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Hours, Period::Days, Period::Weeks, Period::Months];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Hours => "hours",
            Period::Days => "days",
            Period::Weeks => "weeks",
            Period::Months => "months",
        }
    }

    /// An unknown or missing period is days, the screen's default.
    pub fn parse(text: &str) -> Period {
        Period::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .unwrap_or(Period::Days)
    }

    /// As the period switch names it.
    pub fn label(self) -> &'static str {
        match self {
            Period::Hours => "Last 24 hours",
            Period::Days => "Last 30 days",
            Period::Weeks => "Last 12 weeks",
            Period::Months => "Last 12 months",
        }
    }

    /// The buckets up to the one holding `now`, oldest first: (start, end exclusive).
    pub fn buckets(self, now: UnixTime) -> Vec<(UnixTime, UnixTime)> {
        const HOUR: i64 = 3600;
        const DAY: i64 = 86_400;
        let steps = |start: UnixTime, step: i64, n: i64| {
            (0..n)
                .rev()
                .map(|i| (start - i * step, start - i * step + step))
                .collect()
        };
        match self {
            Period::Hours => steps(now.div_euclid(HOUR) * HOUR, HOUR, 24),
            Period::Days => steps(now.div_euclid(DAY) * DAY, DAY, 30),
            Period::Weeks => {
                // 1970-01-01 was a Thursday: Mondays are 4 days after day 0, every 7.
                let day = now.div_euclid(DAY);
                let monday = day - (day - 4).rem_euclid(7);
                steps(monday * DAY, 7 * DAY, 12)
            }
            Period::Months => {
                let (y, m, _) = civil_from_days(now.div_euclid(DAY));
                let month = y * 12 + i64::from(m) - 1;
                let start = |month: i64| {
                    days_from_civil(month.div_euclid(12), (month.rem_euclid(12) + 1) as u32, 1)
                        * DAY
                };
                (0..12)
                    .rev()
                    .map(|i| (start(month - i), start(month - i + 1)))
                    .collect()
            }
        }
    }

    /// A bucket's name on the chart's axis and in the table.
    pub fn bucket_label(self, start: UnixTime) -> String {
        let (y, m, d) = civil_from_days(start.div_euclid(86_400));
        match self {
            Period::Hours => format!("{:02}:00", start.rem_euclid(86_400) / 3600),
            Period::Days => format!("{m:02}-{d:02}"),
            Period::Weeks => format!("wk of {m:02}-{d:02}"),
            Period::Months => format!("{y}-{m:02}"),
        }
    }
}

/// What became of messages, as the statistics count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Class {
    /// Delivered or queued, not spam.
    Clean,
    /// Delivered with `X-Spam: yes`.
    Tagged,
    /// Kept in quarantine or refused (5xx).
    Blocked,
    Whitelisted,
    Blacklisted,
    Greylisted,
    /// Refused for now for another reason (a full mailbox, a failure here).
    Deferred,
}

impl Class {
    pub const ALL: [Class; 7] = [
        Class::Clean,
        Class::Tagged,
        Class::Blocked,
        Class::Whitelisted,
        Class::Blacklisted,
        Class::Greylisted,
        Class::Deferred,
    ];

    pub fn of(verdict: Verdict) -> Class {
        match verdict {
            Verdict::Delivered | Verdict::Queued => Class::Clean,
            Verdict::Tagged => Class::Tagged,
            Verdict::Quarantined | Verdict::Rejected => Class::Blocked,
            Verdict::Whitelisted => Class::Whitelisted,
            Verdict::Blacklisted => Class::Blacklisted,
            Verdict::Greylisted => Class::Greylisted,
            Verdict::Deferred => Class::Deferred,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Class::Clean => "Clean",
            Class::Tagged => "Tagged as spam",
            Class::Blocked => "Spam blocked",
            Class::Whitelisted => "Whitelisted",
            Class::Blacklisted => "Blacklisted",
            Class::Greylisted => "Greylisted",
            Class::Deferred => "Deferred",
        }
    }

    /// The style class that colours it on the charts.
    pub fn css(self) -> &'static str {
        match self {
            Class::Clean => "c-clean",
            Class::Tagged => "c-tagged",
            Class::Blocked => "c-blocked",
            Class::Whitelisted => "c-whitelisted",
            Class::Blacklisted => "c-blacklisted",
            Class::Greylisted => "c-greylisted",
            Class::Deferred => "c-deferred",
        }
    }

    fn index(self) -> usize {
        Class::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// One bar: the messages and bytes of each class (in `Class::ALL` order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Bucket {
    pub start: UnixTime,
    pub messages: [i64; 7],
    pub bytes: [i64; 7],
}

impl Bucket {
    pub fn add(&mut self, class: Class, messages: i64, bytes: i64) {
        self.messages[class.index()] += messages;
        self.bytes[class.index()] += bytes;
    }

    pub fn count(&self, class: Class) -> i64 {
        self.messages[class.index()]
    }

    pub fn size(&self, class: Class) -> i64 {
        self.bytes[class.index()]
    }

    pub fn total(&self) -> i64 {
        self.messages.iter().sum()
    }

    /// Spam's share of the messages judged (tagged, blocked, blacklisted against those and
    /// clean and whitelisted); greylisted and deferred mail is judged when it comes back.
    /// `None` when nothing was judged.
    pub fn spam_ratio(&self) -> Option<f64> {
        let spam =
            self.count(Class::Tagged) + self.count(Class::Blocked) + self.count(Class::Blacklisted);
        let judged = spam + self.count(Class::Clean) + self.count(Class::Whitelisted);
        (judged > 0).then(|| spam as f64 / judged as f64)
    }

    /// The sum of several buckets (the period's total).
    pub fn sum<'a>(buckets: impl IntoIterator<Item = &'a Bucket>) -> Bucket {
        let mut total = Bucket::default();
        for b in buckets {
            for i in 0..7 {
                total.messages[i] += b.messages[i];
                total.bytes[i] += b.bytes[i];
            }
        }
        total
    }
}

/// "12.5 %", or "—" when nothing was judged.
pub fn format_ratio(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".into(), |r| format!("{:.1} %", r * 100.0))
}

/// The figures a reader asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Stats {
    pub period: Period,
    /// The domain shown; `None`: all the reader's domains.
    pub domain: Option<i64>,
    /// The domains the reader may choose from (id, name).
    pub domains: Vec<(i64, String)>,
    /// Oldest first; every bucket of the period, empty ones too.
    pub buckets: Vec<Bucket>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::parse_date;

    #[test]
    fn buckets_end_with_the_one_holding_now() {
        let now = parse_date("2026-11-25").unwrap() + 13 * 3600 + 5; // a Wednesday, 13:00:05
        let hours = Period::Hours.buckets(now);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[23], (now - 5, now - 5 + 3600));
        assert_eq!(Period::Hours.bucket_label(hours[23].0), "13:00");
        let days = Period::Days.buckets(now);
        assert_eq!(days.len(), 30);
        assert_eq!(days[29].0, parse_date("2026-11-25").unwrap());
        assert_eq!(days[0].0, parse_date("2026-10-27").unwrap());
        let weeks = Period::Weeks.buckets(now);
        assert_eq!(weeks[11].0, parse_date("2026-11-23").unwrap(), "a Monday");
        assert_eq!(weeks[0].0, parse_date("2026-09-07").unwrap());
        let months = Period::Months.buckets(now);
        assert_eq!(
            months[11],
            (
                parse_date("2026-11-01").unwrap(),
                parse_date("2026-12-01").unwrap()
            )
        );
        assert_eq!(months[0].0, parse_date("2025-12-01").unwrap());
        assert_eq!(Period::Months.bucket_label(months[0].0), "2025-12");
        // Consecutive: each bucket ends where the next starts.
        for p in Period::ALL {
            let b = p.buckets(now);
            assert!(b.windows(2).all(|w| w[0].1 == w[1].0), "{p:?}");
        }
    }

    #[test]
    fn the_spam_ratio_counts_judged_mail() {
        let mut b = Bucket::default();
        assert_eq!(b.spam_ratio(), None);
        b.add(Class::Clean, 6, 600);
        b.add(Class::Tagged, 1, 10);
        b.add(Class::Blocked, 2, 20);
        b.add(Class::Blacklisted, 1, 10);
        b.add(Class::Greylisted, 40, 0);
        assert_eq!(b.spam_ratio(), Some(0.4));
        assert_eq!(format_ratio(b.spam_ratio()), "40.0 %");
        assert_eq!(b.total(), 50);
        assert_eq!(Bucket::sum([&b, &b]).count(Class::Clean), 12);
        assert_eq!(Class::of(Verdict::Quarantined), Class::Blocked);
        assert_eq!(Period::parse("nonsense"), Period::Days);
    }
}
