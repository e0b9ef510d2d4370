//! The client side of SMTP, for handing a copy to another server: greeting, EHLO (HELO if
//! refused), MAIL, RCPT, DATA with dot-stuffing; every step bounded in time and size. LMTP
//! (RFC 2033) is the same dialogue with LHLO, over TCP or a Unix socket.
//!
//! Its own rather than a library's so that the queue learns of the receiver's 250 after
//! DATA at once (and records it before anything else happens): the QUIT that follows is
//! said without anyone waiting for it.

use std::{io, net::SocketAddr, path::Path, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader},
    net::{TcpStream, UnixStream},
    time::timeout,
};

/// Connecting.
const CONNECT: Duration = Duration::from_secs(30);
/// Waiting for one reply (RFC 5321 §4.5.3.2 asks for minutes; a queue retries).
const REPLY: Duration = Duration::from_secs(120);
/// Lines in one reply, and characters in one line.
const MAX_LINES: usize = 100;
const MAX_LINE: usize = 2048;

/// A server's reply: its code and its text (lines joined by a space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

/// Why a copy was not taken: the server's refusal, or a failure to talk to it.
#[derive(Debug)]
pub enum Failure {
    /// Refused at `step` with `reply`.
    Refused {
        step: &'static str,
        reply: Reply,
    },
    Io(io::Error),
}

pub struct Connection {
    read: BufReader<Box<dyn AsyncRead + Send + Unpin>>,
    write: Box<dyn AsyncWrite + Send + Unpin>,
}

impl Connection {
    /// Connects and reads the greeting; says EHLO (or HELO) as `hostname`.
    pub async fn open(addr: SocketAddr, hostname: &str) -> Result<Connection, Failure> {
        let stream = connected(TcpStream::connect(addr)).await?;
        stream.set_nodelay(true).ok();
        let (read, write) = stream.into_split();
        let mut c = Connection::over(read, write);
        c.expect("greeting", None).await?;
        let ehlo = format!("EHLO {hostname}\r\n");
        if let Err(Failure::Refused { reply, .. }) = c.expect("EHLO", Some(&ehlo)).await {
            if reply.code < 500 {
                return Err(Failure::Refused {
                    step: "EHLO",
                    reply,
                });
            }
            c.expect("HELO", Some(&format!("HELO {hostname}\r\n")))
                .await?;
        }
        Ok(c)
    }

    /// Connects to an LMTP server over TCP and says LHLO as `hostname`.
    pub async fn lmtp_tcp(addr: SocketAddr, hostname: &str) -> Result<Connection, Failure> {
        let stream = connected(TcpStream::connect(addr)).await?;
        stream.set_nodelay(true).ok();
        let (read, write) = stream.into_split();
        Connection::over(read, write).lhlo(hostname).await
    }

    /// Connects to an LMTP server on a Unix socket and says LHLO as `hostname`.
    pub async fn lmtp_unix(path: &Path, hostname: &str) -> Result<Connection, Failure> {
        let stream = connected(UnixStream::connect(path)).await?;
        let (read, write) = stream.into_split();
        Connection::over(read, write).lhlo(hostname).await
    }

    fn over(
        read: impl AsyncRead + Send + Unpin + 'static,
        write: impl AsyncWrite + Send + Unpin + 'static,
    ) -> Connection {
        Connection {
            read: BufReader::new(Box::new(read)),
            write: Box::new(write),
        }
    }

    /// LMTP has no HELO to fall back to: an LMTP server that refuses LHLO takes nothing.
    async fn lhlo(mut self, hostname: &str) -> Result<Connection, Failure> {
        self.expect("greeting", None).await?;
        self.expect("LHLO", Some(&format!("LHLO {hostname}\r\n")))
            .await?;
        Ok(self)
    }

    /// Sends one message; the server's reply to its end of data. (Over LMTP, with its one
    /// recipient, the one reply LMTP gives per recipient.)
    pub async fn send(
        &mut self,
        sender: &str,
        recipient: &str,
        message: &[u8],
    ) -> Result<Reply, Failure> {
        self.expect("MAIL", Some(&format!("MAIL FROM:<{sender}>\r\n")))
            .await?;
        self.expect("RCPT", Some(&format!("RCPT TO:<{recipient}>\r\n")))
            .await?;
        self.expect("DATA", Some("DATA\r\n")).await?;
        let body = dot_stuffed(message);
        self.write.write_all(&body).await.map_err(Failure::Io)?;
        self.expect("end of data", None).await
    }

    /// Asks whether the server takes mail for `recipient` (a callout): MAIL from the null
    /// sender and RCPT, then RSET, so that nothing is sent.
    pub async fn ask(&mut self, recipient: &str) -> Result<Reply, Failure> {
        self.expect("MAIL", Some("MAIL FROM:<>\r\n")).await?;
        let reply = self
            .expect("RCPT", Some(&format!("RCPT TO:<{recipient}>\r\n")))
            .await;
        self.expect("RSET", Some("RSET\r\n")).await.ok();
        reply
    }

    /// Says QUIT and closes, without waiting long for the answer.
    pub async fn quit(mut self) {
        if self.write.write_all(b"QUIT\r\n").await.is_ok() {
            timeout(Duration::from_secs(10), self.reply()).await.ok();
        }
    }

    /// Sends `command` (if any) and reads the reply; a negative one is a refusal.
    async fn expect(
        &mut self,
        step: &'static str,
        command: Option<&str>,
    ) -> Result<Reply, Failure> {
        if let Some(command) = command {
            self.write
                .write_all(command.as_bytes())
                .await
                .map_err(Failure::Io)?;
        }
        let reply = timeout(REPLY, self.reply())
            .await
            .map_err(|_| {
                Failure::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer to {step}"),
                ))
            })?
            .map_err(Failure::Io)?;
        if reply.is_positive() {
            Ok(reply)
        } else {
            Err(Failure::Refused { step, reply })
        }
    }

    async fn reply(&mut self) -> io::Result<Reply> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        let mut text = Vec::new();
        for _ in 0..MAX_LINES {
            let mut line = Vec::new();
            let n = (&mut self.read)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)
                .await?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .filter(|c| (200..600).contains(c))
                .ok_or_else(|| bad("a reply without a code"))?;
            let rest = line.get(4..).unwrap_or_default();
            text.push(rest.chars().filter(|c| !c.is_control()).collect::<String>());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(Reply {
                    code,
                    text: text.join(" "),
                });
            }
        }
        Err(bad("a reply of too many lines"))
    }
}

/// Waits for a connection, at most `CONNECT`.
async fn connected<S>(
    connect: impl std::future::Future<Output = io::Result<S>>,
) -> Result<S, Failure> {
    timeout(CONNECT, connect)
        .await
        .map_err(|_| Failure::Io(io::Error::new(io::ErrorKind::TimedOut, "no connection")))?
        .map_err(Failure::Io)
}

/// The message as DATA carries it: a dot doubled at the start of each line, CRLF at the
/// end, then the terminating `.` line.
fn dot_stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 8);
    let mut line_start = true;
    for &b in message {
        if line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_dots_are_doubled_and_the_end_added() {
        assert_eq!(
            dot_stuffed(b".first\r\nmid.dle\r\n..two\r\n."),
            b"..first\r\nmid.dle\r\n...two\r\n..\r\n.\r\n"
        );
        assert_eq!(dot_stuffed(b"a\r\n"), b"a\r\n.\r\n");
    }
}
