//! Header rules, part of the scoring stage: what RFC 5322 asks of every message's header and
//! real mail programs always write, and the tricks spam plays with header fields. Each rule
//! scores low: a mail program with one flaw is not spam; a message with several is suspect,
//! and all the "missing" rules together (3) stay below the default defer level (4).

use super::scoring::Score;
use mail_parser::{HeaderName, Message};

const MISSING_FROM: f64 = 1.5;
const MISSING_DATE: f64 = 1.0;
const MISSING_MESSAGE_ID: f64 = 0.5;
const BAD_DATE: f64 = 1.0;
const DATE_IN_FUTURE: f64 = 1.5;
/// Two From (or Subject, …) fields: one for the filter to read and another for the reader.
const DUPLICATE_FIELD: f64 = 2.0;
/// `"support@bank.example" <x@elsewhere.example>`: a reader sees the name, not the address.
const FROM_NAME_OTHER_ADDRESS: f64 = 2.0;
const SUBJECT_ALL_CAPS: f64 = 1.0;

/// A Date this far ahead of the clock is not a slow clock (time zones are within a day).
const FUTURE_SLACK: i64 = 86_400;
/// A subject needs this many letters before all of them being capitals means shouting.
const CAPS_MIN_LETTERS: usize = 10;

/// Fields RFC 5322 §3.6 allows at most once.
const ONCE: [HeaderName<'static>; 8] = [
    HeaderName::From,
    HeaderName::Sender,
    HeaderName::ReplyTo,
    HeaderName::To,
    HeaderName::Cc,
    HeaderName::Subject,
    HeaderName::Date,
    HeaderName::MessageId,
];

/// Adds what the header's fields give away to `score`; `now` for the Date.
pub fn check(header: &Message<'_>, now: i64, score: &mut Score) {
    let fields = header.headers();
    let has = |name: &HeaderName<'_>| fields.iter().any(|f| &f.name == name);
    for name in &ONCE {
        let count = fields.iter().filter(|f| &f.name == name).count();
        if count > 1 {
            score.add(
                "DUPLICATE_FIELD",
                DUPLICATE_FIELD,
                format!("{count} {} fields", name.as_str()),
            );
            // One such trick is enough to say so; more do not make it more certain.
            break;
        }
    }
    match header.from().and_then(|from| from.first()) {
        None => score.add("MISSING_FROM", MISSING_FROM, "no From field"),
        Some(from) => {
            if let (Some(name), Some(address)) = (from.name(), from.address()) {
                if let Some(other) = other_address_in_name(name, address) {
                    score.add(
                        "FROM_NAME_OTHER_ADDRESS",
                        FROM_NAME_OTHER_ADDRESS,
                        format!("the From name shows {other}, the address is {address}"),
                    );
                }
            }
        }
    }
    if !has(&HeaderName::Date) {
        score.add("MISSING_DATE", MISSING_DATE, "no Date field");
    } else {
        match header.date().filter(|d| d.is_valid()) {
            None => score.add("BAD_DATE", BAD_DATE, "a Date field that is no date"),
            Some(date) if date.to_timestamp() > now + FUTURE_SLACK => score.add(
                "DATE_IN_FUTURE",
                DATE_IN_FUTURE,
                format!("dated {date}, more than a day ahead"),
            ),
            Some(_) => {}
        }
    }
    if header.message_id().is_none() {
        score.add(
            "MISSING_MESSAGE_ID",
            MISSING_MESSAGE_ID,
            "no Message-ID field",
        );
    }
    if let Some(subject) = header.subject() {
        let letters = subject.chars().filter(|c| c.is_alphabetic());
        if letters.clone().count() >= CAPS_MIN_LETTERS && letters.clone().all(char::is_uppercase) {
            score.add(
                "SUBJECT_ALL_CAPS",
                SUBJECT_ALL_CAPS,
                "the Subject is all capitals",
            );
        }
    }
}

/// An address in the display name whose domain is not the From address's own (nor one of
/// its subdomains, nor its parent): what a reader takes for the sender.
fn other_address_in_name(name: &str, address: &str) -> Option<String> {
    let domain = address.rsplit_once('@')?.1.to_ascii_lowercase();
    name.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '"' | ','))
        .filter_map(|word| {
            let (local, host) = word.rsplit_once('@')?;
            let host = host
                .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_ascii_lowercase();
            (!local.is_empty() && host.contains('.')).then_some((word, host))
        })
        .find(|(_, host)| !related(host, &domain))
        .map(|(word, _)| word.to_string())
}

/// The same domain, or one within the other.
fn related(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner == outer
            || inner
                .strip_suffix(outer)
                .is_some_and(|rest| rest.ends_with('.'))
    };
    within(a, b) || within(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    /// 2027-01-15 08:00 UTC.
    const NOW: i64 = 1_800_000_000;

    fn rules(header: &str) -> String {
        let parsed = MessageParser::new()
            .parse_headers(header.as_bytes())
            .unwrap();
        let mut score = Score::default();
        check(&parsed, NOW, &mut score);
        score.rules()
    }

    const GOOD: &str = "From: Ann <ann@sender.example>\r\nTo: bob@example.test\r\n\
        Subject: Lunch\r\nDate: Fri, 15 Jan 2027 07:55:00 +0000\r\n\
        Message-ID: <1@sender.example>\r\n\r\nbody\r\n";

    #[test]
    fn an_ordinary_header_scores_nothing() {
        assert_eq!(rules(GOOD), "");
        // A name that is the same address, or one of the domain's own, is no trick.
        assert_eq!(
            rules(&GOOD.replace("Ann <", "\"ann@sender.example\" <")),
            ""
        );
        assert_eq!(
            rules(&GOOD.replace("Ann <", "\"help@mail.sender.example\" <")),
            ""
        );
        // A Date a few hours ahead is a time zone, not a trick.
        assert_eq!(rules(&GOOD.replace("07:55:00 +0000", "18:00:00 +0000")), "");
        // Short shouting is fine (an acronym).
        assert_eq!(rules(&GOOD.replace("Lunch", "RE: FYI")), "");
    }

    #[test]
    fn missing_fields_add_up_to_less_than_the_defer_level() {
        let all = rules("X-Mailer: nothing\r\n\r\nbody\r\n");
        assert_eq!(
            all,
            "MISSING_FROM=1.5, MISSING_DATE=1, MISSING_MESSAGE_ID=0.5"
        );
    }

    #[test]
    fn tricks_are_found() {
        assert_eq!(
            rules(&GOOD.replace("Ann <", "\"support@bank.example\" <")),
            "FROM_NAME_OTHER_ADDRESS=2"
        );
        assert_eq!(
            rules(&GOOD.replace("To:", "From: boss@example.test\r\nTo:")),
            "DUPLICATE_FIELD=2"
        );
        assert_eq!(
            rules(&GOOD.replace("Fri, 15 Jan 2027", "Sun, 17 Jan 2027")),
            "DATE_IN_FUTURE=1.5"
        );
        assert_eq!(
            rules(&GOOD.replace("Fri, 15 Jan 2027 07:55:00 +0000", "yesterday")),
            "BAD_DATE=1"
        );
        assert_eq!(
            rules(&GOOD.replace("Lunch", "YOU HAVE WON A PRIZE")),
            "SUBJECT_ALL_CAPS=1"
        );
    }
}
