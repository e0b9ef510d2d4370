//! The sender lists stages: the connecting server's IP against the network entries (once
//! the recipient's domain is known, at RCPT), then the MIME From against the address and
//! domain entries (after DATA). Global entries are read before the domain's, and any
//! whitelist entry beats every blacklist entry: an admin who whitelists a partner means it
//! even when a broader rule blacklists its neighbours. A person's own entries (the
//! one-click fixes) then override those for the copy that person gets.

use super::{inbound::Envelope, recipients::Target, smtp::Server, writer::Write};
use crate::backend::store::db::Db;
use crate::{
    backend::store::{self, mail_log::Entry, sender_lists::Match},
    model::{mail_log::Evidence, sender_list::List, time::UnixTime},
};
use ipnetwork::IpNetwork;
use std::net::IpAddr;

/// The entry that decided a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub entry_id: i64,
    pub list: List,
    pub owner: Owner,
    /// The entry's sender (`192.0.2.0/24`, `example.org`).
    pub pattern: String,
    /// What matched it: the client IP or the From address.
    pub matched: String,
}

/// Whose list an entry is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Global,
    Domain,
    /// A person's own list (their address).
    Person(String),
}

impl Listing {
    pub fn whitelisted(&self) -> bool {
        self.list == List::Whitelist
    }

    /// "192.0.2.9 is on the global blacklist (192.0.2.0/24)", for the log's evidence.
    pub fn describe(&self) -> String {
        let list = self.list.as_str();
        let on = match &self.owner {
            Owner::Global => format!("the global {list}"),
            Owner::Domain => format!("the domain's {list}"),
            Owner::Person(address) => format!("{address}'s own {list}"),
        };
        format!("{} is on {on} ({})", self.matched, self.pattern)
    }
}

/// Counts a message `listing`'s entry decided (its hit count and last match on the screen).
pub async fn count_hit(server: &Server, listing: &Listing, now: UnixTime) {
    // A person's entries keep no count: their ids are another table's.
    if matches!(listing.owner, Owner::Person(_)) {
        return;
    }
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
        owner: if m.domain_id.is_none() {
            Owner::Global
        } else {
            Owner::Domain
        },
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

/// What the sender lists stage decided for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    /// Let through unscored: the list of every copy's recipient allows the sender.
    Whitelisted(Listing),
    /// Refused: the list of every copy's recipient blocks the sender.
    Blacklisted(Listing),
    /// Scored. Copies whose recipient blocks the sender have left the envelope.
    Scored,
}

/// The sender lists stage after DATA: the domain's decision (the client IP's whitelisting
/// found at RCPT, else the From against the global and the domain's lists), then the
/// mailboxes' own entries, each for its own copy. The message is whitelisted or
/// blacklisted only when every copy agrees: one person allowing a sender lets nothing
/// unscored into a colleague's mailbox, and one person blocking it takes only their copy.
pub async fn stage(
    server: &Server,
    envelope: &mut Envelope,
    domain_id: i64,
    log: &mut Entry,
) -> Result<Listed, sqlx::Error> {
    let now = server.backend.clock.now();
    let domain = domain_listing(server, envelope, domain_id, &log.from_header, now).await?;
    let mailboxes = mailboxes(envelope);
    let personal = personal(&server.backend.pool, &mailboxes, &log.from_header).await?;
    if personal.is_empty() {
        return Ok(Listed::from(domain));
    }
    for (_, listing) in &personal {
        log.evidence
            .push(Evidence::new("lists", listing.describe()));
    }
    let remote = envelope
        .recipients
        .iter()
        .flat_map(|r| &r.targets)
        .any(|t| matches!(t, Target::Remote { .. }));
    let ids: Vec<i64> = mailboxes.iter().map(|m| m.account_id).collect();
    let copies = copies(domain.as_ref(), &ids, &personal, remote);
    let refused = copies.decided.as_ref().is_some_and(|l| !l.whitelisted());
    if !refused && (!copies.blocked.is_empty() || copies.drop_remote) {
        log.evidence
            .push(Evidence::new("lists", no_copy_for(&mailboxes, &copies)));
        drop_copies(envelope, &copies.blocked, copies.drop_remote);
    }
    Ok(Listed::from(copies.decided))
}

impl From<Option<Listing>> for Listed {
    /// The listing that decided the message, if one did.
    fn from(decided: Option<Listing>) -> Listed {
        match decided {
            Some(l) if l.whitelisted() => Listed::Whitelisted(l),
            Some(l) => Listed::Blacklisted(l),
            None => Listed::Scored,
        }
    }
}

/// "no copy for jane@example.org", for the evidence.
fn no_copy_for(mailboxes: &[Mailbox], copies: &Copies) -> String {
    let mut gone: Vec<&str> = mailboxes
        .iter()
        .filter(|m| copies.blocked.contains(&m.account_id))
        .map(|m| m.address.as_str())
        .collect();
    if copies.drop_remote {
        gone.push("the copies for other servers (the domain's blacklist)");
    }
    format!("no copy for {}", gone.join(", "))
}

/// The domain's decision: the client IP's whitelisting found at RCPT, else the MIME From
/// against the global and the domain's entries (counted here; the client's was at RCPT).
async fn domain_listing(
    server: &Server,
    envelope: &Envelope,
    domain_id: i64,
    from: &str,
    now: UnixTime,
) -> Result<Option<Listing>, sqlx::Error> {
    if let Some(listing) = envelope.client_listing().filter(|l| l.whitelisted()) {
        return Ok(Some(listing.clone()));
    }
    let found = sender(&server.backend.pool, domain_id, from, now).await?;
    if let Some(listing) = &found {
        count_hit(server, listing, now).await;
    }
    Ok(found)
}

/// A mailbox here that a message is for.
struct Mailbox {
    account_id: i64,
    address: String,
    /// The person keeps entries of their own list.
    own_list: bool,
}

/// The mailboxes here the message is for, each once.
fn mailboxes(envelope: &Envelope) -> Vec<Mailbox> {
    let mut out: Vec<Mailbox> = Vec::new();
    for target in envelope.recipients.iter().flat_map(|r| &r.targets) {
        if let Target::Mailbox {
            account_id,
            address,
            own_list,
            ..
        } = target
        {
            if !out.iter().any(|m| m.account_id == *account_id) {
                out.push(Mailbox {
                    account_id: *account_id,
                    address: address.clone(),
                    own_list: *own_list,
                });
            }
        }
    }
    out
}

/// Each mailbox's own listing of the From address: its whitelist entry, else its
/// blacklist entry. Most people keep no list of their own: their mailboxes cost no lookup,
/// and a message for only such people none at all (`matching` asks nothing for no ids).
async fn personal(
    pool: &Db,
    mailboxes: &[Mailbox],
    from: &str,
) -> Result<Vec<(i64, Listing)>, sqlx::Error> {
    let keepers: Vec<&Mailbox> = mailboxes.iter().filter(|m| m.own_list).collect();
    let ids: Vec<i64> = keepers.iter().map(|m| m.account_id).collect();
    let found = store::personal_lists::matching(pool, &ids, &patterns(from)).await?;
    let mut out: Vec<(i64, Listing)> = Vec::new();
    for Mailbox {
        account_id,
        address,
        ..
    } in keepers
    {
        let mine = found.iter().filter(|m| m.account_id == *account_id);
        let (white, black): (Vec<_>, Vec<_>) =
            mine.partition(|m| m.list == List::Whitelist.as_str());
        let Some((m, list)) = white
            .first()
            .map(|m| (*m, List::Whitelist))
            .or_else(|| black.first().map(|m| (*m, List::Blacklist)))
        else {
            continue;
        };
        out.push((
            *account_id,
            Listing {
                entry_id: 0,
                list,
                owner: Owner::Person(address.clone()),
                pattern: m.pattern.clone(),
                matched: from.to_string(),
            },
        ));
    }
    Ok(out)
}

/// How a message's copies are listed once each mailbox's own entry is read.
#[derive(Debug, PartialEq, Eq)]
struct Copies {
    /// Every copy is blocked, or every copy not blocked is allowed: the listing that says
    /// so, a person's own first. `None`: the message is scored.
    decided: Option<Listing>,
    /// Mailboxes whose copy is blocked.
    blocked: Vec<i64>,
    /// The copies for other servers are blocked (by the domain's blacklist).
    drop_remote: bool,
}

/// Each copy's listing: a mailbox's own entry, else the domain's; a copy for another
/// server has only the domain's.
fn copies(
    domain: Option<&Listing>,
    mailboxes: &[i64],
    personal: &[(i64, Listing)],
    remote: bool,
) -> Copies {
    let mut each: Vec<(Option<i64>, Option<&Listing>)> = mailboxes
        .iter()
        .map(|id| {
            let own = personal.iter().find(|(a, _)| a == id).map(|(_, l)| l);
            (Some(*id), own.or(domain))
        })
        .collect();
    if remote {
        each.push((None, domain));
    }
    let blocked_by = |l: Option<&Listing>| l.is_some_and(|l| !l.whitelisted());
    let (blocked, rest): (Vec<_>, Vec<_>) = each.iter().partition(|(_, l)| blocked_by(*l));
    // A person's own entry is told before the domain's that agrees with it.
    let first = |copies: &[&(Option<i64>, Option<&Listing>)]| {
        copies
            .iter()
            .filter_map(|(_, l)| *l)
            .min_by_key(|l| !matches!(l.owner, Owner::Person(_)))
            .cloned()
    };
    let decided = if rest.is_empty() {
        first(&blocked)
    } else if rest
        .iter()
        .all(|(_, l)| l.is_some_and(Listing::whitelisted))
    {
        first(&rest)
    } else {
        None
    };
    Copies {
        decided,
        blocked: blocked.iter().filter_map(|(id, _)| *id).collect(),
        drop_remote: remote && blocked_by(domain),
    }
}

/// Takes the blocked copies out of the envelope, and the recipients left without any.
fn drop_copies(envelope: &mut Envelope, blocked: &[i64], drop_remote: bool) {
    for r in &mut envelope.recipients {
        r.targets.retain(|t| match t {
            Target::Mailbox { account_id, .. } => !blocked.contains(account_id),
            Target::Remote { .. } => !drop_remote,
        });
    }
    envelope.recipients.retain(|r| !r.targets.is_empty());
}

/// The client IP's listing for mail to `domain_id`. `ip` is canonical: an IPv4 client
/// seen as `::ffff:a.b.c.d` is matched as IPv4 (the session converts it).
pub async fn client(
    pool: &Db,
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
    pool: &Db,
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

    fn listing(list: List, owner: Owner) -> Listing {
        Listing {
            entry_id: 1,
            list,
            owner,
            pattern: "x.test".into(),
            matched: "a@x.test".into(),
        }
    }

    #[test]
    fn each_copy_follows_its_own_list_before_the_domains() {
        let me = || Owner::Person("me@d.test".into());
        let black = listing(List::Blacklist, Owner::Domain);
        let white = listing(List::Whitelist, Owner::Domain);
        let mine_white = listing(List::Whitelist, me());
        let mine_black = listing(List::Blacklist, me());
        // The domain blocks, one of two allows: the other's copy goes, the one who allows
        // gets it unscored.
        let c = copies(Some(&black), &[1, 2], &[(1, mine_white.clone())], false);
        assert_eq!(
            (c.decided, c.blocked, c.drop_remote),
            (Some(mine_white.clone()), vec![2], false)
        );
        // The domain allows, one blocks for themselves: only their copy goes.
        let c = copies(Some(&white), &[1, 2], &[(1, mine_black.clone())], true);
        assert_eq!(
            (c.decided, c.blocked, c.drop_remote),
            (Some(white.clone()), vec![1], false)
        );
        // Everyone blocks: the message is refused, the person's own entry told first.
        let c = copies(Some(&black), &[1, 2], &[(2, mine_black.clone())], true);
        assert_eq!(c.decided, Some(mine_black.clone()));
        assert!(c.drop_remote);
        // No domain listing and one allows of two: scored, nobody dropped.
        let c = copies(None, &[1, 2], &[(1, mine_white)], false);
        assert_eq!((c.decided, c.blocked), (None, vec![]));
        assert!(mine_black.describe().contains("me@d.test's own blacklist"));
    }

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
