//! Authenticated submission: mail a person sends through the submission listener (port
//! 587 in production). SMTP AUTH is decided by the mail access gate's rules (the login check
//! for SMTP: device passwords once 2FA is on, nothing while non-webmail access is off). A
//! person sends as their own address or a sender address granted to them, in the envelope
//! and in the From header, and at most their domain's hourly limit: the message that goes
//! over it is refused and blocks them until an admin unblocks them. Copies for mailboxes
//! here are delivered at once, the rest queued for the recipients' mail servers.

use super::{
    inbound::{deliver_copies, queue_id, Client},
    recipients::{self, Refusal, Target, Via},
    smtp::{data::DataError, Server},
};
use crate::backend::store::db::Db;
use crate::{
    backend::{mail_access, store},
    model::{
        mail_access::Protocol,
        submission::{blocked_reply, DEFAULT_SEND_LIMIT},
        time::{format_rfc5322, UnixTime},
    },
};
use std::net::IpAddr;

/// A person signed in with AUTH.
#[derive(Debug, Clone)]
pub struct Authed {
    pub account_id: i64,
    pub email: String,
    pub domain_id: Option<i64>,
}

/// A message being sent: its envelope as far as the client gave it.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub sender: String,
    /// The recipients as given, lower-cased, each once.
    pub recipients: Vec<String>,
    pub targets: Vec<Target>,
}

const TEMPORARY: &str = "451 4.3.0 Temporary failure: try again later";

/// Checks AUTH's credentials as the login check does (it records the login event); the
/// person, or the reply that refuses them.
pub async fn authenticate(
    server: &Server,
    ip: IpAddr,
    user: &str,
    password: &str,
) -> Result<Authed, &'static str> {
    let backend = &server.backend;
    let now = backend.clock.now();
    let login = mail_access::MailLogin {
        user,
        password,
        protocol: Protocol::Smtp,
        client_ip: ip,
        client_host: "",
    };
    let decision = mail_access::check(backend, &login, now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "submission login check failed");
            "454 4.7.0 Temporary authentication failure: try again later"
        })?;
    let account_id = match decision {
        mail_access::Decision::Granted { account_id, .. } => account_id,
        mail_access::Decision::Refused { wait: Some(_), .. } => {
            return Err("454 4.7.0 Too many failed logins: try again later");
        }
        mail_access::Decision::Refused { .. } => {
            return Err("535 5.7.8 Authentication credentials invalid");
        }
    };
    let account = store::accounts::find_by_id(&backend.pool, account_id)
        .await
        .ok()
        .flatten()
        .ok_or(TEMPORARY)?;
    Ok(Authed {
        account_id,
        email: account.email,
        domain_id: account.domain_id,
    })
}

/// `authed` may send as `address`: their own, or a sender address granted to them.
pub async fn may_send_as(pool: &Db, authed: &Authed, address: &str) -> Result<bool, sqlx::Error> {
    if address.eq_ignore_ascii_case(&authed.email) {
        return Ok(true);
    }
    store::senders::granted(pool, &address.to_ascii_lowercase(), authed.account_id).await
}

/// Where a recipient's copy goes: a mailbox here (as inbound mail goes), or its own
/// domain's mail servers; a refusal for an address of ours that takes no mail.
pub async fn route(pool: &Db, address: &str) -> Result<Result<Vec<Target>, Refusal>, sqlx::Error> {
    Ok(match recipients::resolve(pool, address).await? {
        Ok(resolved) => Ok(resolved.targets),
        Err(Refusal::NotOurs) => Ok(vec![Target::Remote {
            address: address.to_ascii_lowercase(),
            via: Via::Forward,
        }]),
        Err(refusal) => Err(refusal),
    })
}

/// The person's hourly limit: their domain's, or the default.
async fn hourly_limit(pool: &Db, authed: &Authed) -> Result<i64, sqlx::Error> {
    let set = match authed.domain_id {
        Some(id) => store::submission::domain_limit(pool, id).await?,
        None => None,
    };
    Ok(set.unwrap_or(i64::from(DEFAULT_SEND_LIMIT)))
}

/// The sender check of the From header: every address in it must be one the person may
/// send as. The reply that refuses the message, if any.
async fn from_refusal(
    pool: &Db,
    authed: &Authed,
    message: &[u8],
) -> Result<Option<String>, sqlx::Error> {
    let header = mail_parser::MessageParser::new().parse_headers(message);
    let from: Vec<String> = header
        .as_ref()
        .and_then(|h| h.from())
        .map(|list| {
            list.iter()
                .filter_map(|a| a.address())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if from.is_empty() {
        return Ok(Some(
            "550 5.7.1 The message has no From address: set one in your mail app".into(),
        ));
    }
    for address in from {
        if !may_send_as(pool, authed, &address).await? {
            return Ok(Some(format!(
                "550 5.7.1 You may not send as {address}: send from your own address or one \
                 granted to you"
            )));
        }
    }
    Ok(None)
}

/// Before MAIL: the reply that refuses a blocked person, if they are.
pub async fn blocked(server: &Server, authed: &Authed) -> Result<Option<String>, sqlx::Error> {
    let found = store::submission::blocked(&server.backend.pool, authed.account_id).await?;
    Ok(found.map(blocked_reply))
}

/// Sends one message; the reply for the client.
pub async fn accept(
    server: &Server,
    client: &Client,
    authed: &Authed,
    outgoing: Outgoing,
    message: Result<Vec<u8>, DataError>,
) -> String {
    let message = match message {
        Ok(m) => m,
        Err(e) => return e.reply().to_string(),
    };
    let pool = &server.backend.pool;
    let now = server.backend.clock.now();
    match admit(server, authed, &message, now).await {
        Ok(None) => {}
        Ok(Some(refusal)) => return refusal,
        Err(e) => {
            tracing::error!(error = %e, "submission check failed");
            return TEMPORARY.into();
        }
    }
    let id = queue_id();
    let mut traced = received(server, client, authed, &id, now).into_bytes();
    traced.extend_from_slice(&message);
    match deliver_copies(server, &id, &outgoing.sender, &outgoing.targets, traced).await {
        Ok(_) => {
            if let Err(e) =
                store::submission::record(pool, authed.account_id, outgoing.recipients.len(), now)
                    .await
            {
                tracing::error!(error = %e, "sent message not counted");
            }
            format!("250 2.0.0 Ok: queued as {id}")
        }
        Err(e) => {
            tracing::error!(error = %e, queue_id = %id, "submission failed");
            TEMPORARY.into()
        }
    }
}

/// The From check and the hourly limit: the reply that refuses the message, if any. The
/// message that goes over the limit blocks its sender.
async fn admit(
    server: &Server,
    authed: &Authed,
    message: &[u8],
    now: UnixTime,
) -> Result<Option<String>, sqlx::Error> {
    let pool = &server.backend.pool;
    if let Some(refusal) = from_refusal(pool, authed, message).await? {
        return Ok(Some(refusal));
    }
    if let Some(refusal) = blocked(server, authed).await? {
        return Ok(Some(refusal));
    }
    let limit = hourly_limit(pool, authed).await?;
    let sent = store::submission::sent_since(pool, authed.account_id, now - 3600).await?;
    if sent >= limit {
        if store::submission::block(pool, authed.account_id, limit, now).await? {
            tracing::warn!(account = %authed.email, limit, "blocked from sending: over the hourly limit");
            let detail = format!(
                "{} sent more than {limit} messages in an hour",
                authed.email
            );
            let actor = store::audit::Actor {
                account_id: Some(authed.account_id),
                email: Some(&authed.email),
                domain_id: authed.domain_id,
                ip: None,
            };
            store::audit::record(
                pool,
                &actor,
                store::audit::AuditAction::SenderBlocked,
                &detail,
                now,
            )
            .await?;
        }
        return Ok(Some(blocked_reply(limit)));
    }
    Ok(None)
}

/// The trace field this server puts in front of a submitted message (RFC 5321 §4.4;
/// ESMTPSA, or ESMTPA without TLS: authenticated, RFC 3848).
fn received(server: &Server, client: &Client, authed: &Authed, id: &str, now: UnixTime) -> String {
    let (tls, with) = match &client.tls {
        Some(session) => (format!("\r\n\t(using {session})"), "ESMTPSA"),
        None => (String::new(), "ESMTPA"),
    };
    format!(
        "Received: from {} ([{}]){tls}\r\n\tby {} (Mail Portal) with {with} id {id}\r\n\t\
         (authenticated as {});\r\n\t{}\r\n",
        client.helo,
        client.ip,
        server.hostname,
        authed.email,
        format_rfc5322(now)
    )
}
