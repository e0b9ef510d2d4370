//! Local mailboxes delivered over LMTP (RFC 2033) to a mail store such as Dovecot, instead
//! of into Maildir here: set `delivery.lmtp`.
//!
//! Every copy for a mailbox is queued first (spool file and queue row, as for other
//! servers), so the 250 to the sending client never waits on the mail store, and a mail
//! store that is down or restarting loses nothing: the queue retries with back-off and
//! bounces after the domain's retry days. One recipient per LMTP transaction, so that
//! LMTP's reply per recipient after DATA is the one reply `smtp::client` reads.

use super::{
    outbound::{self, Outcome},
    smtp::{client::Connection, Server},
    writer::Write,
};
use crate::backend::store::{self, queue::Queued};
use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr};

/// Where the LMTP server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lmtp {
    Tcp(SocketAddr),
    /// A Unix socket, e.g. Dovecot's `/run/dovecot/lmtp`.
    Unix(PathBuf),
}

impl FromStr for Lmtp {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.starts_with('/') {
            return Ok(Lmtp::Unix(PathBuf::from(text)));
        }
        text.parse().map(Lmtp::Tcp).map_err(|_| {
            format!(
                "{text:?} is neither an address like 127.0.0.1:24 nor the path of a Unix \
                 socket like /run/dovecot/lmtp"
            )
        })
    }
}

impl fmt::Display for Lmtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lmtp::Tcp(addr) => write!(f, "LMTP server {addr}"),
            Lmtp::Unix(path) => write!(f, "LMTP server {}", path.display()),
        }
    }
}

/// Hands one queued copy for a mailbox here to the mail store. When LMTP is no longer
/// configured (the mail host went back to the embedded Maildir), the copy goes there.
pub async fn deliver(server: &Server, copy: &Queued, message: &[u8]) -> Outcome {
    let pool = &server.backend.pool;
    let mailbox = match store::recipients::mailbox(pool, &copy.recipient).await {
        Ok(m) => m,
        Err(e) => return Outcome::Transient(format!("the store could not be read: {e}")),
    };
    let Some(lmtp) = &server.lmtp else {
        let Some(mailbox) = mailbox else {
            return Outcome::Permanent(format!("there is no mailbox {} any more", copy.recipient));
        };
        return match super::inbound::into_maildir(
            server,
            &copy.queue_id,
            &copy.sender,
            vec![(mailbox.id, copy.recipient.clone())],
            message,
        )
        .await
        {
            Ok(()) => Outcome::Delivered("written to the local mailbox".into()),
            Err(e) => Outcome::Transient(format!("the local mailbox could not be written: {e}")),
        };
    };
    let outcome = send(
        lmtp,
        &server.hostname,
        &copy.sender,
        &copy.recipient,
        message,
    )
    .await;
    if let (Outcome::Delivered(_), Some(mailbox)) = (&outcome, mailbox) {
        let used = Write::UsedBytes {
            account_ids: vec![mailbox.id],
            bytes: message.len() as i64,
        };
        server.writer.hand_over(used).await;
    }
    outcome
}

/// Sends `message` from `sender` (empty: the null sender) to `recipient` over LMTP.
pub async fn send(
    lmtp: &Lmtp,
    hostname: &str,
    sender: &str,
    recipient: &str,
    message: &[u8],
) -> Outcome {
    if let Some(refused) = outbound::uncarriable(sender, recipient) {
        return refused;
    }
    let connection = match lmtp {
        Lmtp::Tcp(addr) => Connection::lmtp_tcp(*addr, hostname).await,
        Lmtp::Unix(path) => Connection::lmtp_unix(path, hostname).await,
    };
    let sent = match connection {
        Ok(mut connection) => {
            let sent = connection.send(sender, recipient, message).await;
            tokio::spawn(connection.quit());
            sent
        }
        Err(e) => Err(e),
    };
    outbound::outcome(lmtp, sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_or_a_socket_path() {
        assert_eq!(
            "127.0.0.1:24".parse::<Lmtp>(),
            Ok(Lmtp::Tcp("127.0.0.1:24".parse().unwrap()))
        );
        assert_eq!(
            " [::1]:24 ".parse::<Lmtp>(),
            Ok(Lmtp::Tcp("[::1]:24".parse().unwrap()))
        );
        assert_eq!(
            "/run/dovecot/lmtp".parse::<Lmtp>(),
            Ok(Lmtp::Unix("/run/dovecot/lmtp".into()))
        );
        for bad in ["", "localhost:24", "127.0.0.1", "run/dovecot/lmtp"] {
            let e = bad.parse::<Lmtp>().unwrap_err();
            assert!(e.contains("neither an address"), "{bad}: {e}");
        }
    }
}
