//! Recipient resolution: what becomes of mail for an address given at RCPT.
//!
//! In the order of the design: a mailbox; an alias or forward; a domain alias (rewritten to
//! its main domain, once verified); the catch-all; a relay domain; split domain routing.
//! An address in no domain of ours is refused (never an open relay); an unknown local part
//! of ours is refused at RCPT (550 5.1.1), so that nothing is ever bounced to a sender who
//! may be forged.

use crate::backend::store::db::Db;
use crate::{
    backend::store::recipients::{self as store, DomainEntry},
    model::{email::EmailAddress, route::DomainKind},
};
use std::collections::BTreeSet;

/// Aliases may point at aliases; past this depth the chain is refused as a loop (the
/// portal refuses loops when they are made, this guards against what it cannot see).
const MAX_DEPTH: usize = 8;
/// One RCPT looks up at most this many addresses.
const MAX_LOOKUPS: usize = 1000;

/// Where one accepted recipient's copy goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A mailbox here, in the domain `domain_id`.
    Mailbox {
        account_id: i64,
        address: String,
        domain_id: i64,
        /// The person keeps their own sender list entries (as at RCPT).
        own_list: bool,
    },
    /// Another server: a relay domain's routes, a domain's SDR destination, or a forward's
    /// own domain.
    Remote { address: String, via: Via },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    /// The relay domain's routes, in order.
    Routes { domain_id: i64 },
    /// The domain's split domain routing destination.
    Sdr { domain_id: i64, destination: String },
    /// A forward to an address elsewhere: its domain's MX.
    Forward,
}

/// Why a recipient is refused at RCPT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an address this server takes (quoted, source-routed, an address literal…).
    BadSyntax,
    /// A domain that is not ours: relaying is refused.
    NotOurs,
    /// A domain alias whose record was not verified yet.
    Unverified,
    /// Our domain, but no such mailbox or alias.
    Unknown,
    Disabled,
    /// Temporarily: the mailbox is over its quota.
    Full,
    /// An alias chain that goes round or too deep.
    Loop,
    /// The client's IP is on the domain's (or the global) blacklist.
    Blacklisted,
}

impl Refusal {
    pub fn reply(&self) -> &'static str {
        match self {
            Refusal::BadSyntax => "501 5.1.3 Bad recipient address syntax",
            Refusal::NotOurs | Refusal::Unverified => {
                "554 5.7.1 Relay access denied: this server does not take mail for that domain"
            }
            Refusal::Unknown => "550 5.1.1 No such user here",
            Refusal::Disabled => "550 5.2.1 This mailbox is disabled",
            Refusal::Full => "452 4.2.2 This mailbox is full, try again later",
            Refusal::Loop => "550 5.4.6 The aliases of this address go round in a loop",
            Refusal::Blacklisted => "550 5.7.1 Mail from your server's address is refused here",
        }
    }

    /// Refusals that count towards the per-client limit on unknown recipients (directory
    /// harvesting): the ones that say an address does not exist.
    pub fn is_unknown(&self) -> bool {
        matches!(
            self,
            Refusal::Unknown | Refusal::NotOurs | Refusal::BadSyntax
        )
    }
}

/// A recipient accepted at RCPT.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The address as given, lower-cased.
    pub address: String,
    /// The domain it belongs to here (the main domain of a domain alias).
    pub domain_id: i64,
    pub targets: Vec<Target>,
}

pub async fn resolve(pool: &Db, raw: &str) -> Result<Result<Resolved, Refusal>, sqlx::Error> {
    let Ok(address) = EmailAddress::parse(raw) else {
        return Ok(Err(Refusal::BadSyntax));
    };
    // `EmailAddress::parse` trims; an address with spaces or a trailing dot is not one we
    // take in the envelope.
    if address.as_str().len() != raw.len() {
        return Ok(Err(Refusal::BadSyntax));
    }
    let Some(domain) = store::domain_by_name(pool, address.domain().as_str()).await? else {
        return Ok(Err(Refusal::NotOurs));
    };
    let domain = match main_domain(pool, domain).await? {
        Ok(d) => d,
        Err(r) => return Ok(Err(r)),
    };
    let address_here = format!("{}@{}", address.local_part(), domain.name);
    let mut expander = Expander {
        pool,
        path: Vec::new(),
        out: BTreeSet::new(),
        lookups: 0,
    };
    if let Err(r) = expander.expand(&domain, &address_here).await? {
        return Ok(Err(r));
    }
    Ok(Ok(Resolved {
        address: address.as_str().to_string(),
        domain_id: domain.id,
        targets: expander.out.into_iter().collect(),
    }))
}

/// The domain whose mailboxes and aliases an address's local part is looked up in.
async fn main_domain(
    pool: &Db,
    domain: DomainEntry,
) -> Result<Result<DomainEntry, Refusal>, sqlx::Error> {
    if domain.kind != DomainKind::Alias {
        return Ok(Ok(domain));
    }
    if domain.verified_at.is_none() {
        return Ok(Err(Refusal::Unverified));
    }
    let main = match domain.alias_of {
        Some(id) => store::domain_by_id(pool, id).await?,
        None => None,
    };
    Ok(main.ok_or(Refusal::NotOurs))
}

type Step<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Result<(), Refusal>, sqlx::Error>> + Send + 'a>,
>;

/// Follows aliases to their mailboxes and forwards.
struct Expander<'p> {
    pool: &'p Db,
    /// The aliases being expanded, outermost first: meeting one again is a loop. (Reaching
    /// a mailbox twice through two aliases is not; `out` keeps one copy.)
    path: Vec<String>,
    out: BTreeSet<Target>,
    /// Addresses looked up so far; aliases fanning out to aliases stop at `MAX_LOOKUPS`.
    lookups: usize,
}

impl Expander<'_> {
    /// Adds the deliveries for `address` (in `domain`, one of ours).
    fn expand<'a>(&'a mut self, domain: &'a DomainEntry, address: &'a str) -> Step<'a> {
        Box::pin(async move {
            self.lookups += 1;
            if self.path.len() > MAX_DEPTH
                || self.lookups > MAX_LOOKUPS
                || self.path.iter().any(|a| a == address)
            {
                return Ok(Err(Refusal::Loop));
            }
            if domain.kind == DomainKind::Relay {
                if !self.relayed(domain, address).await? {
                    return Ok(Err(Refusal::Unknown));
                }
                self.out.insert(Target::Remote {
                    address: address.to_string(),
                    via: Via::Routes {
                        domain_id: domain.id,
                    },
                });
                return Ok(Ok(()));
            }
            if let Some(mailbox) = store::mailbox(self.pool, address).await? {
                if !mailbox.enabled {
                    return Ok(Err(Refusal::Disabled));
                }
                if mailbox.is_full() {
                    return Ok(Err(Refusal::Full));
                }
                self.out.insert(Target::Mailbox {
                    account_id: mailbox.id,
                    address: mailbox.email,
                    domain_id: domain.id,
                    own_list: mailbox.own_list,
                });
                return Ok(Ok(()));
            }
            let alias = match store::alias_targets(self.pool, address).await? {
                Some(targets) => Some(targets),
                None => store::alias_targets(self.pool, &format!("@{}", domain.name)).await?,
            };
            if let Some(members) = alias {
                self.path.push(address.to_string());
                let result = self.expand_members(&members).await;
                self.path.pop();
                return result;
            }
            if let Some(destination) = &domain.sdr_destination {
                if !self.relayed(domain, address).await? {
                    return Ok(Err(Refusal::Unknown));
                }
                self.out.insert(Target::Remote {
                    address: address.to_string(),
                    via: Via::Sdr {
                        domain_id: domain.id,
                        destination: destination.clone(),
                    },
                });
                return Ok(Ok(()));
            }
            Ok(Err(Refusal::Unknown))
        })
    }

    /// Whether mail for `address` may be relayed: the domain's local recipients list
    /// (when it has one) names it.
    async fn relayed(&self, domain: &DomainEntry, address: &str) -> Result<bool, sqlx::Error> {
        crate::backend::store::local_recipients::allowed(self.pool, domain.id, address).await
    }

    /// An alias's recipients: ours are expanded in turn, others are forwards. A recipient
    /// of ours that no longer exists (a deleted mailbox) or is disabled is skipped; the
    /// alias is unknown only when nothing is left. A full mailbox defers the whole alias,
    /// so that its copy is not lost.
    async fn expand_members(
        &mut self,
        members: &[String],
    ) -> Result<Result<(), Refusal>, sqlx::Error> {
        let before = self.out.len();
        for member in members {
            let Ok(address) = EmailAddress::parse(member) else {
                continue;
            };
            let domain = match store::domain_by_name(self.pool, address.domain().as_str()).await? {
                Some(d) => main_domain(self.pool, d).await?,
                None => Err(Refusal::NotOurs),
            };
            let Ok(domain) = domain else {
                self.out.insert(Target::Remote {
                    address: address.as_str().to_string(),
                    via: Via::Forward,
                });
                continue;
            };
            let here = format!("{}@{}", address.local_part(), domain.name);
            match self.expand(&domain, &here).await? {
                Ok(()) | Err(Refusal::Unknown | Refusal::Disabled) => {}
                Err(other) => return Ok(Err(other)),
            }
        }
        Ok(if self.out.len() > before {
            Ok(())
        } else {
            Err(Refusal::Unknown)
        })
    }
}
