//! Aliases and forwards: an address (or a domain's catch-all) that hands its mail to one
//! or more recipients, and the loop check every change goes through.

use super::{list::Page, time::UnixTime, DomainName, EmailAddress};
use serde::{Deserialize, Serialize};
use std::{
    collections::{HashMap, HashSet},
    fmt,
};

/// Most recipients one alias may have: more is a mailing list, not an alias.
pub const MAX_TARGETS: usize = 100;

/// What an alias receives mail for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum AliasAddress {
    Address(EmailAddress),
    /// Every local part of the domain that is neither a mailbox nor an alias.
    CatchAll(DomainName),
}

impl AliasAddress {
    /// Reads the form's field on a domain's screen: `sales`, `sales@domain`, or `@domain`
    /// (or `*`) for the catch-all. The address must be in `domain`.
    pub fn parse(input: &str, domain: &DomainName) -> Result<Self, String> {
        let text = input.trim();
        let parsed = if text == "*" || text == "@" {
            AliasAddress::CatchAll(domain.clone())
        } else if let Some(rest) = text.strip_prefix('@') {
            AliasAddress::CatchAll(DomainName::parse(rest)?)
        } else if text.contains('@') {
            AliasAddress::Address(EmailAddress::parse(text)?)
        } else {
            AliasAddress::Address(EmailAddress::parse(&format!("{text}@{domain}"))?)
        };
        if parsed.domain() != *domain {
            return Err(format!("The address must be in {domain}."));
        }
        Ok(parsed)
    }

    /// The stored form: the address, or `@domain` for the catch-all.
    pub fn as_key(&self) -> String {
        match self {
            AliasAddress::Address(a) => a.as_str().to_string(),
            AliasAddress::CatchAll(d) => format!("@{d}"),
        }
    }

    pub fn domain(&self) -> DomainName {
        match self {
            AliasAddress::Address(a) => a.domain(),
            AliasAddress::CatchAll(d) => d.clone(),
        }
    }

    pub fn is_catch_all(&self) -> bool {
        matches!(self, AliasAddress::CatchAll(_))
    }
}

impl fmt::Display for AliasAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_key())
    }
}

/// The recipients typed into the form: addresses separated by commas, spaces or lines.
/// Repeats are dropped; the order is kept.
pub fn parse_targets(input: &str) -> Result<Vec<EmailAddress>, String> {
    parse_address_list(input, MAX_TARGETS).map_err(|e| match e {
        ListError::Empty => "Enter at least one recipient address.".into(),
        ListError::TooMany => {
            format!("An alias has at most {MAX_TARGETS} recipients; use a mailing list for more.")
        }
        ListError::Bad(reason) => reason,
    })
}

/// Why a list of addresses was refused.
pub enum ListError {
    Empty,
    TooMany,
    Bad(String),
}

/// Addresses separated by commas, semicolons, spaces or lines; repeats dropped, order kept.
pub fn parse_address_list(input: &str, max: usize) -> Result<Vec<EmailAddress>, ListError> {
    let mut seen = HashSet::new();
    let mut list = Vec::new();
    for word in input
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let address = EmailAddress::parse(word)
            .map_err(|reason| ListError::Bad(format!("“{word}”: {reason}")))?;
        if seen.insert(address.clone()) {
            list.push(address);
        }
    }
    if list.is_empty() {
        return Err(ListError::Empty);
    }
    if list.len() > max {
        return Err(ListError::TooMany);
    }
    Ok(list)
}

/// Where mail to each address goes next, as far as the loop check needs it: an alias's
/// recipients, or the catch-all's for a local part that has no mailbox or alias.
pub type Expansions = HashMap<String, Vec<String>>;

/// The path of a loop that `source` → `targets` would close (`[a, b, a]` for a→b→a), or
/// `None`. `next` holds every address reachable from `targets`, each with where it goes.
pub fn find_loop(source: &str, targets: &[String], next: &Expansions) -> Option<Vec<String>> {
    // Depth-first, with the path so the message can show it. `done` holds addresses
    // already known not to lead back, so shared recipients are walked once.
    fn walk(
        at: &str,
        source: &str,
        next: &Expansions,
        path: &mut Vec<String>,
        done: &mut HashSet<String>,
    ) -> bool {
        if at == source {
            path.push(at.to_string());
            return true;
        }
        if path.iter().any(|p| p == at) || !done.insert(at.to_string()) {
            return false;
        }
        path.push(at.to_string());
        for to in next.get(at).into_iter().flatten() {
            if walk(to, source, next, path, done) {
                return true;
            }
        }
        path.pop();
        false
    }
    let mut done = HashSet::new();
    for target in targets {
        let mut path = vec![source.to_string()];
        if walk(target, source, next, &mut path, &mut done) {
            return Some(path);
        }
    }
    None
}

/// An alias in a domain's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AliasRow {
    pub id: i64,
    /// The address, or `@domain` for the catch-all.
    pub address: String,
    pub targets: Vec<String>,
    pub created_at: UnixTime,
}

/// A domain's aliases, one page of those matching the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Aliases {
    pub domain: String,
    /// The recipients on this page that are outside the domains served here (forwards).
    pub forwards: Vec<String>,
    pub page: Page<AliasRow>,
}

impl AliasRow {
    pub fn is_catch_all(&self) -> bool {
        self.address.starts_with('@')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain() -> DomainName {
        DomainName::parse("example.org").unwrap()
    }

    #[test]
    fn addresses_are_read_in_the_domain() {
        let d = domain();
        assert_eq!(
            AliasAddress::parse("Sales", &d).unwrap().as_key(),
            "sales@example.org"
        );
        assert_eq!(
            AliasAddress::parse("sales@EXAMPLE.org", &d)
                .unwrap()
                .as_key(),
            "sales@example.org"
        );
        for catch_all in ["@example.org", "*", "@"] {
            let a = AliasAddress::parse(catch_all, &d).unwrap();
            assert!(a.is_catch_all());
            assert_eq!(a.as_key(), "@example.org");
        }
        assert_eq!(
            AliasAddress::parse("sales@other.org", &d).unwrap_err(),
            "The address must be in example.org."
        );
        assert!(AliasAddress::parse("@other.org", &d).is_err());
        assert!(AliasAddress::parse("a b", &d).is_err());
    }

    #[test]
    fn targets_are_split_checked_and_deduplicated() {
        let t = parse_targets("a@example.org, B@example.org\nb@example.org;c@remote.test").unwrap();
        let t: Vec<&str> = t.iter().map(EmailAddress::as_str).collect();
        assert_eq!(t, ["a@example.org", "b@example.org", "c@remote.test"]);
        assert_eq!(
            parse_targets("  ").unwrap_err(),
            "Enter at least one recipient address."
        );
        assert!(parse_targets("a@example.org, nobody")
            .unwrap_err()
            .starts_with("“nobody”:"));
        let many: Vec<String> = (0..=MAX_TARGETS)
            .map(|i| format!("u{i}@example.org"))
            .collect();
        assert!(parse_targets(&many.join(",")).is_err());
    }

    fn graph(edges: &[(&str, &[&str])]) -> Expansions {
        edges
            .iter()
            .map(|(from, to)| (from.to_string(), to.iter().map(|t| t.to_string()).collect()))
            .collect()
    }

    fn targets(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn loops_are_found_with_their_path() {
        // a → b, and now b → a.
        let next = graph(&[("a@x.org", &["b@x.org"])]);
        assert_eq!(
            find_loop("b@x.org", &targets(&["a@x.org"]), &next),
            Some(targets(&["b@x.org", "a@x.org", "b@x.org"]))
        );
        // a → a.
        assert_eq!(
            find_loop("a@x.org", &targets(&["a@x.org"]), &Expansions::new()),
            Some(targets(&["a@x.org", "a@x.org"]))
        );
        // Longer: c → d → e → c, through a fan-out.
        let next = graph(&[
            ("d@x.org", &["m@x.org", "e@x.org"]),
            ("e@x.org", &["n@remote.test", "c@x.org"]),
        ]);
        assert_eq!(
            find_loop("c@x.org", &targets(&["d@x.org"]), &next),
            Some(targets(&["c@x.org", "d@x.org", "e@x.org", "c@x.org"]))
        );
    }

    #[test]
    fn chains_without_a_way_back_are_not_loops() {
        let next = graph(&[
            ("b@x.org", &["c@x.org", "d@x.org"]),
            ("c@x.org", &["d@x.org"]),
            // A cycle elsewhere that does not pass through the source is not this change's.
            ("d@x.org", &["e@x.org"]),
            ("e@x.org", &["d@x.org"]),
        ]);
        assert_eq!(find_loop("a@x.org", &targets(&["b@x.org"]), &next), None);
        assert_eq!(
            find_loop("a@x.org", &targets(&["z@remote.test"]), &next),
            None
        );
    }

    #[test]
    fn a_catch_all_can_close_a_loop() {
        // @x.org → b@y.org, and now b@y.org → nobody@x.org, which has no mailbox: the
        // catch-all takes it, and mail goes round.
        let next = graph(&[("nobody@x.org", &["@x.org"]), ("@x.org", &["b@y.org"])]);
        assert_eq!(
            find_loop("b@y.org", &targets(&["nobody@x.org"]), &next),
            Some(targets(&["b@y.org", "nobody@x.org", "@x.org", "b@y.org"]))
        );
    }
}
