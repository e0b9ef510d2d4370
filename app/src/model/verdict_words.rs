//! A message's verdict in plain words, as the quarantine and the log tell it next to the
//! raw evidence: "Scored 16.2: the sender's server is not allowed by its SPF record, and
//! the header matched 3 spam rules." The pipeline writes it with the log row, from what
//! each stage found; the rule names stay in the evidence for those who know them.

/// What a scoring rule tells a reader who does not know its name; `None` for the header
/// rules, which are told together ("the header matched 3 spam rules"): one by one they
/// would drown the sentence, and each is weak on its own.
fn rule_words(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "GTUBE" => "the text carries the antispam test string (GTUBE)",
        "SPF_FAIL" => "the sender's server is not allowed by its SPF record",
        "SPF_SOFTFAIL" => "the sender's SPF record does not vouch for its server",
        "SPF_PERMERROR" => "the sender's SPF record is broken",
        "BAYES_SPAM" => "the text looks like the spam this host has learned",
        "BAYES_HAM" => "the text looks like the wanted mail this host has learned",
        _ => return None,
    })
}

/// "Scored 16.2: …." for a scored message and the rules that matched, in the order found.
pub fn scored(total: f64, rules: &[&str]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut header_rules = 0;
    for rule in rules {
        match rule_words(rule) {
            Some(words) if !parts.iter().any(|p| p == words) => parts.push(words.to_string()),
            Some(_) => {}
            None => header_rules += 1,
        }
    }
    if header_rules > 0 {
        let rules = if header_rules == 1 { "rule" } else { "rules" };
        parts.push(format!("the header matched {header_rules} spam {rules}"));
    }
    if parts.is_empty() {
        return format!("Scored {total:.1}: no spam rule matched.");
    }
    format!("Scored {total:.1}: {}.", and_list(&parts))
}

/// "a", "a, and b", "a, b, and c": clauses, each a sentence of its own.
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] => format!("{}, and {last}", first.join(", ")),
    }
}

/// "Not scored: …." / "Refused: …." with the first letter of `what` kept as it is, for a
/// decision taken before any score.
pub fn decided(outcome: &str, what: &str) -> String {
    let what = what.trim_end_matches('.');
    format!("{outcome}: {what}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_told_in_words_and_header_rules_counted() {
        assert_eq!(
            scored(
                16.2,
                &["SPF_FAIL", "MISSING_DATE", "BAD_DATE", "DUPLICATE_FIELD"]
            ),
            "Scored 16.2: the sender's server is not allowed by its SPF record, \
             and the header matched 3 spam rules."
        );
        assert_eq!(
            scored(1000.0, &["GTUBE"]),
            "Scored 1000.0: the text carries the antispam test string (GTUBE)."
        );
        assert_eq!(
            scored(1.0, &["MISSING_DATE"]),
            "Scored 1.0: the header matched 1 spam rule."
        );
        assert_eq!(scored(0.0, &[]), "Scored 0.0: no spam rule matched.");
        assert_eq!(
            scored(9.0, &["GTUBE", "SPF_SOFTFAIL", "SUBJECT_ALL_CAPS"]),
            "Scored 9.0: the text carries the antispam test string (GTUBE), the sender's \
             SPF record does not vouch for its server, and the header matched 1 spam rule."
        );
    }

    #[test]
    fn decisions_end_with_one_full_stop() {
        assert_eq!(
            decided("Refused", "x is on the domain's blacklist (x)."),
            "Refused: x is on the domain's blacklist (x)."
        );
        assert_eq!(decided("Kept", "too large"), "Kept: too large.");
    }
}
