//! One SMTP connection, from the greeting to QUIT (RFC 5321, with PIPELINING, SIZE,
//! 8BITMIME, ENHANCEDSTATUSCODES and STARTTLS).
//!
//! Replies gather while complete commands are waiting in the input and are sent together
//! when the listener needs more bytes (RFC 2920): a pipelining client gets one write per
//! group. Every read is bounded by the command timeout and the connection's deadline.

use super::{
    command,
    data::DataReader,
    tls::{self, Stream},
    Server,
};
use crate::backend::mail::{
    callout,
    inbound::{self, Client, Envelope},
    lists::{self, Listing},
    recipients::{self, Refusal},
};
use smtp_proto::{MailFrom, RcptTo, Request};
use std::{io, net::IpAddr};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    time::Instant,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

struct Session<'a, S> {
    server: &'a Server,
    stream: Stream<S>,
    client: Client,
    /// Set by EHLO or HELO; MAIL waits for it.
    greeted: bool,
    envelope: Option<Envelope>,
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
pub async fn run<S>(server: &Server, stream: S, ip: IpAddr) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut session = Session {
        server,
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
                let reply = format!(
                    "250-{}\r\n250-PIPELINING\r\n250-SIZE {}\r\n250-8BITMIME\r\n\
                     {starttls}250 ENHANCEDSTATUSCODES",
                    self.server.hostname, limits.max_message_bytes
                );
                self.say(&reply);
            }
            Request::Helo { host } => {
                self.greet(host).await;
                let reply = format!("250 {}", self.server.hostname);
                self.say(&reply);
            }
            Request::Mail { from } => return Ok(self.mail(from)),
            Request::Rcpt { to } => return self.rcpt(to).await,
            Request::Data => return self.data().await,
            Request::Rset => {
                self.abandon().await;
                self.say("250 2.0.0 Ok");
            }
            Request::Noop { .. } => self.say("250 2.0.0 Ok"),
            Request::Quit => {
                self.say("221 2.0.0 Bye");
                return Ok(Flow::Close);
            }
            // Saying which addresses exist would help harvesters (RFC 5321 §3.5.3).
            Request::Vrfy { .. } => {
                self.say("252 2.5.0 Send the message; it is delivered if the address exists")
            }
            Request::Expn { .. } => self.say("502 5.5.1 EXPN is not offered"),
            Request::Help { .. } => self.say("214 2.0.0 See RFC 5321"),
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
        // Everything learnt before TLS is forgotten: the client greets again.
        self.greeted = false;
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
        self.say("354 End data with <CR><LF>.<CR><LF>");
        self.flush().await?;
        let limits = &self.server.limits;
        let mut reader = DataReader::new(limits.max_message_bytes, limits.max_line);
        loop {
            if let Some(used) = reader.feed(&self.input) {
                self.input.drain(..used);
                break;
            }
            self.input.clear();
            if !self.read_more().await? {
                return Ok(Flow::Close);
            }
        }
        let Some(envelope) = self.envelope.take() else {
            return Ok(Flow::Continue);
        };
        let reply = inbound::accept(self.server, &self.client, envelope, reader.finish()).await;
        self.say(&reply);
        Ok(Flow::Continue)
    }

    /// Ends a transaction that got no DATA; one whose recipients were refused is logged.
    async fn abandon(&mut self) {
        if let Some(envelope) = self.envelope.take() {
            if envelope.recipients.is_empty() && !envelope.refused.is_empty() {
                inbound::log_refused(self.server, &self.client, envelope).await;
            }
        }
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
