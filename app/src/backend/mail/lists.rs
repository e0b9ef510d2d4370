//! The sender lists stages: the connecting server's IP against the network entries (once
//! the recipient's domain is known, at RCPT), then the MIME From against the address and
//! domain entries (after DATA). Global entries are read before the domain's, and any
//! whitelist entry beats every blacklist entry: an admin who whitelists a partner means it
//! even when a broader rule blacklists its neighbours.

use super::{smtp::Server, writer::Write};
use crate::{
    backend::store::{self, sender_lists::Match},
    model::{sender_list::List, time::UnixTime},
};
use ipnetwork::IpNetwork;
use sqlx::SqlitePool;
use std::net::IpAddr;

/// The entry that decided a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub entry_id: i64,
    pub list: List,
    pub global: bool,
    /// The entry's sender (`192.0.2.0/24`, `example.org`).
    pub pattern: String,
    /// What matched it: the client IP or the From address.
    pub matched: String,
}

impl Listing {
    pub fn whitelisted(&self) -> bool {
        self.list == List::Whitelist
    }

    /// "192.0.2.9 is on the global blacklist (192.0.2.0/24)", for the log's evidence.
    pub fn describe(&self) -> String {
        let owner = if self.global { "global" } else { "domain's" };
        format!(
            "{} is on the {owner} {} ({})",
            self.matched,
            self.list.as_str(),
            self.pattern
        )
    }
}

/// Counts a message `listing`'s entry decided (its hit count and last match on the screen).
pub async fn count_hit(server: &Server, listing: &Listing, now: UnixTime) {
    let hit = Write::ListHit {
        entry_id: listing.entry_id,
        at: now,
    };
    server.writer.hand_over(hit).await;
}

/// The first whitelist entry, else the first blacklist entry, of `matches` (in the order
/// the store gives them: global first).
fn decide(matches: Vec<Match>, matched: &str) -> Option<Listing> {
    let listing = |m: Match, list| Listing {
        entry_id: m.id,
        list,
        global: m.domain_id.is_none(),
        pattern: m.pattern,
        matched: matched.to_string(),
    };
    let (white, black): (Vec<Match>, Vec<Match>) = matches
        .into_iter()
        .partition(|m| m.list == List::Whitelist.as_str());
    if let Some(m) = white.into_iter().next() {
        return Some(listing(m, List::Whitelist));
    }
    black
        .into_iter()
        .next()
        .map(|m| listing(m, List::Blacklist))
}

/// The client IP's listing for mail to `domain_id`. `ip` is canonical: an IPv4 client
/// seen as `::ffff:a.b.c.d` is matched as IPv4 (the session converts it).
pub async fn client(
    pool: &SqlitePool,
    domain_id: i64,
    ip: IpAddr,
    now: UnixTime,
) -> Result<Option<Listing>, sqlx::Error> {
    let ip = ip.to_canonical();
    let matches = store::sender_lists::networks(pool, domain_id, now)
        .await?
        .into_iter()
        .filter(|m| {
            m.pattern
                .parse::<IpNetwork>()
                .is_ok_and(|net| net.contains(ip))
        })
        .collect();
    Ok(decide(matches, &ip.to_string()))
}

/// The MIME From address's listing for mail to `domain_id`: the address itself, its
/// domain, or a parent domain.
pub async fn sender(
    pool: &SqlitePool,
    domain_id: i64,
    from: &str,
    now: UnixTime,
) -> Result<Option<Listing>, sqlx::Error> {
    let patterns = patterns(from);
    let matches = store::sender_lists::senders(pool, domain_id, &patterns, now).await?;
    Ok(decide(matches, from))
}

/// `jane@mail.example.org` → itself, `mail.example.org`, `example.org` (entries name at
/// least two labels, so a bare top-level domain is not asked for).
fn patterns(from: &str) -> Vec<String> {
    let from = from.trim().trim_end_matches('.').to_ascii_lowercase();
    let Some((_, domain)) = from.rsplit_once('@') else {
        return Vec::new();
    };
    let mut out = vec![from.clone()];
    let mut rest = domain;
    while rest.contains('.') {
        out.push(rest.to_string());
        rest = rest.split_once('.').map_or("", |(_, r)| r);
    }
    out.truncate(12);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: i64, global: bool, list: List) -> Match {
        Match {
            id,
            domain_id: (!global).then_some(7),
            list: list.as_str().into(),
            pattern: format!("p{id}"),
        }
    }

    #[test]
    fn from_patterns_climb_the_domain() {
        assert_eq!(
            patterns("Jane@Mail.Example.ORG"),
            ["jane@mail.example.org", "mail.example.org", "example.org"]
        );
        assert!(patterns("no at sign").is_empty());
        assert!(patterns("").is_empty());
    }

    #[test]
    fn whitelist_beats_blacklist_and_global_comes_first() {
        let found = decide(
            vec![
                m(1, true, List::Blacklist),
                m(2, false, List::Whitelist),
                m(3, false, List::Blacklist),
            ],
            "x",
        )
        .unwrap();
        assert_eq!((found.entry_id, found.list), (2, List::Whitelist));
        let found = decide(
            vec![m(1, true, List::Blacklist), m(3, false, List::Blacklist)],
            "x",
        )
        .unwrap();
        assert_eq!(found.entry_id, 1);
        assert!(found.describe().contains("global blacklist"));
        assert_eq!(decide(Vec::new(), "x"), None);
    }
}
