//! The IMAP client side of auto migration: a connection to the old server (TLS, STARTTLS
//! or plain, only to addresses the routing rules allow), the login, the folder list and
//! the names of folders as Maildir++ and people read them.

use crate::{
    backend::{mail::outbound, Settings},
    model::{
        migration::Security,
        route::{Destination, Host},
    },
};
use async_imap::{types::NameAttribute, Client, Session};
use futures::TryStreamExt;
use std::{fmt, sync::Arc, time::Duration};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
};
use tokio_rustls::{
    client::TlsStream,
    rustls::{self, pki_types::ServerName, ClientConfig, RootCertStore},
    TlsConnector,
};

/// How long connecting, the greeting, STARTTLS and the login may take together.
const CONNECT_SECS: u64 = 20;
/// How long one command may take (a batch of messages being fetched among them).
pub const COMMAND_SECS: u64 = 120;

/// A connection to the old server, plain or TLS: one type for the session's stream.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stream::Plain(_) => "Stream::Plain",
            Stream::Tls(_) => "Stream::Tls",
        })
    }
}

macro_rules! both {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            Stream::Plain($s) => $e,
            Stream::Tls($s) => $e,
        }
    };
}

impl AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        both!(self, s => std::pin::Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        both!(self, s => std::pin::Pin::new(s).poll_write(cx, buf))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        both!(self, s => std::pin::Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        both!(self, s => std::pin::Pin::new(s).poll_shutdown(cx))
    }
}

pub type ImapSession = Session<Stream>;

/// Why a connection or login did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The server answered the login with NO: the address or password is wrong there.
    Refused,
    /// Anything else: no connection, TLS, a broken answer, a timeout.
    Unreachable(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused => f.write_str("the old server refused the address and password"),
            Failure::Unreachable(why) => f.write_str(why),
        }
    }
}

/// Where the old server is and how to reach it.
pub struct Server<'a> {
    pub destination: &'a Destination,
    pub security: Security,
    /// A master admin allowed destinations on this machine or its link.
    pub allow_local: bool,
}

/// Connects and logs in as `login` with `password`.
pub async fn log_in(
    settings: &Settings,
    server: &Server<'_>,
    login: &str,
    password: &str,
) -> Result<ImapSession, Failure> {
    let steps = async {
        let client = connect(settings, server).await?;
        match client.login(login, password).await {
            Ok(session) => Ok(session),
            Err((async_imap::error::Error::No(_), _)) => Err(Failure::Refused),
            Err((e, _)) => Err(Failure::Unreachable(format!(
                "{} did not take the login: {e}",
                server.destination
            ))),
        }
    };
    tokio::time::timeout(Duration::from_secs(CONNECT_SECS), steps)
        .await
        .unwrap_or_else(|_| {
            Err(Failure::Unreachable(format!(
                "{} did not answer within {CONNECT_SECS} seconds",
                server.destination
            )))
        })
}

/// A client past the greeting (and STARTTLS), ready for the login.
async fn connect(settings: &Settings, server: &Server<'_>) -> Result<Client<Stream>, Failure> {
    let dest = server.destination;
    let fail = |what: String| Failure::Unreachable(format!("{dest}: {what}"));
    let addresses = outbound::addresses(settings, dest, server.allow_local)
        .await
        .map_err(Failure::Unreachable)?;
    let mut last = None;
    let mut tcp = None;
    for addr in addresses {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let tcp =
        tcp.ok_or_else(|| fail(last.map_or_else(|| "no address".into(), |e| e.to_string())))?;
    tcp.set_nodelay(true).ok();
    let stream = match server.security {
        Security::Tls => Stream::Tls(Box::new(tls(dest, tcp).await.map_err(fail)?)),
        Security::Plain | Security::StartTls => Stream::Plain(tcp),
    };
    let mut client = Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|e| fail(e.to_string()))?
        .ok_or_else(|| fail("closed the connection before greeting".into()))?;
    if server.security != Security::StartTls {
        return Ok(client);
    }
    client
        .run_command_and_check_ok("STARTTLS", None)
        .await
        .map_err(|e| fail(format!("STARTTLS was refused ({e})")))?;
    let Stream::Plain(tcp) = client.into_inner() else {
        unreachable!("STARTTLS runs on a plain connection");
    };
    let tls = tls(dest, tcp).await.map_err(fail)?;
    // No greeting follows STARTTLS.
    Ok(Client::new(Stream::Tls(Box::new(tls))))
}

/// TLS to `dest`, its certificate checked against the system's roots and its name.
async fn tls(dest: &Destination, tcp: TcpStream) -> Result<TlsStream<TcpStream>, String> {
    let name = match &dest.host {
        Host::Name(n) => ServerName::try_from(n.clone()).map_err(|e| e.to_string())?,
        Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
    };
    TlsConnector::from(client_config()?)
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS failed ({e})"))
}

/// The TLS client settings, made once: the system's trusted roots (Debian's
/// ca-certificates) and the same ring provider as the listeners.
fn client_config() -> Result<Arc<ClientConfig>, String> {
    static CONFIG: std::sync::OnceLock<Result<Arc<ClientConfig>, String>> =
        std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err("this machine has no trusted root certificates".into());
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

/// A folder on the old server: its name there and its Maildir++ folder here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub name: String,
    pub target: String,
}

/// The folders that hold messages, INBOX first, each with its folder here.
pub async fn folders(session: &mut ImapSession) -> Result<Vec<Folder>, String> {
    let names: Vec<_> = session
        .list(Some(""), Some("*"))
        .await
        .map_err(|e| format!("LIST failed: {e}"))?
        .try_collect()
        .await
        .map_err(|e| format!("LIST failed: {e}"))?;
    drain(session);
    let mut found: Vec<Folder> = names
        .iter()
        .filter(|n| !n.attributes().iter().any(not_a_mailbox))
        .map(|n| Folder {
            name: n.name().to_string(),
            target: target(n.name(), n.delimiter()),
        })
        .collect();
    found.sort_by_key(|f| (!f.target.is_empty(), f.name.clone()));
    found.dedup_by(|a, b| a.target == b.target);
    Ok(found)
}

/// `\Noselect` (a level of the hierarchy only) or RFC 5258's `\NonExistent`.
fn not_a_mailbox(attribute: &NameAttribute<'_>) -> bool {
    match attribute {
        NameAttribute::NoSelect => true,
        NameAttribute::Extension(name) => name
            .trim_start_matches('\\')
            .eq_ignore_ascii_case("NonExistent"),
        _ => false,
    }
}

/// The Maildir++ folder for an IMAP name: '' for INBOX, else `.` then the name's levels
/// joined by `.` (Dovecot's default layout). A `.` inside a level, which Maildir++ would
/// read as a level of its own, becomes `_`; so does `/`.
pub fn target(name: &str, delimiter: Option<&str>) -> String {
    if name.eq_ignore_ascii_case("INBOX") {
        return String::new();
    }
    let levels: Vec<String> = match delimiter {
        Some(d) if !d.is_empty() => name.split(d).map(clean_level).collect(),
        _ => vec![clean_level(name)],
    };
    format!(".{}", levels.join("."))
}

fn clean_level(level: &str) -> String {
    level
        .chars()
        .map(|c| match c {
            '.' | '/' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect()
}

/// A folder's name as people read it: modified UTF-7 (RFC 3501 5.1.3) decoded; a name that
/// does not decode is shown as it is.
pub fn readable(name: &str) -> String {
    decode_mutf7(name).unwrap_or_else(|| name.to_string())
}

fn decode_mutf7(name: &str) -> Option<String> {
    use base64::Engine;
    let mut out = String::new();
    let mut rest = name;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('-')?;
        let encoded = &after[..end];
        if encoded.is_empty() {
            out.push('&');
        } else {
            let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(encoded.replace(',', "/"))
                .ok()?;
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            out.push_str(&String::from_utf16(&units).ok()?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Drops what the server said on its own (EXISTS, EXPUNGE…): the copy reads each folder
/// afresh, and the channel holding them is bounded; left full, it would stall the
/// connection.
pub fn drain(session: &mut ImapSession) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

/// Ends the session politely; a failure here changes nothing.
pub async fn log_out(mut session: ImapSession) {
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_become_maildir_folders() {
        assert_eq!(target("INBOX", Some("/")), "");
        assert_eq!(target("inbox", None), "");
        assert_eq!(target("Sent", Some("/")), ".Sent");
        assert_eq!(target("Archive/2024", Some("/")), ".Archive.2024");
        assert_eq!(target("Archive.2024", Some(".")), ".Archive.2024");
        assert_eq!(target("v1.2/notes", Some("/")), ".v1_2.notes");
        assert_eq!(target("a/b", None), ".a_b");
    }

    #[test]
    fn modified_utf7_names_read_as_people_write_them() {
        assert_eq!(readable("Entw&APw-rfe"), "Entwürfe");
        assert_eq!(readable("&ZeVnLIqe-"), "日本語");
        assert_eq!(readable("Tom &- Jerry"), "Tom & Jerry");
        assert_eq!(readable("Plain/Name"), "Plain/Name");
        assert_eq!(readable("Broken&AAA"), "Broken&AAA");
    }
}
