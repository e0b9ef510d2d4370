//! The SMTP listener spoken to by real clients: Python's smtplib for ordinary mail, and raw
//! bytes on a socket for what a well-behaved client never sends (smuggling, injected
//! commands, over-long lines). Mail for our recipients lands in Maildir under the data
//! directory; everything else is refused at the step where it is wrong.

use crate::harness::Portal;
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;
use std::{net::SocketAddr, path::Path, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    process::Command,
};

/// Sends one message with smtplib, step by step; the replies as JSON:
/// `{"ehlo": [code, text], "mail": …, "rcpt": {address: [code, text]}, "data": …}`.
const SMTPLIB: &str = r#"
import json, smtplib, sys
host, port, sender, rcpts, message = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), sys.stdin.buffer.read()
out = {"rcpt": {}}
s = smtplib.SMTP(host, port, timeout=20)
code, text = s.ehlo("client.example.org")
out["ehlo"] = [code, text.decode()]
code, text = s.mail(sender)
out["mail"] = [code, text.decode()]
accepted = 0
for r in rcpts:
    code, text = s.rcpt(r)
    out["rcpt"][r] = [code, text.decode()]
    accepted += code == 250
if accepted:
    try:
        code, text = s.data(message)
    except smtplib.SMTPDataError as e:
        code, text = e.smtp_code, e.smtp_error
    out["data"] = [code, text.decode()]
s.quit()
print(json.dumps(out))
"#;

pub(crate) async fn smtplib(
    addr: SocketAddr,
    sender: &str,
    rcpts: &[&str],
    message: &str,
) -> Value {
    let args = [
        addr.ip().to_string(),
        addr.port().to_string(),
        sender.to_string(),
        serde_json::to_string(rcpts).unwrap(),
    ];
    python_json(SMTPLIB, &args, message).await
}

/// Runs a Python client `script` with `args`, `message` on its standard input; what it
/// printed, as JSON.
pub(crate) async fn python_json(script: &str, args: &[String], message: &str) -> Value {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(message.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "smtplib failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub(crate) fn code(v: &Value) -> i64 {
    v[0].as_i64()
        .unwrap_or_else(|| panic!("no reply code in {v}"))
}

/// Writes `input` at once, then reads replies until the server closes or goes quiet.
pub(crate) async fn raw(addr: SocketAddr, input: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(input).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Ok(Err(_)) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The reply codes of a transcript, in order (the last line of each multi-line reply).
pub(crate) fn codes(transcript: &str) -> Vec<&str> {
    transcript
        .split("\r\n")
        .filter(|l| l.len() >= 4 && l.as_bytes()[3] == b' ')
        .map(|l| &l[..3])
        .collect()
}

/// The messages in a mailbox's `new/`, oldest name first.
pub(crate) fn maildir(p: &Portal, address: &str) -> Vec<String> {
    let (local, domain) = address.split_once('@').unwrap();
    let dir = p
        .data
        .path()
        .join("maildir")
        .join(domain)
        .join(local)
        .join("new");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    files
        .iter()
        .map(|f| String::from_utf8(std::fs::read(f).unwrap()).unwrap())
        .collect()
}

pub(crate) fn delivered_anywhere(p: &Portal) -> usize {
    fn count(dir: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| {
                let path = e.path();
                if path.is_dir() {
                    count(&path)
                } else {
                    usize::from(path.parent().is_some_and(|d| d.ends_with("new")))
                }
            })
            .sum()
    }
    count(&p.data.path().join("maildir"))
}

pub(crate) async fn log_rows(p: &Portal) -> Vec<(String, String, String)> {
    db::query_as("SELECT verdict, sender, reply FROM mail_log ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

pub(crate) const HAM: &str =
    "From: Ann Sender <ann@sender.example.org>\r\nTo: alice@example.test\r\n\
    Subject: Lunch on Friday\r\nDate: Fri, 15 Jan 2027 07:55:00 +0000\r\n\
    Message-ID: <lunch-1@sender.example.org>\r\n\r\n\
    Shall we meet at noon?\r\n.leading dot line\r\n";

/// A portal serving example.test with the mailboxes alice and bob.
pub(crate) async fn mail_host() -> Portal {
    mail_host_with(|_| {}).await
}

/// `mail_host` with settings changed by `configure`.
pub(crate) async fn mail_host_with(configure: impl FnOnce(&mut server::config::Config)) -> Portal {
    let p = Portal::start_with(configure).await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    p.add_user("bob@example.test", Role::MailUser).await;
    p
}

#[tokio::test]
async fn ham_is_delivered_to_the_mailbox_with_trace_headers() {
    let p = mail_host().await;
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["ALICE@Example.TEST"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["ehlo"]), 250);
    for ext in [
        "PIPELINING",
        "SIZE 26214400",
        "8BITMIME",
        "ENHANCEDSTATUSCODES",
    ] {
        assert!(r["ehlo"][1].as_str().unwrap().contains(ext), "{r}");
    }
    assert_eq!(code(&r["rcpt"]["ALICE@Example.TEST"]), 250, "{r}");
    assert_eq!(code(&r["data"]), 250, "{r}");
    let queue_id = r["data"][1]
        .as_str()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();

    let inbox = maildir(&p, "alice@example.test");
    assert_eq!(inbox.len(), 1);
    let m = &inbox[0];
    assert!(m.starts_with("Return-Path: <ann@sender.example.org>\r\nReceived: from client.example.org ([127.0.0.1])\r\n\tby mx.portal.test (Mail Portal) with ESMTP id "), "{m}");
    assert!(
        m.contains(&format!("id {queue_id}\r\n\tfor <alice@example.test>;")),
        "{m}"
    );
    // The message itself, byte for byte, its leading dot restored (smtplib stuffed it).
    assert!(m.ends_with(HAM), "{m}");
    assert!(maildir(&p, "bob@example.test").is_empty());

    let (verdict, from, subject, size): (String, String, String, i64) = db::query_as(
        "SELECT verdict, from_header, subject, size FROM mail_log WHERE queue_id = $1",
    )
    .bind(&queue_id)
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(verdict, "delivered");
    assert_eq!(from, "ann@sender.example.org");
    assert_eq!(subject, "Lunch on Friday");
    assert_eq!(size, HAM.len() as i64);
    let used: i64 =
        db::query_scalar("SELECT used_bytes FROM accounts WHERE email = 'alice@example.test'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(
        used,
        m.len() as i64,
        "the mailbox's usage counts the message"
    );
    p.stop().await;
}

#[tokio::test]
async fn aliases_the_catch_all_and_verified_domain_aliases_reach_their_mailboxes() {
    let p = mail_host().await;
    let domain: i64 = db::query_scalar("SELECT id FROM domains WHERE name = 'example.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("admin@example.test").await;
    let d = domain.to_string();
    for (address, targets) in [
        ("sales", "alice@example.test, bob@example.test"),
        // An alias of an alias; alice is reached twice but gets one copy.
        ("team", "sales@example.test, alice@example.test"),
        ("@example.test", "bob@example.test"),
    ] {
        let a = p
            .call(
                "aliases/add",
                Some(&boss),
                &[("domain", &d), ("address", address), ("targets", targets)],
            )
            .await;
        assert_eq!(a.status, 200, "{address}: {}", a.body);
    }
    for name in ["example.net", "unverified.example"] {
        let a = p
            .call(
                "domains/aliases/add",
                Some(&boss),
                &[("domain", &d), ("name", name)],
            )
            .await;
        assert_eq!(a.status, 200, "{name}: {}", a.body);
    }
    // TXT verification itself is tested with dnsmasq in domains.rs.
    db::query("UPDATE domains SET verified_at = 1 WHERE name = 'example.net'")
        .execute(&p.backend.pool)
        .await
        .unwrap();

    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["team@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert_eq!(
        maildir(&p, "alice@example.test").len(),
        1,
        "one copy for alice"
    );
    assert_eq!(maildir(&p, "bob@example.test").len(), 1);

    // Unknown local part: the catch-all; through the domain alias too.
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &[
            "nobody@example.test",
            "Info@Example.NET",
            "alice@unverified.example",
        ],
        HAM,
    )
    .await;
    assert_eq!(code(&r["rcpt"]["nobody@example.test"]), 250, "{r}");
    assert_eq!(code(&r["rcpt"]["Info@Example.NET"]), 250, "{r}");
    let unverified = &r["rcpt"]["alice@unverified.example"];
    assert_eq!(
        code(unverified),
        554,
        "an unverified domain alias takes no mail: {r}"
    );
    assert_eq!(code(&r["data"]), 250, "{r}");
    let bob = maildir(&p, "bob@example.test");
    assert_eq!(
        bob.len(),
        2,
        "one copy for two recipients that both reach bob"
    );
    assert_eq!(
        bob.iter().filter(|m| m.contains("\tfor <")).count(),
        1,
        "a message for several recipients names none: {bob:?}"
    );

    // The mail log has both messages and the refusal.
    let rows = log_rows(&p).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let refused: Vec<(String, bool)> =
        db::query_as("SELECT address, accepted FROM mail_log_recipients ORDER BY log_id, address")
            .fetch_all(&p.backend.pool)
            .await
            .unwrap();
    assert!(
        refused.contains(&("alice@unverified.example".into(), false)),
        "{refused:?}"
    );
    assert!(
        refused.contains(&("info@example.net".into(), true)),
        "{refused:?}"
    );
    p.stop().await;
}

#[tokio::test]
async fn no_form_of_a_foreign_address_is_relayed_and_unknown_users_get_550() {
    let p = mail_host().await;
    // SECURITY.md (SMTP, open relay): each form of a foreign recipient is refused at RCPT.
    let forms = [
        "user@external.test",
        "user%external.test@example.test",
        "external.test!user@example.test",
        "@example.test:user@external.test",
        "\"user@external.test\"@example.test",
        "user@external.test.",
        "user@[192.0.2.1]",
        "nobody@example.test",
    ];
    let mut input = b"EHLO client.example.org\r\nMAIL FROM:<ann@sender.example.org>\r\n".to_vec();
    for form in forms {
        input.extend_from_slice(format!("RCPT TO:<{form}>\r\n").as_bytes());
    }
    input.extend_from_slice(b"DATA\r\nQUIT\r\n");
    let transcript = raw(p.smtp, &input).await;
    let replies = codes(&transcript);
    // 220, EHLO, MAIL, one per recipient, DATA, QUIT.
    assert_eq!(replies.len(), 4 + forms.len() + 1, "{transcript}");
    for (form, reply) in forms.iter().zip(&replies[3..]) {
        assert!(reply.starts_with('5'), "{form} got {reply}: {transcript}");
    }
    assert!(
        transcript.contains("550 5.1.1 No such user here"),
        "{transcript}"
    );
    assert!(
        transcript.contains("554 5.7.1 Relay access denied"),
        "{transcript}"
    );
    assert!(
        transcript.contains("554 5.5.1 No valid recipients"),
        "{transcript}"
    );
    assert_eq!(delivered_anywhere(&p), 0);
    // One log row for the refused transaction, every recipient in it refused.
    let rows = log_rows(&p).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "rejected");
    let accepted: i64 = db::query_scalar("SELECT COUNT(*) FROM mail_log_recipients WHERE accepted")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(accepted, 0);
    p.stop().await;
}

#[tokio::test]
async fn smuggled_messages_are_refused_and_their_forged_sender_never_gets_in() {
    let p = mail_host().await;
    // SECURITY.md (SMTP, smuggling): each fake end of data, then a second transaction with
    // a forged sender. The whole thing is one message with a bare line ending: refused.
    for fake_end in ["\n.\n", "\n.\r\n", "\r.\r", "\r\n.\n", "\r.\r\n"] {
        let input = format!(
            "EHLO client.example.org\r\nMAIL FROM:<ann@sender.example.org>\r\n\
             RCPT TO:<alice@example.test>\r\nDATA\r\n\
             Subject: first\r\n\r\nhello{fake_end}MAIL FROM:<ceo@bank.example>\r\n\
             RCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\npay now\r\n.\r\nQUIT\r\n"
        );
        let transcript = raw(p.smtp, input.as_bytes()).await;
        assert_eq!(
            codes(&transcript),
            ["220", "250", "250", "250", "354", "550", "221"],
            "{fake_end:?}: {transcript}"
        );
        assert!(transcript.contains("550 5.6.11"), "{transcript}");
    }
    assert_eq!(delivered_anywhere(&p), 0);
    let forged: i64 =
        db::query_scalar("SELECT COUNT(*) FROM mail_log WHERE sender = 'ceo@bank.example'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(forged, 0, "the smuggled transaction never happened");
    let rows = log_rows(&p).await;
    assert_eq!(rows.len(), 5);
    assert!(rows
        .iter()
        .all(|(v, _, reply)| v == "rejected" && reply.starts_with("550 5.6.11")));
    p.stop().await;
}

#[tokio::test]
async fn a_command_line_carrying_a_second_command_is_one_bad_line() {
    let p = mail_host().await;
    // SECURITY.md (SMTP, command injection).
    let transcript = raw(
        p.smtp,
        b"EHLO client.example.org\r\nMAIL FROM:<a@b.example> SIZE=1\nRCPT TO:<x@external.test>\r\n\
          MAIL FROM:<a@b.example> SIZE=1\rRCPT TO:<x@external.test>\r\nRCPT TO:<alice@example.test>\r\nQUIT\r\n",
    )
    .await;
    assert_eq!(
        codes(&transcript),
        ["220", "250", "501", "501", "503", "221"],
        "{transcript}"
    );
    p.stop().await;
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() {
    let p = mail_host().await;
    let transcript = raw(
        p.smtp,
        b"EHLO client.example.org\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.test>\r\n\
          RCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n\
          Subject: bounce\r\n\r\n..dot\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n",
    )
    .await;
    assert_eq!(
        codes(&transcript),
        ["220", "250", "250", "250", "550", "250", "354", "250", "250", "250", "221"],
        "{transcript}"
    );
    let alice = maildir(&p, "alice@example.test");
    assert!(alice[0].starts_with("Return-Path: <>\r\n"), "{}", alice[0]);
    // The header rules: a header of a Subject alone lacks what every mail program writes.
    assert!(
        alice[0].contains(
            "X-Spam-Score: 3.0 (MISSING_FROM=1.5, MISSING_DATE=1, MISSING_MESSAGE_ID=0.5)\r\n"
        ),
        "{}",
        alice[0]
    );
    assert!(alice[0].ends_with("\r\n\r\n.dot\r\n"), "{}", alice[0]);
    assert_eq!(maildir(&p, "bob@example.test").len(), 1);
    p.stop().await;
}

#[tokio::test]
async fn limits_end_in_bounded_refusals() {
    let p = Portal::start_with(|c| {
        c.smtp.max_message_bytes = 4096;
        c.smtp.max_recipients = 2;
        c.smtp.command_timeout_secs = 1;
    })
    .await;
    p.add_domain("example.test").await;
    for user in ["alice", "bob", "carol"] {
        p.add_user(&format!("{user}@example.test"), Role::MailUser)
            .await;
    }

    // Announced size over the limit; then a message over it; then a 1,000+ octet line.
    let big = format!("{}\r\n", "x".repeat(98)).repeat(50);
    let long_line = "y".repeat(1200);
    let input = format!(
        "EHLO c.example.org\r\nMAIL FROM:<a@b.example> SIZE=5000\r\n\
         MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n{big}.\r\n\
         MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n{long_line}\r\n.\r\n\
         MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n\
         RCPT TO:<carol@example.test>\r\nRSET\r\nNOOP {long_line}{long_line}\r\nQUIT\r\n"
    );
    let transcript = raw(p.smtp, input.as_bytes()).await;
    assert_eq!(
        codes(&transcript),
        [
            "220", "250", "552", // SIZE=5000
            "250", "250", "354", "552", // 5,000 bytes of data
            "250", "250", "354", "550", // a 1,200-octet line
            "250", "250", "250", "452", // a third recipient
            "250", "500", "221"
        ],
        "{transcript}"
    );
    assert!(transcript.contains("552 5.3.4"), "{transcript}");
    assert!(
        transcript.contains("452 4.5.3 Too many recipients"),
        "{transcript}"
    );
    assert!(
        transcript.contains("500 5.5.6 Line too long"),
        "{transcript}"
    );
    assert_eq!(delivered_anywhere(&p), 0);

    // A client that goes quiet is told why and disconnected.
    let mut quiet = TcpStream::connect(p.smtp).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let started = std::time::Instant::now();
    let mut got = String::new();
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(5), quiet.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(got.contains("421 4.4.2 mx.portal.test Timeout"), "{got}");
    assert!(started.elapsed() < Duration::from_secs(4));

    // Too many commands without mail; too many errors.
    let noops = "NOOP\r\n".repeat(25);
    let transcript = raw(p.smtp, format!("EHLO c.example.org\r\n{noops}").as_bytes()).await;
    assert!(
        transcript
            .ends_with("421 4.7.0 Too many commands without mail: closing the connection\r\n"),
        "{transcript}"
    );
    let junk = "BOGUS\r\n".repeat(12);
    let transcript = raw(p.smtp, junk.as_bytes()).await;
    assert!(
        transcript.ends_with("421 4.7.0 Too many errors: closing the connection\r\n"),
        "{transcript}"
    );
    p.stop().await;
}

#[tokio::test]
async fn a_client_guessing_addresses_is_sent_away() {
    let p = mail_host().await;
    // SECURITY.md (SMTP): a per-IP limit on unknown recipients (50 an hour).
    let mut input = b"EHLO c.example.org\r\nMAIL FROM:<a@b.example>\r\n".to_vec();
    for i in 0..60 {
        input.extend_from_slice(format!("RCPT TO:<guess{i}@example.test>\r\n").as_bytes());
    }
    let transcript = raw(p.smtp, &input).await;
    let replies = codes(&transcript);
    assert_eq!(
        replies.iter().filter(|c| **c == "550").count(),
        50,
        "{transcript}"
    );
    assert_eq!(replies.last(), Some(&"421"), "{transcript}");
    // A new connection from the same address is sent away too, even for a real user.
    let transcript = raw(
        p.smtp,
        b"EHLO c.example.org\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\n",
    )
    .await;
    assert_eq!(
        codes(&transcript),
        ["220", "250", "250", "421"],
        "{transcript}"
    );
    p.stop().await;
}

/// An SMTP server on loopback (aiosmtpd) that keeps what it takes as files, or answers
/// every RCPT with a temporary or permanent refusal; in mode `users:a@x,b@x` it knows only
/// those recipients and logs each RCPT it is asked (`asked`); in mode `stall:HOST` it takes
/// everything but leaves a client that says EHLO HOST waiting for the answer while the
/// file `stall` is in its directory (`stall`, `stalled`).
pub struct Peer {
    child: tokio::process::Child,
    port: u16,
    pub dir: tempfile::TempDir,
}

const PEER: &str = r#"
import asyncio, os, sys, time, uuid
from aiosmtpd.controller import Controller
port, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if mode == "stall:" + hostname:
            with open(os.path.join(out, "stalled.log"), "a") as f:
                f.write(hostname + "\n")
            while os.path.exists(os.path.join(out, "stall")):
                await asyncio.sleep(0.05)
        session.host_name = hostname
        return responses
    async def handle_RCPT(self, server, session, envelope, address, options):
        if mode.startswith("users:"):
            with open(os.path.join(out, "rcpt.log"), "a") as f:
                f.write(address + "\n")
            if address.lower() not in mode[6:].split(","):
                return "550 5.1.1 No such user"
        if mode == "defer":
            return "451 4.3.0 Try again later"
        if mode == "reject":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(out, uuid.uuid4().hex)
        with open(name + ".tmp", "wb") as f:
            f.write(("X-Envelope: <%s> %s\r\n" % (envelope.mail_from, " ".join(envelope.rcpt_tos))).encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name + ".eml")
        return "250 OK"
Controller(Handler(), hostname="127.0.0.1", port=port).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"#;

impl Peer {
    pub async fn start(mode: &str) -> Peer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .args(["-c", PEER, &port.to_string(), mode])
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 with aiosmtpd (make test installs it)");
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Peer { child, port, dir };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the SMTP peer did not start");
    }

    /// The recipients asked about, in order (mode `users:`).
    pub fn asked(&self) -> Vec<String> {
        self.log("rcpt.log")
    }

    /// The lines the peer wrote to the file `name` in its directory.
    fn log(&self, name: &str) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn route(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Holds back (`true`) or lets go of the clients that mode `stall:HOST` names.
    pub fn stall(&self, on: bool) {
        let file = self.dir.path().join("stall");
        if on {
            std::fs::write(file, "").unwrap();
        } else {
            std::fs::remove_file(file).unwrap();
        }
    }

    /// How many sessions were held back at EHLO (mode `stall:HOST`).
    pub fn stalled(&self) -> usize {
        self.log("stalled.log").len()
    }

    /// Every message taken so far, in the order of their (random) file names.
    pub(crate) fn received(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| String::from_utf8(std::fs::read(f).unwrap()).unwrap())
            .collect()
    }

    /// Waits until the peer holds `n` messages.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the peer got {} messages, not {n}", self.received().len());
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.child.start_kill().ok();
    }
}

pub(crate) async fn queued(p: &Portal) -> Vec<(String, i64, Option<String>)> {
    db::query_as("SELECT recipient, attempts, last_error FROM mail_queue ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn relay_and_sdr_mail_goes_to_the_routes_in_order_past_a_4xx() {
    let p = mail_host().await;
    let deferring = Peer::start("defer").await;
    let accepting = Peer::start("accept").await;
    let sdr_sink = Peer::start("accept").await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("admin@example.test").await;
    let ok = |a: crate::harness::Answer| assert_eq!(a.status, 200, "{}", a.body);
    ok(
        p.call("routes/allow_local", Some(&boss), &[("allow", "true")])
            .await,
    );
    ok(p.call(
        "domains/add",
        Some(&boss),
        &[
            ("name", "relay.test"),
            ("kind", "relay"),
            ("destination", &deferring.route()),
        ],
    )
    .await);
    let relay: i64 = db::query_scalar("SELECT id FROM domains WHERE name = 'relay.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    ok(p.call(
        "routes/add",
        Some(&boss),
        &[
            ("domain", &relay.to_string()),
            ("destination", &accepting.route()),
        ],
    )
    .await);
    let hosted: i64 = db::query_scalar("SELECT id FROM domains WHERE name = 'example.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    ok(p.call(
        "sdr/set",
        Some(&boss),
        &[
            ("domain", &hosted.to_string()),
            ("enabled", "true"),
            ("destination", &sdr_sink.route()),
        ],
    )
    .await);

    // A relay domain's recipient: the first route says 451, the second takes it.
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["anyone@relay.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let got = accepting.wait_for(1).await;
    assert!(
        got[0].starts_with("X-Envelope: <ann@sender.example.org> anyone@relay.test\r\n"),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains("Received: from client.example.org ([127.0.0.1])\r\n\tby mx.portal.test"),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains("\r\n..leading dot line\r\n")
            || got[0].contains("\r\n.leading dot line\r\n"),
        "{}",
        got[0]
    );
    assert!(deferring.received().is_empty());

    // SDR: a local part with no mailbox goes to the SDR destination; a mailbox stays here.
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["elsewhere@example.test", "alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let got = sdr_sink.wait_for(1).await;
    assert!(
        got[0].starts_with("X-Envelope: <ann@sender.example.org> elsewhere@example.test\r\n"),
        "{}",
        got[0]
    );
    assert_eq!(maildir(&p, "alice@example.test").len(), 1);

    // Delivered copies leave the queue, then their spool file goes.
    let spool = p.data.path().join("spool");
    let spooled = || std::fs::read_dir(&spool).unwrap().count();
    for _ in 0..100 {
        if queued(&p).await.is_empty() && spooled() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(queued(&p).await.is_empty());
    assert_eq!(spooled(), 0);
    let verdicts: Vec<String> = db::query_scalar("SELECT verdict FROM mail_log ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(verdicts, ["queued", "queued"]);
    p.stop().await;
}

#[tokio::test]
async fn a_copy_no_route_takes_is_retried_then_bounced_to_a_local_sender() {
    let p = mail_host().await;
    let deferring = Peer::start("defer").await;
    let rejecting = Peer::start("reject").await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("admin@example.test").await;
    let ok = |a: crate::harness::Answer| assert_eq!(a.status, 200, "{}", a.body);
    ok(
        p.call("routes/allow_local", Some(&boss), &[("allow", "true")])
            .await,
    );
    for (name, route) in [
        ("later.test", deferring.route()),
        ("never.test", rejecting.route()),
    ] {
        ok(p.call(
            "domains/add",
            Some(&boss),
            &[("name", name), ("kind", "relay"), ("destination", &route)],
        )
        .await);
    }
    // alice (ours) writes to both; the 5xx bounces at once, the 4xx is retried.
    for rcpt in ["x@later.test", "y@never.test"] {
        let r = smtplib(p.smtp, "alice@example.test", &[rcpt], HAM).await;
        assert_eq!(code(&r["data"]), 250, "{r}");
    }
    let mut bounces = Vec::new();
    for _ in 0..100 {
        bounces = maildir(&p, "alice@example.test");
        if !bounces.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(bounces.len(), 1, "the 5xx bounced");
    let bounce = &bounces[0];
    assert!(bounce.starts_with("Return-Path: <>\r\n"), "{bounce}");
    assert!(
        bounce.contains("Final-Recipient: rfc822; y@never.test"),
        "{bounce}"
    );
    assert!(bounce.contains("Status: 5.0.0"), "{bounce}");
    assert!(
        bounce.contains("refused RCPT: 550 5.1.1 No such user"),
        "{bounce}"
    );
    assert!(
        bounce.contains("Subject: Lunch on Friday"),
        "the original headers: {bounce}"
    );
    let mut q = queued(&p).await;
    for _ in 0..100 {
        if q.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        q = queued(&p).await;
    }
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].0, "x@later.test");
    assert_eq!(q[0].1, 1);
    assert!(
        q[0].2
            .as_deref()
            .unwrap_or_default()
            .contains("deferred RCPT: 451 4.3.0 Try again later"),
        "{q:?}"
    );

    // After the domain's retry days (5), the next failure bounces too.
    // (The queue looks for due copies every 5 seconds.)
    p.clock().advance(5 * 86_400 + 1);
    let mut bounces = Vec::new();
    for _ in 0..200 {
        bounces = maildir(&p, "alice@example.test");
        if bounces.len() > 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(bounces.len(), 2, "{bounces:?}");
    assert!(
        bounces
            .iter()
            .any(|b| b.contains("Final-Recipient: rfc822; x@later.test")
                && b.contains("Status: 4.4.7")),
        "{bounces:?}"
    );
    // The copy leaves the queue once its bounce is safely delivered, a moment after.
    let mut q = queued(&p).await;
    for _ in 0..100 {
        if q.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        q = queued(&p).await;
    }
    assert!(q.is_empty(), "{q:?}");
    p.stop().await;
}

pub(crate) const GTUBE: &str =
    "From: spam@spam.example\r\nSubject: test\r\nDate: Fri, 15 Jan 2027 07:55:00 +0000\r\n\
    Message-ID: <gtube@spam.example>\r\nX-Spam: no\r\nX-Spam-Score: -100\r\n\
    \tfolded on\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";

pub(crate) async fn domain_id(p: &Portal, name: &str) -> String {
    let id: i64 = db::query_scalar("SELECT id FROM domains WHERE name = $1")
        .bind(name)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    id.to_string()
}

/// Saves a domain's thresholds as `cookie`; the answer.
pub(crate) async fn set_thresholds(
    p: &Portal,
    cookie: &str,
    domain: &str,
    [defer, tag, reject]: [&str; 3],
) -> crate::harness::Answer {
    p.call(
        "antispam/thresholds/save",
        Some(cookie),
        &[
            ("domain", domain),
            ("defer", defer),
            ("tag", tag),
            ("reject", reject),
        ],
    )
    .await
}

/// The evidence of the last log row, as stored (JSON).
pub(crate) async fn last_evidence(p: &Portal) -> String {
    db::query_scalar("SELECT evidence FROM mail_log ORDER BY id DESC LIMIT 1")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

pub(crate) async fn verdicts(p: &Portal) -> Vec<String> {
    db::query_scalar("SELECT verdict FROM mail_log ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn spam_is_judged_by_the_domains_thresholds_from_the_next_message_on() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;

    // Global defaults: GTUBE is refused, ham delivered with its score.
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(r["data"][1].as_str().unwrap().contains("5.7.1"), "{r}");
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let inbox = maildir(&p, "alice@example.test");
    assert!(
        inbox[0].contains("\r\nX-Spam-Score: 0.0\r\nX-Recommended-Action: accept\r\nFrom: Ann"),
        "{}",
        inbox[0]
    );

    // The domain admin turns rejection and greylisting off: the next GTUBE is tagged.
    let bad = set_thresholds(&p, &dora, &d, ["8", "6", "15"]).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("above the score for deferring"),
        "{}",
        bad.body
    );
    let saved = set_thresholds(&p, &dora, &d, ["999", "6", "999"]).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let inbox = maildir(&p, "alice@example.test");
    let tagged = inbox.iter().find(|m| m.contains("GTUBE-STANDARD")).unwrap();
    assert!(
        tagged.contains("\r\nX-Spam-Score: 1000.0 (GTUBE=1000)\r\nX-Spam: yes\r\nX-Recommended-Action: reject\r\nFrom: spam@spam.example\r\nSubject: test\r\nDate:"),
        "the sender's own X-Spam fields are gone: {tagged}"
    );
    // At the reject level, with the default filter settings: kept in quarantine, the
    // sender told 5xx.
    assert_eq!(verdicts(&p).await, ["quarantined", "delivered", "tagged"]);
    let evidence = last_evidence(&p).await;
    assert!(evidence.contains("GTUBE +1000"), "{evidence}");
    assert!(
        evidence.contains("thresholds defer 999, add header 6, reject 999"),
        "{evidence}"
    );

    // Reset: the global values again, which the master admin changes for every domain.
    let a = p
        .call("antispam/thresholds/reset", Some(&dora), &[("domain", &d)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let boss = p.sign_in("admin@example.test").await;
    assert_eq!(
        p.call(
            "antispam/global/save",
            Some(&dora),
            &[("defer", "4"), ("tag", "6"), ("reject", "999")]
        )
        .await
        .status,
        403
    );
    let a = p
        .call(
            "antispam/global/save",
            Some(&boss),
            &[("defer", "999"), ("tag", "6"), ("reject", "999")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let audit: Vec<String> = db::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'antispam_thresholds_changed' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        [
            "example.test: defer 999, add header 6, reject 999",
            "example.test: the global values",
            "global: defer 999, add header 6, reject 999"
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn mail_at_the_defer_score_is_greylisted_until_it_comes_back() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;
    // Every message is at the defer level (score 0 ≥ 0): greylisted once.
    let a = set_thresholds(&p, &dora, &d, ["0", "999", "999"]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let send = || {
        smtplib(
            p.smtp,
            "ann@sender.example.org",
            &["alice@example.test"],
            HAM,
        )
    };
    let r = send().await;
    assert_eq!(code(&r["data"]), 451, "{r}");
    assert!(
        r["data"][1].as_str().unwrap().contains("4.7.1 Greylisted"),
        "{r}"
    );
    // Too soon: still deferred.
    p.clock().advance(60);
    assert_eq!(code(&send().await["data"]), 451);
    // After the delay the retry is taken, and the triplet stays known.
    p.clock().advance(300);
    let r = send().await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert_eq!(code(&send().await["data"]), 250);
    // Another sender is a new triplet.
    let r = smtplib(
        p.smtp,
        "other@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 451, "{r}");
    assert_eq!(maildir(&p, "alice@example.test").len(), 2);
    assert_eq!(
        verdicts(&p).await,
        [
            "greylisted",
            "greylisted",
            "delivered",
            "delivered",
            "greylisted"
        ]
    );
    let net: Vec<String> = db::query_scalar("SELECT DISTINCT client_net FROM greylist")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(net, ["127.0.0.0/24"]);
    // Triplets are forgotten: a first attempt not retried within two days, and a passed
    // one after 35 days without mail.
    let now = p.clock().now();
    let purge = |at| app::backend::mail::judge::purge_greylist(&p.backend.pool, at);
    assert_eq!(purge(now + 2 * 86_400).await.unwrap(), 0);
    assert_eq!(
        purge(now + 2 * 86_400 + 1).await.unwrap(),
        1,
        "other@ never came back"
    );
    assert_eq!(purge(now + 35 * 86_400).await.unwrap(), 0);
    assert_eq!(
        purge(now + 35 * 86_400 + 1).await.unwrap(),
        1,
        "ann@ fell silent"
    );
    p.stop().await;
}

#[tokio::test]
async fn a_message_carries_the_recipients_of_one_domain() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("olga@other.test", Role::MailUser).await;
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test", "olga@other.test", "bob@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["rcpt"]["olga@other.test"]), 452, "{r}");
    assert_eq!(code(&r["rcpt"]["bob@example.test"]), 250, "{r}");
    assert_eq!(code(&r["data"]), 250, "{r}");
    // The sender's next transaction carries the deferred one.
    let r = smtplib(p.smtp, "ann@sender.example.org", &["olga@other.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert_eq!(maildir(&p, "olga@other.test").len(), 1);
    p.stop().await;
}

#[tokio::test]
async fn an_ipv6_client_is_served_and_greylisted_by_its_slash_64() {
    let p = Portal::start_with(|c| c.smtp.addr = "[::1]:0".parse().unwrap()).await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let inbox = maildir(&p, "alice@example.test");
    assert!(
        inbox[0].contains("Received: from client.example.org ([::1])"),
        "{}",
        inbox[0]
    );

    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;
    let a = set_thresholds(&p, &dora, &d, ["0", "999", "999"]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 451, "{r}");
    let net: String = db::query_scalar("SELECT client_net FROM greylist")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(net, "::/64");
    let client: Vec<String> = db::query_scalar("SELECT client_ip FROM mail_log ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(client, ["::1", "::1"]);
    p.stop().await;
}
