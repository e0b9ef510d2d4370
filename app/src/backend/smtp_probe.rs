//! The Routes page's "Test": open SMTP to a destination, say EHLO and QUIT, and report the
//! server's answers. Bounded in time, lines and bytes, so a silent or chatty server cannot
//! hold the request.

use super::{dns, Settings};
use crate::model::route::{is_local_ip, Destination, Host, RouteTest};
use std::{net::SocketAddr, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    time::timeout,
};

/// The whole conversation's limit.
const TOTAL: Duration = Duration::from_secs(15);
/// Connecting to one address.
const CONNECT: Duration = Duration::from_secs(5);
/// Lines of one reply (EHLO lists a dozen extensions).
const MAX_LINES: usize = 50;
/// Characters of one line (RFC 5321 allows 512 for a reply line).
const MAX_LINE: usize = 1000;

/// Talks to `dest` as `helo`. Local addresses a name resolves to are refused unless
/// `allow_local` (a name could point anywhere after it was saved).
pub async fn probe(
    settings: &Settings,
    dest: &Destination,
    helo: &str,
    allow_local: bool,
) -> RouteTest {
    let mut transcript = Vec::new();
    let ok = match timeout(
        TOTAL,
        talk(settings, dest, helo, allow_local, &mut transcript),
    )
    .await
    {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            transcript.push(format!("Failed: {e}"));
            false
        }
        Err(_) => {
            transcript.push(format!(
                "Failed: no complete answer within {} seconds.",
                TOTAL.as_secs()
            ));
            false
        }
    };
    RouteTest { ok, transcript }
}

async fn talk(
    settings: &Settings,
    dest: &Destination,
    helo: &str,
    allow_local: bool,
    transcript: &mut Vec<String>,
) -> Result<(), String> {
    let addresses: Vec<SocketAddr> = match &dest.host {
        Host::Ip(ip) => vec![SocketAddr::new(*ip, dest.port)],
        Host::Name(name) => dns::addresses(settings, name)
            .await
            .map_err(|e| format!("{name} could not be resolved ({e})."))?
            .into_iter()
            .map(|ip| SocketAddr::new(ip, dest.port))
            .collect(),
    };
    if addresses.is_empty() {
        return Err(format!("{} has no address.", dest.host));
    }
    let mut last = String::new();
    let mut stream = None;
    for addr in addresses {
        if !allow_local && is_local_ip(addr.ip()) {
            last = format!(
                "{addr} is on this machine or its local link; such routes are not allowed."
            );
            continue;
        }
        transcript.push(format!("Connecting to {addr}"));
        match timeout(CONNECT, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                stream = Some(s);
                break;
            }
            Ok(Err(e)) => last = format!("{addr}: {e}"),
            Err(_) => last = format!("{addr}: no answer within {} seconds", CONNECT.as_secs()),
        }
    }
    let stream = stream.ok_or(last)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let greeting = reply(&mut read, transcript).await?;
    if !greeting.starts_with('2') {
        return Err(format!("the server refused the connection ({greeting})."));
    }
    for (command, want) in [(format!("EHLO {helo}"), "250"), ("QUIT".to_string(), "221")] {
        transcript.push(format!("C: {command}"));
        write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let code = reply(&mut read, transcript).await?;
        if code != want {
            return Err(format!("{command} was answered {code}, not {want}."));
        }
    }
    Ok(())
}

/// Reads one (possibly multi-line) reply into the transcript; returns its code.
async fn reply(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    transcript: &mut Vec<String>,
) -> Result<String, String> {
    for _ in 0..MAX_LINES {
        let mut line = Vec::new();
        let n = (&mut *read)
            .take(MAX_LINE as u64 + 2)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection.".into());
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        transcript.push(format!("S: {text}"));
        let code = text
            .get(..3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()));
        let Some(code) = code else {
            return Err("the answer is not SMTP.".into());
        };
        if text.as_bytes().get(3) != Some(&b'-') {
            return Ok(code.to_string());
        }
    }
    Err(format!(
        "the reply went on for more than {MAX_LINES} lines."
    ))
}
