//! The sending side: `CONNECTIONS` clients, each one SMTP session carrying transaction
//! after transaction (MAIL, RCPT, DATA, one command at a time as `smtp-source` does), timed
//! from MAIL to the reply after the message.

use crate::corpus::Corpus;
use std::{collections::BTreeMap, io, net::SocketAddr, sync::Arc, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{
        tcp::{OwnedReadHalf, OwnedWriteHalf},
        TcpStream,
    },
    time::Instant,
};

pub const SENDER: &str = "sender@corpus.example";

/// What every contender is sent.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub messages: usize,
    pub connections: usize,
    pub time_limit: Duration,
}

/// What the clients saw.
#[derive(Default)]
pub struct Sent {
    pub latencies: Vec<Duration>,
    /// 2xx after DATA.
    pub accepted: usize,
    /// 5xx at any step: a finished message too.
    pub rejected: usize,
    /// 4xx at any step: the sender would try again later.
    pub deferred: usize,
    /// Refusals by reply text.
    pub refusals: BTreeMap<String, usize>,
    pub elapsed: Duration,
}

impl Sent {
    fn add(&mut self, other: Sent) {
        self.latencies.extend(other.latencies);
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        self.deferred += other.deferred;
        for (reply, n) in other.refusals {
            *self.refusals.entry(reply).or_default() += n;
        }
    }

    fn count(&mut self, reply: &Reply) {
        match reply.code / 100 {
            2 => self.accepted += 1,
            4 => self.deferred += 1,
            _ => self.rejected += 1,
        }
        if reply.code / 100 != 2 {
            *self.refusals.entry(reply.text.clone()).or_default() += 1;
        }
    }
}

/// Sends the plan's messages, lane `i` to `instances[i % n]` (as an MX with several hosts
/// spreads the senders); `recipient(lane)` is the address of a lane's mail.
pub async fn send(
    instances: &[SocketAddr],
    corpus: Arc<Corpus>,
    plan: Plan,
    recipient: fn(usize) -> String,
) -> io::Result<Sent> {
    let started = Instant::now();
    let lanes: Vec<_> = (0..plan.connections)
        .map(|lane| {
            let corpus = corpus.clone();
            let addr = instances[lane % instances.len()];
            tokio::spawn(async move {
                session(addr, &corpus, plan, lane, recipient(lane), started).await
            })
        })
        .collect();
    let mut sent = Sent::default();
    for lane in lanes {
        sent.add(lane.await.map_err(io::Error::other)??);
    }
    sent.elapsed = started.elapsed();
    Ok(sent)
}

/// One client: messages `lane`, `lane + connections`, … of the run, until the plan's count
/// or time is up.
async fn session(
    addr: SocketAddr,
    corpus: &Corpus,
    plan: Plan,
    lane: usize,
    recipient: String,
    started: Instant,
) -> io::Result<Sent> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (read, write) = stream.into_split();
    let mut conn = Conn {
        read: BufReader::new(read),
        write,
        line: String::new(),
    };
    conn.expect(None, 220).await?;
    conn.expect(Some(b"EHLO bench.client\r\n"), 250).await?;
    let mail = format!("MAIL FROM:<{SENDER}>\r\n");
    let rcpt = format!("RCPT TO:<{recipient}>\r\n");
    let mut data = Vec::new();
    let mut sent = Sent::default();
    let mut n = lane;
    while n < plan.messages && started.elapsed() < plan.time_limit {
        crate::corpus::stuff_into(&corpus.nth(n).text, &mut data);
        let t = Instant::now();
        let reply = conn
            .transaction(mail.as_bytes(), rcpt.as_bytes(), &data)
            .await?;
        sent.latencies.push(t.elapsed());
        sent.count(&reply);
        n += plan.connections;
    }
    conn.expect(Some(b"QUIT\r\n"), 221).await?;
    Ok(sent)
}

struct Reply {
    code: u16,
    /// The last line of the reply.
    text: String,
}

struct Conn {
    read: BufReader<OwnedReadHalf>,
    write: OwnedWriteHalf,
    line: String,
}

impl Conn {
    /// One mail transaction; the reply that ended it. A refused MAIL or RCPT is followed by
    /// RSET, as an MTA does before its next message.
    async fn transaction(&mut self, mail: &[u8], rcpt: &[u8], data: &[u8]) -> io::Result<Reply> {
        for (command, wanted) in [(mail, 2), (rcpt, 2), (&b"DATA\r\n"[..], 3)] {
            let reply = self.ask(Some(command)).await?;
            if reply.code / 100 != wanted {
                self.ask(Some(b"RSET\r\n")).await?;
                return Ok(reply);
            }
        }
        self.ask(Some(data)).await
    }

    async fn expect(&mut self, command: Option<&[u8]>, code: u16) -> io::Result<()> {
        let reply = self.ask(command).await?;
        if reply.code != code {
            return Err(io::Error::other(format!(
                "expected {code}, got {:?}",
                reply.text
            )));
        }
        Ok(())
    }

    /// Sends `command` (if any) and reads the reply, all its lines.
    async fn ask(&mut self, command: Option<&[u8]>) -> io::Result<Reply> {
        if let Some(command) = command {
            self.write.write_all(command).await?;
        }
        loop {
            self.line.clear();
            if self.read.read_line(&mut self.line).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let line = self.line.trim_end();
            let code = line.get(..3).and_then(|c| c.parse().ok());
            let Some(code) = code else {
                return Err(io::Error::other(format!("not a reply: {line:?}")));
            };
            // `250-…` continues the reply, `250 …` ends it.
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(Reply {
                    code,
                    text: line.to_string(),
                });
            }
        }
    }
}

/// The `p` quantile of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default()
}

/// Waits until an SMTP server on the loopback `port` greets.
pub async fn wait_for_greeting(port: u16, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if let Ok(stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let mut line = String::new();
            let mut reader = BufReader::new(stream);
            let read = reader.read_line(&mut line);
            if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(5), read).await {
                if line.starts_with("220") {
                    return Ok(());
                }
            }
        }
        if started.elapsed() > limit {
            return Err(format!(
                "no SMTP greeting on port {port} within {} s",
                limit.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
