//! STARTTLS on the SMTP listener, with a certificate made by Debian's openssl and Python's
//! smtplib and ssl as the client: mail comes in over TLS and says so in its Received
//! header; commands slipped in after STARTTLS in the clear never run; a failed handshake
//! harms nothing; without a certificate STARTTLS is not offered.

use crate::smtp::{code, codes, mail_host, mail_host_with, maildir, raw, HAM};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// A self-signed certificate for the listener's name, and its key.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    self_signed(dir, "mx", "mx.portal.test", "Mail Portal tests")
}

/// A self-signed certificate for `host` made by Debian's openssl, `organisation` telling
/// two apart, written as `<stem>.crt` and `<stem>.key`.
pub(crate) fn self_signed(
    dir: &Path,
    stem: &str,
    host: &str,
    organisation: &str,
) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{stem}.crt")),
        dir.join(format!("{stem}.key")),
    );
    let status = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", &format!("/CN={host}/O={organisation}")])
        .args(["-addext", &format!("subjectAltName=DNS:{host}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success(), "openssl req failed");
    (cert, key)
}

/// Runs a Python client (given `host port cafile`), which prints JSON.
async fn python(script: &str, smtp: std::net::SocketAddr, cafile: &Path) -> Value {
    let out = Command::new("python3")
        .args([
            "-c",
            script,
            &smtp.ip().to_string(),
            &smtp.port().to_string(),
        ])
        .arg(cafile)
        .output()
        .await
        .expect("python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// smtplib: EHLO, STARTTLS (the certificate checked against `cafile`), EHLO again, one
/// message to alice.
const SEND_OVER_TLS: &str = r#"
import json, smtplib, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
context = ssl.create_default_context(cafile=cafile)
s = smtplib.SMTP(host, port, local_hostname="client.example.org", timeout=20)
s._host = "mx.portal.test"  # the name the certificate is checked against
s.ehlo()
before = sorted(s.esmtp_features)
s.starttls(context=context)
s.ehlo()
after = sorted(s.esmtp_features)
message = "Subject: over TLS\r\n\r\nsealed\r\n"
refused = s.sendmail("ann@sender.example.org", ["alice@example.test"], message)
out = {"before": before, "after": after, "version": s.sock.version(), "refused": refused}
s.quit()
print(json.dumps(out))
"#;

/// A raw client: commands in the clear after STARTTLS in the same packet, then inside TLS
/// the replies to a few commands, as codes.
const INJECT: &str = r#"
import json, socket, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def reply(f):
    while True:
        line = f.readline()
        if not line or line[3:4] != b"-":
            return int(line[:3]) if line else 0
plain = socket.create_connection((host, port), timeout=20)
f = plain.makefile("rb")
codes = [reply(f)]
plain.sendall(b"EHLO client.example.org\r\n")
codes.append(reply(f))
plain.sendall(b"STARTTLS\r\nMAIL FROM:<forged@attacker.example>\r\n")
codes.append(reply(f))
context = ssl.create_default_context(cafile=cafile)
context.check_hostname = False
tls = context.wrap_socket(plain)
f = tls.makefile("rb")
for command in [b"MAIL FROM:<ann@sender.example.org>", b"EHLO client.example.org",
                b"RCPT TO:<alice@example.test>", b"STARTTLS", b"QUIT"]:
    tls.sendall(command + b"\r\n")
    codes.append(reply(f))
print(json.dumps(codes))
"#;

#[tokio::test]
async fn mail_comes_in_over_starttls_and_its_received_header_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path());
    let p = mail_host_with(|c| {
        c.smtp.tls_certificate = Some(cert.clone());
        c.smtp.tls_key = Some(key);
    })
    .await;

    let out = python(SEND_OVER_TLS, p.smtp, &cert).await;
    assert!(
        out["before"]
            .as_array()
            .unwrap()
            .contains(&"starttls".into()),
        "{out}"
    );
    // Inside TLS it is not offered again.
    assert!(
        !out["after"]
            .as_array()
            .unwrap()
            .contains(&"starttls".into()),
        "{out}"
    );
    assert_eq!(out["version"], "TLSv1.3", "{out}");
    assert_eq!(out["refused"], serde_json::json!({}), "{out}");
    let alice = maildir(&p, "alice@example.test");
    assert_eq!(alice.len(), 1);
    let received = alice[0]
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with("Received:"))
        .take(4)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        received.contains("(using TLSv1.3 with cipher TLS13_"),
        "{received}"
    );
    assert!(received.contains("with ESMTPS id"), "{received}");
    assert!(alice[0].ends_with("sealed\r\n"), "{}", alice[0]);

    // Commands sent in the clear behind STARTTLS are dropped: inside TLS the session
    // starts over (EHLO first), and the forged MAIL never ran (RCPT finds no transaction).
    let replies = python(INJECT, p.smtp, &cert).await;
    assert_eq!(
        replies,
        serde_json::json!([220, 250, 220, 503, 250, 503, 554, 221]),
        "{replies}"
    );

    // A client that says STARTTLS and then speaks no TLS is dropped; the listener goes on.
    let transcript = raw(
        p.smtp,
        b"EHLO client.example.org\r\nSTARTTLS\r\nthis is not a TLS hello\r\n\r\n",
    )
    .await;
    assert_eq!(codes(&transcript), ["220", "250", "220"], "{transcript}");
    let r =
        crate::smtp::smtplib(p.smtp, "ann@sender.example.org", &["bob@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert!(maildir(&p, "alice@example.test")
        .iter()
        .all(|m| !m.contains("forged@attacker.example")));
    p.stop().await;
}

#[tokio::test]
async fn without_a_certificate_starttls_is_not_offered() {
    let p = mail_host().await;
    let transcript = raw(p.smtp, b"EHLO client.example.org\r\nSTARTTLS\r\nQUIT\r\n").await;
    assert!(!transcript.contains("STARTTLS\r\n"), "{transcript}");
    assert_eq!(
        codes(&transcript),
        ["220", "250", "502", "221"],
        "{transcript}"
    );
    p.stop().await;
}
