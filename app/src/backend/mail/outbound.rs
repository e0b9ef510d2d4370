//! Handing one copy to another server over SMTP (`smtp::client`, which dot-stuffs what it
//! sends; the message is CRLF throughout, as the DATA reader only takes CRLF).
//!
//! The hosts are tried in order, and each host's addresses: a temporary failure (a 4xx
//! reply, no answer) moves on to the next, a permanent one (5xx) ends the attempt. No
//! address on this machine or its link is contacted unless a master admin allowed local
//! routes, and never the portal's own listeners (mail would go round).

use super::smtp::client::{Connection, Failure, Reply};
use crate::{
    backend::{dns, Settings},
    model::route::{is_local_ip, Destination, Host},
};
use std::net::SocketAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiving server's reply.
    Delivered(String),
    /// Worth trying again later.
    Transient(String),
    /// Will never work: the sender is told (bounce).
    Permanent(String),
}

/// What is asked of the other server.
#[derive(Clone, Copy)]
pub enum Errand<'a> {
    /// Take this message from `sender` (empty: the null sender).
    Deliver { sender: &'a str, message: &'a [u8] },
    /// Say whether it takes mail for the recipient (a callout); nothing is sent.
    Ask,
}

/// Sends `message` from `sender` (empty: the null sender) to `recipient` through the first
/// of `hosts` that takes it.
pub async fn send(
    settings: &Settings,
    hostname: &str,
    hosts: &[Destination],
    allow_local: bool,
    sender: &str,
    recipient: &str,
    message: &[u8],
) -> Outcome {
    let errand = Errand::Deliver { sender, message };
    exchange(settings, hostname, hosts, allow_local, recipient, errand).await
}

/// Does `errand` for `recipient` with the first of `hosts` that answers: `Delivered` is the
/// server's yes (it took the message, or it knows the recipient).
pub async fn exchange(
    settings: &Settings,
    hostname: &str,
    hosts: &[Destination],
    allow_local: bool,
    recipient: &str,
    errand: Errand<'_>,
) -> Outcome {
    let sender = match errand {
        Errand::Deliver { sender, .. } => sender,
        Errand::Ask => "",
    };
    if let Some(refused) = uncarriable(sender, recipient) {
        return refused;
    }
    let mut last = Outcome::Transient("no server to deliver to".into());
    for host in hosts {
        let addresses = match addresses(settings, host, allow_local).await {
            Ok(a) => a,
            Err(e) => {
                last = Outcome::Transient(e);
                continue;
            }
        };
        for addr in addresses {
            let sent = match Connection::open(addr, hostname).await {
                Ok(mut connection) => {
                    let sent = match errand {
                        Errand::Deliver { sender, message } => {
                            connection.send(sender, recipient, message).await
                        }
                        Errand::Ask => connection.ask(recipient).await,
                    };
                    // The answer to QUIT changes nothing: nobody waits for it.
                    tokio::spawn(connection.quit());
                    sent
                }
                Err(e) => Err(e),
            };
            match outcome(addr, sent) {
                Outcome::Transient(e) => last = Outcome::Transient(e),
                done => return done,
            }
        }
    }
    last
}

/// Refuses an envelope with a line break or angle bracket. Both addresses come from this
/// server's own checks; a line break here would be a second command.
pub(super) fn uncarriable(sender: &str, recipient: &str) -> Option<Outcome> {
    [sender, recipient]
        .iter()
        .any(|a| a.chars().any(|c| c.is_control() || c == '<' || c == '>'))
        .then(|| Outcome::Permanent("the envelope holds characters SMTP cannot carry".into()))
}

/// What a server's answer (or the failure to get one) means for the copy.
pub(super) fn outcome(server: impl std::fmt::Display, sent: Result<Reply, Failure>) -> Outcome {
    match sent {
        Ok(reply) => Outcome::Delivered(format!("{server} said {reply}")),
        Err(Failure::Refused { step, reply }) if reply.is_permanent() => {
            Outcome::Permanent(format!("{server} refused {step}: {reply}"))
        }
        Err(Failure::Refused { step, reply }) => {
            Outcome::Transient(format!("{server} deferred {step}: {reply}"))
        }
        Err(Failure::Io(e)) => Outcome::Transient(format!("{server}: {e}")),
    }
}

/// The socket addresses of `host` that may be contacted.
pub(crate) async fn addresses(
    settings: &Settings,
    host: &Destination,
    allow_local: bool,
) -> Result<Vec<SocketAddr>, String> {
    let ips = match &host.host {
        Host::Ip(ip) => vec![*ip],
        Host::Name(name) => dns::addresses(settings, name)
            .await
            .map_err(|e| format!("{name} could not be resolved ({e})"))?,
    };
    let allowed: Vec<SocketAddr> = ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, host.port))
        .filter(|addr| !is_own(settings, *addr) && (allow_local || !is_local_ip(addr.ip())))
        .collect();
    if allowed.is_empty() {
        return Err(format!(
            "{host} has no address that may be used (none, this portal, or a local one)"
        ));
    }
    Ok(allowed)
}

/// One of the portal's own listeners (or the same port on any loopback address): mail
/// sent there would come straight back.
pub fn is_own(settings: &Settings, addr: SocketAddr) -> bool {
    reaches(&settings.listen_addrs, addr)
}

/// Whether connecting to `addr` would reach one of `listeners`.
pub fn reaches(listeners: &[SocketAddr], addr: SocketAddr) -> bool {
    listeners.iter().any(|own| {
        own.port() == addr.port()
            && (own.ip() == addr.ip()
                || own.ip().is_unspecified()
                || (own.ip().is_loopback() && addr.ip().is_loopback()))
    })
}
