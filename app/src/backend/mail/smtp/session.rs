//! One SMTP connection, from the greeting to QUIT (RFC 5321, with PIPELINING, SIZE,
//! 8BITMIME, ENHANCEDSTATUSCODES and STARTTLS; on the submission listener AUTH PLAIN and
//! LOGIN too, RFC 6409 and 4954).
//!
//! Replies gather while complete commands are waiting in the input and are sent together
//! when the listener needs more bytes (RFC 2920): a pipelining client gets one write per
//! group. Every read is bounded by the command timeout and the connection's deadline.

use super::{
    command,
    data::{DataError, DataReader},
    tls::{self, Stream},
    Server,
};
use crate::backend::mail::{
    callout,
    inbound::{self, Client, Envelope},
    lists::{self, Listing},
    recipients::{self, Refusal},
    submission::{self, Authed, Outgoing},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use smtp_proto::{MailFrom, RcptTo, Request};
use std::{io, net::IpAddr};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    time::Instant,
};

/// What a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Mail for the domains here, from anyone: the MX.
    Inbound,
    /// Mail people here send, after AUTH: the submission port.
    Submission,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

struct Session<'a, S> {
    server: &'a Server,
    mode: Mode,
    stream: Stream<S>,
    client: Client,
    /// Set by EHLO or HELO; MAIL waits for it.
    greeted: bool,
    envelope: Option<Envelope>,
    /// Submission: who signed in with AUTH, and the message they are sending.
    authed: Option<Authed>,
    outgoing: Option<Outgoing>,
    /// Bytes read and not yet used.
    input: Vec<u8>,
    /// Replies not yet sent.
    output: Vec<u8>,
    /// The rest of a too-long line is being skipped.
    discarding: bool,
    idle_commands: u32,
    errors: u32,
    deadline: Instant,
}

/// Serves one connection until the client quits, a limit ends it, or it fails.
pub async fn run<S>(server: &Server, stream: S, ip: IpAddr, mode: Mode) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut session = Session {
        server,
        mode,
        authed: None,
        outgoing: None,
        stream: Stream::Plain(stream),
        client: Client {
            ip: ip.to_canonical(),
            helo: String::new(),
            tls: None,
        },
        greeted: false,
        envelope: None,
        input: Vec::with_capacity(4096),
        output: Vec::with_capacity(1024),
        discarding: false,
        idle_commands: 0,
        errors: 0,
        deadline: Instant::now() + server.limits.connection_timeout,
    };
    let result = session.serve().await;
    session.abandon().await;
    result
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<'_, S> {
    async fn serve(&mut self) -> io::Result<()> {
        let greeting = format!("220 {} ESMTP Mail Portal", self.server.hostname);
        self.say(&greeting);
        loop {
            if let Some(end) = command::line_end(&self.input) {
                let line: Vec<u8> = self.input.drain(..end).collect();
                if std::mem::take(&mut self.discarding) {
                    continue;
                }
                if line.len() > command::MAX_LINE {
                    self.say("500 5.5.6 Line too long");
                    if self.refused() == Flow::Close {
                        return self.flush().await;
                    }
                    continue;
                }
                if self.command(&line).await? == Flow::Close {
                    return self.flush().await;
                }
                continue;
            }
            if self.input.len() > command::MAX_LINE {
                // Keep a final CR: its LF may be the next byte.
                let cr = self.input.last() == Some(&b'\r');
                self.input.clear();
                if cr {
                    self.input.push(b'\r');
                }
                if !self.discarding {
                    self.discarding = true;
                    self.say("500 5.5.6 Line too long");
                    if self.refused() == Flow::Close {
                        return self.flush().await;
                    }
                }
            }
            self.flush().await?;
            if !self.read_more().await? {
                return Ok(());
            }
        }
    }

    async fn command(&mut self, line: &[u8]) -> io::Result<Flow> {
        let request = match command::parse(line) {
            Ok(request) => request,
            Err(reply) => {
                self.say(reply);
                return Ok(self.refused());
            }
        };
        if !matches!(
            request,
            Request::Mail { .. } | Request::Rcpt { .. } | Request::Data | Request::Quit
        ) {
            self.idle_commands += 1;
            if self.idle_commands > self.server.limits.max_idle_commands {
                self.say("421 4.7.0 Too many commands without mail: closing the connection");
                return Ok(Flow::Close);
            }
        }
        match request {
            Request::Ehlo { host } => {
                self.greet(host).await;
                let limits = &self.server.limits;
                let starttls = if self.server.tls.is_some() && self.client.tls.is_none() {
                    "250-STARTTLS\r\n"
                } else {
                    ""
                };
                let auth = if self.auth_offered() {
                    "250-AUTH PLAIN LOGIN\r\n"
                } else {
                    ""
                };
                let reply = format!(
                    "250-{}\r\n250-PIPELINING\r\n250-SIZE {}\r\n250-8BITMIME\r\n\
                     {starttls}{auth}250 ENHANCEDSTATUSCODES",
                    self.server.hostname, limits.max_message_bytes
                );
                self.say(&reply);
            }
            Request::Helo { host } => {
                self.greet(host).await;
                let reply = format!("250 {}", self.server.hostname);
                self.say(&reply);
            }
            Request::Mail { from } if self.mode == Mode::Submission => {
                return Ok(self.submit_mail(from).await)
            }
            Request::Rcpt { to } if self.mode == Mode::Submission => {
                return Ok(self.submit_rcpt(to).await)
            }
            Request::Data if self.mode == Mode::Submission => return self.submit_data().await,
            Request::Mail { from } => return Ok(self.mail(from)),
            Request::Rcpt { to } => return self.rcpt(to).await,
            Request::Data => return self.data().await,
            Request::Rset => {
                self.abandon().await;
                self.say("250 2.0.0 Ok");
            }
            Request::Noop { .. } => self.say("250 2.0.0 Ok"),
            Request::Quit => {
                // A refused transaction is on record before the client hears the goodbye.
                self.abandon().await;
                self.say("221 2.0.0 Bye");
                return Ok(Flow::Close);
            }
            // Saying which addresses exist would help harvesters (RFC 5321 §3.5.3).
            Request::Vrfy { .. } => {
                self.say("252 2.5.0 Send the message; it is delivered if the address exists")
            }
            Request::Expn { .. } => self.say("502 5.5.1 EXPN is not offered"),
            Request::Help { .. } => self.say("214 2.0.0 See RFC 5321"),
            Request::Auth {
                mechanism,
                initial_response,
            } if self.mode == Mode::Submission => {
                return self.auth(mechanism, initial_response).await;
            }
            Request::Auth { .. } => {
                self.say("503 5.5.1 Authentication is not offered on this port");
                return Ok(self.refused());
            }
            Request::StartTls => return self.start_tls().await,
            _ => {
                self.say("502 5.5.1 Command not implemented");
                return Ok(self.refused());
            }
        }
        Ok(Flow::Continue)
    }

    /// STARTTLS (RFC 3207): the handshake, then the session starts over inside TLS.
    async fn start_tls(&mut self) -> io::Result<Flow> {
        let Some(tls) = &self.server.tls else {
            self.say("502 5.5.1 STARTTLS is not offered");
            return Ok(self.refused());
        };
        let refusal = if self.client.tls.is_some() {
            Some("554 5.5.1 TLS is already active")
        } else if !self.greeted {
            Some("503 5.5.1 Say EHLO first")
        } else if self.envelope.is_some() {
            Some("503 5.5.1 A mail transaction is under way: RSET first")
        } else {
            None
        };
        if let Some(reply) = refusal {
            self.say(reply);
            return Ok(self.refused());
        }
        self.say("220 2.0.0 Ready to start TLS");
        self.flush().await?;
        // Whatever came after STARTTLS came in the clear, where anyone on the path could
        // have added it, and must not run as if the client had sent it inside TLS
        // (CVE-2011-0411): it is dropped.
        self.input.clear();
        self.discarding = false;
        let Stream::Plain(plain) = std::mem::replace(&mut self.stream, Stream::Gone) else {
            return Ok(Flow::Close);
        };
        let left = self.deadline.saturating_duration_since(Instant::now());
        let wait = left.min(self.server.limits.command_timeout);
        match tokio::time::timeout(wait, tls.acceptor().accept(plain)).await {
            Ok(Ok(stream)) => {
                self.client.tls = Some(tls::describe(&stream));
                self.stream = Stream::Tls(Box::new(stream));
            }
            // Nothing can be said in the clear on a connection halfway into TLS.
            Ok(Err(e)) => {
                tracing::debug!(client = %self.client.ip, error = %e, "TLS handshake failed");
                return Ok(Flow::Close);
            }
            Err(_) => return Ok(Flow::Close),
        }
        // Everything learnt before TLS is forgotten: the client greets (and signs in) again.
        self.greeted = false;
        self.authed = None;
        self.client.helo.clear();
        Ok(Flow::Continue)
    }

    async fn greet(&mut self, host: String) {
        self.abandon().await;
        self.greeted = true;
        // The name is only shown (Received header, log): printable ASCII, bounded.
        self.client.helo = host
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(255)
            .collect();
    }

    fn mail(&mut self, from: MailFrom<String>) -> Flow {
        if !self.greeted {
            self.say("503 5.5.1 Say EHLO first");
            return self.refused();
        }
        if self.envelope.is_some() {
            self.say("503 5.5.1 A mail transaction is under way: RSET first");
            return self.refused();
        }
        if from.size > self.server.limits.max_message_bytes {
            self.say("552 5.3.4 The message is larger than this server accepts");
            return Flow::Continue;
        }
        self.idle_commands = 0;
        self.envelope = Some(Envelope::new(from.address));
        self.say("250 2.1.0 Ok");
        Flow::Continue
    }

    async fn rcpt(&mut self, to: RcptTo<String>) -> io::Result<Flow> {
        let Some(envelope) = &self.envelope else {
            self.say("503 5.5.1 MAIL first");
            return Ok(self.refused());
        };
        if envelope.recipients.len() >= self.server.limits.max_recipients {
            self.say("452 4.5.3 Too many recipients");
            return Ok(Flow::Continue);
        }
        let ip = self.client.ip;
        if self.server.harvest.exceeded(ip) {
            self.say("421 4.7.0 Too many unknown recipients from your address: try later");
            return Ok(Flow::Close);
        }
        let address = to.address.to_ascii_lowercase();
        let resolved = match recipients::resolve(&self.server.backend.pool, &to.address).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "recipient lookup failed");
                self.say("451 4.3.0 Temporary failure: try again later");
                return Ok(Flow::Continue);
            }
        };
        let resolved = match resolved {
            Ok(recipient) => match self.client_listing(recipient.domain_id).await {
                Ok(Some(listing)) if !listing.whitelisted() => Err(Refusal::Blacklisted),
                Ok(_) => Ok(recipient),
                Err(e) => {
                    tracing::warn!(error = %e, "sender list lookup failed");
                    self.say("451 4.3.0 Temporary failure: try again later");
                    return Ok(Flow::Continue);
                }
            },
            Err(refusal) => Err(refusal),
        };
        // A relayed recipient the destination does not know (callouts, when the domain
        // asks for them).
        if let Ok(recipient) = &resolved {
            match callout::refusal(self.server, recipient).await {
                Ok(None) => {}
                Ok(Some(reply)) => {
                    self.server.harvest.count(ip);
                    self.say(&reply);
                    if let Some(envelope) = &mut self.envelope {
                        envelope.refused.push((address, Refusal::Unknown));
                    }
                    return Ok(Flow::Continue);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "callout lookup failed");
                    self.say("451 4.3.0 Temporary failure: try again later");
                    return Ok(Flow::Continue);
                }
            }
        }
        let Some(envelope) = &mut self.envelope else {
            return Ok(Flow::Continue);
        };
        match resolved {
            // One domain per transaction: its thresholds and lists judge the message. A
            // recipient of another domain is deferred, and the client sends it again in a
            // transaction of its own (every MTA retries 4xx recipients).
            Ok(recipient)
                if envelope
                    .recipients
                    .first()
                    .is_some_and(|first| first.domain_id != recipient.domain_id) =>
            {
                self.say("452 4.5.3 One domain per message: send again for this recipient");
            }
            Ok(recipient) => {
                if !envelope
                    .recipients
                    .iter()
                    .any(|r| r.address == recipient.address)
                {
                    envelope.recipients.push(recipient);
                }
                self.say("250 2.1.5 Ok");
            }
            Err(refusal) => {
                if refusal.is_unknown() {
                    self.server.harvest.count(ip);
                }
                let reply = refusal.reply();
                envelope.refused.push((address, refusal));
                self.say(reply);
            }
        }
        Ok(Flow::Continue)
    }

    /// The connection stage: the client IP against the sender lists of the recipient's
    /// domain (looked up once per transaction; the one-domain rule keeps it one domain).
    /// A blacklist entry that decides it is counted once.
    async fn client_listing(&mut self, domain_id: i64) -> Result<Option<Listing>, sqlx::Error> {
        if let Some((known, listing)) = self
            .envelope
            .as_ref()
            .and_then(|e| e.client_listing.as_ref())
        {
            if *known == domain_id {
                return Ok(listing.clone());
            }
        }
        let backend = &self.server.backend;
        let now = backend.clock.now();
        let listing = lists::client(&backend.pool, domain_id, self.client.ip, now).await?;
        if let Some(l) = &listing {
            lists::count_hit(self.server, l, now).await;
        }
        if let Some(envelope) = &mut self.envelope {
            envelope.client_listing = Some((domain_id, listing.clone()));
        }
        Ok(listing)
    }

    async fn data(&mut self) -> io::Result<Flow> {
        match &self.envelope {
            None => {
                self.say("503 5.5.1 MAIL first");
                return Ok(self.refused());
            }
            Some(e) if e.recipients.is_empty() => {
                self.say("554 5.5.1 No valid recipients");
                self.abandon().await;
                return Ok(Flow::Continue);
            }
            Some(_) => {}
        }
        let Some(message) = self.read_data().await? else {
            return Ok(Flow::Close);
        };
        let Some(envelope) = self.envelope.take() else {
            return Ok(Flow::Continue);
        };
        let reply = inbound::accept(self.server, &self.client, envelope, message).await;
        self.say(&reply);
        Ok(Flow::Continue)
    }

    /// The message after DATA's 354, up to its final dot; `None` when the client went away.
    async fn read_data(&mut self) -> io::Result<Option<Result<Vec<u8>, DataError>>> {
        self.say("354 End data with <CR><LF>.<CR><LF>");
        self.flush().await?;
        let limits = &self.server.limits;
        let mut reader = DataReader::new(limits.max_message_bytes, limits.max_line);
        loop {
            if let Some(used) = reader.feed(&self.input) {
                self.input.drain(..used);
                return Ok(Some(reader.finish()));
            }
            self.input.clear();
            if !self.read_more().await? {
                return Ok(None);
            }
        }
    }

    /// Ends a transaction that got no DATA; one whose recipients were refused is logged.
    async fn abandon(&mut self) {
        self.outgoing = None;
        if let Some(envelope) = self.envelope.take() {
            if envelope.recipients.is_empty() && !envelope.refused.is_empty() {
                inbound::log_refused(self.server, &self.client, envelope).await;
            }
        }
    }

    /// AUTH is offered on the submission port inside TLS, and in the clear only to a client
    /// on this machine (a webmail, the tests): a password is never sent in the clear over
    /// a network.
    fn auth_offered(&self) -> bool {
        self.mode == Mode::Submission
            && self.authed.is_none()
            && (self.client.tls.is_some() || self.client.ip.is_loopback())
    }

    /// AUTH PLAIN or LOGIN (RFC 4954): the credentials, checked by the login check.
    async fn auth(&mut self, mechanism: u64, initial: String) -> io::Result<Flow> {
        let refusal = if !self.greeted {
            Some("503 5.5.1 Say EHLO first")
        } else if self.authed.is_some() {
            Some("503 5.5.1 Already authenticated")
        } else if self.outgoing.is_some() {
            Some("503 5.5.1 A mail transaction is under way: RSET first")
        } else if !self.auth_offered() {
            Some("538 5.7.11 Encryption required: use STARTTLS first")
        } else {
            None
        };
        if let Some(reply) = refusal {
            self.say(reply);
            return Ok(self.refused());
        }
        let credentials = match mechanism {
            smtp_proto::AUTH_PLAIN => {
                let Some(response) = self.response(initial, "").await? else {
                    return Ok(Flow::Close);
                };
                response.and_then(|r| plain(&r))
            }
            smtp_proto::AUTH_LOGIN => {
                // "Username:" and "Password:", base64.
                let Some(user) = self.response(initial, "VXNlcm5hbWU6").await? else {
                    return Ok(Flow::Close);
                };
                let Some(password) = self.response(String::new(), "UGFzc3dvcmQ6").await? else {
                    return Ok(Flow::Close);
                };
                user.and_then(|u| Ok((text(u)?, text(password?)?)))
            }
            _ => {
                self.say("504 5.5.4 Use AUTH PLAIN or AUTH LOGIN");
                return Ok(self.refused());
            }
        };
        let (user, password) = match credentials {
            Ok(c) => c,
            Err(reply) => {
                self.say(reply);
                return Ok(self.refused());
            }
        };
        match submission::authenticate(self.server, self.client.ip, &user, &password).await {
            Ok(authed) => {
                self.authed = Some(authed);
                self.say("235 2.7.0 Authentication successful");
                Ok(Flow::Continue)
            }
            Err(reply) => {
                self.say(reply);
                Ok(self.refused())
            }
        }
    }

    /// One step of the AUTH exchange, decoded: `initial` when the client sent it with AUTH,
    /// else asked for with a 334 and `challenge`. `None`: the connection ended; `Err`: the
    /// reply that ends the exchange.
    async fn response(
        &mut self,
        initial: String,
        challenge: &str,
    ) -> io::Result<Option<Result<Vec<u8>, &'static str>>> {
        let line = if initial.is_empty() {
            self.say(&format!("334 {challenge}"));
            match self.next_line().await? {
                Some(line) => line,
                None => return Ok(None),
            }
        } else if initial == "=" {
            // An empty initial response (RFC 4954 §4).
            return Ok(Some(Ok(Vec::new())));
        } else {
            initial.into_bytes()
        };
        if line == b"*" {
            return Ok(Some(Err("501 5.7.0 Authentication cancelled")));
        }
        Ok(Some(STANDARD.decode(line.trim_ascii()).map_err(|_| {
            "501 5.5.2 Cannot decode the response (base64)"
        })))
    }

    /// The next line the client sends, without its CRLF; `None` when it closed, took too
    /// long or sent a line too long.
    async fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(end) = command::line_end(&self.input) {
                let mut line: Vec<u8> = self.input.drain(..end).collect();
                line.truncate(end - 2);
                return Ok(Some(line));
            }
            if self.input.len() > command::MAX_LINE {
                self.say("500 5.5.6 Line too long");
                return Ok(None);
            }
            self.flush().await?;
            if !self.read_more().await? {
                return Ok(None);
            }
        }
    }

    /// MAIL on the submission port: after AUTH, from an address the person may send as.
    async fn submit_mail(&mut self, from: MailFrom<String>) -> Flow {
        let refusal = match (&self.authed, self.greeted, &self.outgoing) {
            (_, false, _) => Some("503 5.5.1 Say EHLO first".to_string()),
            (None, _, _) => Some("530 5.7.0 Authentication required".into()),
            (_, _, Some(_)) => Some("503 5.5.1 A mail transaction is under way: RSET first".into()),
            (Some(authed), ..) => {
                let pool = &self.server.backend.pool;
                match submission::blocked(self.server, authed).await {
                    Ok(Some(reply)) => Some(reply),
                    Ok(None) => match submission::may_send_as(pool, authed, &from.address).await {
                        Ok(true) if from.size <= self.server.limits.max_message_bytes => None,
                        Ok(true) => Some("552 5.3.4 The message is larger than this server accepts".into()),
                        Ok(false) => Some(format!(
                            "553 5.7.1 You may not send as <{}>: send from your own address or one granted to you",
                            from.address
                        )),
                        Err(e) => {
                            tracing::warn!(error = %e, "sender lookup failed");
                            Some("451 4.3.0 Temporary failure: try again later".into())
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "blocked sender lookup failed");
                        Some("451 4.3.0 Temporary failure: try again later".into())
                    }
                }
            }
        };
        if let Some(reply) = refusal {
            self.say(&reply);
            return self.refused();
        }
        self.idle_commands = 0;
        self.outgoing = Some(Outgoing {
            sender: from.address,
            ..Outgoing::default()
        });
        self.say("250 2.1.0 Ok");
        Flow::Continue
    }

    /// RCPT on the submission port: a mailbox here, or anyone elsewhere.
    async fn submit_rcpt(&mut self, to: RcptTo<String>) -> Flow {
        let Some(outgoing) = &self.outgoing else {
            self.say("503 5.5.1 MAIL first");
            return self.refused();
        };
        if outgoing.recipients.len() >= self.server.limits.max_recipients {
            self.say("452 4.5.3 Too many recipients");
            return Flow::Continue;
        }
        let routed = submission::route(&self.server.backend.pool, &to.address).await;
        let Some(outgoing) = &mut self.outgoing else {
            return Flow::Continue;
        };
        match routed {
            Ok(Ok(targets)) => {
                let address = to.address.to_ascii_lowercase();
                if !outgoing.recipients.contains(&address) {
                    outgoing.recipients.push(address);
                    outgoing.targets.extend(targets);
                }
                self.say("250 2.1.5 Ok");
            }
            Ok(Err(refusal)) => self.say(refusal.reply()),
            Err(e) => {
                tracing::warn!(error = %e, "recipient lookup failed");
                self.say("451 4.3.0 Temporary failure: try again later");
            }
        }
        Flow::Continue
    }

    async fn submit_data(&mut self) -> io::Result<Flow> {
        match &self.outgoing {
            None => {
                self.say("503 5.5.1 MAIL first");
                return Ok(self.refused());
            }
            Some(o) if o.recipients.is_empty() => {
                self.say("554 5.5.1 No valid recipients");
                self.outgoing = None;
                return Ok(Flow::Continue);
            }
            Some(_) => {}
        }
        let Some(message) = self.read_data().await? else {
            return Ok(Flow::Close);
        };
        let (Some(outgoing), Some(authed)) = (self.outgoing.take(), self.authed.clone()) else {
            return Ok(Flow::Continue);
        };
        let reply = submission::accept(self.server, &self.client, &authed, outgoing, message).await;
        self.say(&reply);
        Ok(Flow::Continue)
    }

    /// Counts a refused command; too many end the connection.
    fn refused(&mut self) -> Flow {
        self.errors += 1;
        if self.errors >= self.server.limits.max_errors {
            self.say("421 4.7.0 Too many errors: closing the connection");
            return Flow::Close;
        }
        Flow::Continue
    }

    fn say(&mut self, reply: &str) {
        self.output.extend_from_slice(reply.as_bytes());
        self.output.extend_from_slice(b"\r\n");
    }

    async fn flush(&mut self) -> io::Result<()> {
        if !self.output.is_empty() {
            self.stream.write_all(&self.output).await?;
            self.stream.flush().await?;
            self.output.clear();
        }
        Ok(())
    }

    /// Reads what the client sent next; false when it closed or took too long (it was
    /// told so).
    async fn read_more(&mut self) -> io::Result<bool> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let wait = left.min(self.server.limits.command_timeout);
        self.input.reserve(8192);
        match tokio::time::timeout(wait, self.stream.read_buf(&mut self.input)).await {
            Ok(Ok(0)) => Ok(false),
            Ok(Ok(_)) => Ok(true),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                let reply = format!(
                    "421 4.4.2 {} Timeout: closing the connection",
                    self.server.hostname
                );
                self.say(&reply);
                self.flush().await.ok();
                Ok(false)
            }
        }
    }
}

/// AUTH PLAIN's response: authorisation identity, user and password, NUL-separated. Acting
/// for another identity is not offered.
fn plain(response: &[u8]) -> Result<(String, String), &'static str> {
    let mut parts = response.split(|b| *b == 0);
    let (Some(authz), Some(user), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("501 5.5.2 AUTH PLAIN wants authorisation id, user and password");
    };
    if !authz.is_empty() && authz != user {
        return Err("535 5.7.8 Acting for another user is not allowed");
    }
    Ok((text(user.to_vec())?, text(password.to_vec())?))
}

fn text(bytes: Vec<u8>) -> Result<String, &'static str> {
    String::from_utf8(bytes).map_err(|_| "501 5.5.2 The credentials are not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_plain_takes_user_and_password_and_no_other_identity() {
        assert_eq!(
            plain(b"\0jane@example.test\0secret"),
            Ok(("jane@example.test".into(), "secret".into()))
        );
        assert_eq!(
            plain(b"jane@example.test\0jane@example.test\0secret"),
            Ok(("jane@example.test".into(), "secret".into()))
        );
        assert!(plain(b"boss@example.test\0jane@example.test\0secret").is_err());
        assert!(plain(b"jane@example.test\0secret").is_err());
        assert!(plain(b"\0a\0b\0c").is_err());
        assert!(plain(b"\0a\0\xff").is_err());
    }
}
