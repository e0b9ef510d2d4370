//! Mailboxes delivered over LMTP to Debian's Dovecot (`delivery.lmtp`), over TCP and over a
//! Unix socket: what Dovecot stores, what it refuses (bounced to the sender), and a mail
//! store that is away when mail arrives (queued, then delivered once it is back).

use crate::{
    harness::Portal,
    mail_peers::{dovecot_with, free_port, wait_for, wait_for_port, Peer},
    smtp::{code, last_evidence, mail_host_with, maildir, queued, smtplib, HAM},
};
use app::backend::store::db;
use app::model::Role;
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

const SENDER: &str = "ann@sender.example.org";

/// Dovecot with LMTP on `port` (and its Unix socket `<dir>/run/lmtp`), knowing only `users`.
fn dovecot_lmtp(dir: &Path, port: u16, users: &[&str]) -> Peer {
    let list: String = users.iter().map(|u| format!("{u}::::::\n")).collect();
    std::fs::write(dir.join("users"), list).unwrap();
    let userdb = format!(
        "driver = passwd-file\n  args = username_format=%u {}",
        dir.join("users").display()
    );
    let services = format!(
        "protocols = lmtp\n\
         service lmtp {{\n  inet_listener lmtp {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  \
         unix_listener lmtp {{\n    mode = 0666\n  }}\n}}"
    );
    let peer = dovecot_with(dir, &userdb, &services);
    wait_for_port(port, "dovecot", &dir.join("dovecot.log"));
    let socket = dir.join("run").join("lmtp");
    wait_for("dovecot's LMTP socket", &dir.join("dovecot.log"), || {
        socket.exists()
    });
    peer
}

/// The messages Dovecot stored for `address`.
fn stored(dir: &Path, address: &str) -> Vec<String> {
    let new = dir.join("home").join(address).join("Maildir").join("new");
    let Ok(entries) = std::fs::read_dir(new) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| String::from_utf8(std::fs::read(e.path()).unwrap()).unwrap())
        .collect()
}

/// Waits until Dovecot stored `n` messages for `address`.
async fn wait_stored(dir: &Path, address: &str, n: usize) -> Vec<String> {
    for _ in 0..300 {
        let got = stored(dir, address);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "Dovecot stored {} messages for {address}, not {n}: {}",
        stored(dir, address).len(),
        std::fs::read_to_string(dir.join("dovecot.log")).unwrap_or_default()
    );
}

/// Waits until the queue holds exactly `rows` (recipient, attempts > 0).
async fn wait_queue(p: &Portal, want: &[(&str, bool)]) -> Vec<(String, i64, Option<String>)> {
    let mut got = Vec::new();
    for _ in 0..300 {
        got = queued(p).await;
        let seen: Vec<(&str, bool)> = got.iter().map(|(r, a, _)| (r.as_str(), *a > 0)).collect();
        if seen == want {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the queue holds {got:?}, not {want:?}");
}

async fn used_bytes(p: &Portal, address: &str) -> i64 {
    db::query_scalar("SELECT used_bytes FROM accounts WHERE email = $1")
        .bind(address)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn mailboxes_are_handed_to_dovecot_and_its_refusal_bounces() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _dovecot = dovecot_lmtp(
        dir.path(),
        port,
        &["alice@example.test", "bob@example.test"],
    );
    let p = mail_host_with(|c| c.delivery.lmtp = Some(format!("127.0.0.1:{port}"))).await;
    // A mailbox the portal knows and the mail store does not.
    p.add_user("carol@example.test", Role::MailUser).await;

    let r = smtplib(
        p.smtp,
        SENDER,
        &["alice@example.test", "bob@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    for address in ["alice@example.test", "bob@example.test"] {
        let got = wait_stored(dir.path(), address, 1).await;
        let message = &got[0];
        // Dovecot writes the envelope it was given; the portal's trace and score come along.
        assert!(
            message.starts_with(&format!("Return-Path: <{SENDER}>\n")),
            "{message}"
        );
        assert!(
            message.contains(&format!("Delivered-To: {address}")),
            "{message}"
        );
        assert!(
            message.contains("Received: from client.example.org ([127.0.0.1])\n\tby mx.portal.test (Mail Portal)"),
            "{message}"
        );
        assert!(message.contains("X-Spam-Score: "), "{message}");
        assert!(message.contains("\n.leading dot line\n"), "{message}");
        assert!(maildir(&p, address).is_empty(), "not in Maildir here too");
    }
    wait_queue(&p, &[]).await;
    let evidence = last_evidence(&p).await;
    assert!(evidence.contains("2 copies queued for LMTP"), "{evidence}");
    let used = used_bytes(&p, "alice@example.test").await;
    assert!(used > HAM.len() as i64, "{used}");

    // Dovecot refuses carol for good: the copy leaves the queue and a bounce to the sender
    // takes its place (waiting on the sender's MX, which this test's DNS does not know).
    let r = smtplib(p.smtp, SENDER, &["carol@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    wait_queue(&p, &[(SENDER, true)]).await;
    assert!(stored(dir.path(), "carol@example.test").is_empty());
    let spool = p.data.path().join("spool");
    let bounce: Vec<PathBuf> = std::fs::read_dir(&spool)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(bounce.len(), 1, "only the bounce is spooled: {bounce:?}");
    let report = std::fs::read_to_string(&bounce[0]).unwrap();
    assert!(
        report.contains("Final-Recipient: rfc822; carol@example.test"),
        "{report}"
    );
    assert!(report.contains("Status: 5.0.0"), "{report}");
    assert!(
        report.contains(&format!("LMTP server 127.0.0.1:{port} refused RCPT: 550")),
        "{report}"
    );
    p.stop().await;
}

#[tokio::test]
async fn mail_waits_in_the_queue_while_the_mail_store_is_away() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run").join("lmtp");
    let socket_text = socket.to_str().unwrap().to_string();
    let p = mail_host_with(|c| c.delivery.lmtp = Some(socket_text)).await;

    let r = smtplib(p.smtp, SENDER, &["alice@example.test"], HAM).await;
    assert_eq!(
        code(&r["data"]),
        250,
        "accepted while the mail store is away: {r}"
    );
    let rows = wait_queue(&p, &[("alice@example.test", true)]).await;
    let error = rows[0].2.clone().unwrap_or_default();
    assert!(
        error.contains(&format!("LMTP server {}", socket.display())),
        "{error}"
    );

    let _dovecot = dovecot_lmtp(dir.path(), free_port(), &["alice@example.test"]);
    // The first retry is due a minute later.
    p.clock().advance(61);
    let got = wait_stored(dir.path(), "alice@example.test", 1).await;
    assert!(got[0].contains("Subject: Lunch on Friday"), "{}", got[0]);
    wait_queue(&p, &[]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        stored(dir.path(), "alice@example.test").len(),
        1,
        "delivered once"
    );
    assert!(
        !p.data
            .path()
            .join("spool")
            .read_dir()
            .unwrap()
            .any(|_| true),
        "the spool file goes with the last copy"
    );
    p.stop().await;
}

#[tokio::test]
async fn copies_queued_for_lmtp_go_to_maildir_when_lmtp_is_turned_off() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_path_buf();
    let nobody = data.path().join("no-lmtp-here");
    let p = mail_host_with(|c| {
        c.data_dir = data_dir.clone();
        c.delivery.lmtp = Some(nobody.to_str().unwrap().to_string());
    })
    .await;
    let r = smtplib(p.smtp, SENDER, &["alice@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    wait_queue(&p, &[("alice@example.test", true)]).await;
    p.stop().await;

    // The mail host goes back to the embedded Maildir; the waiting copy follows.
    let p = Portal::start_with(|c| c.data_dir = data_dir.clone()).await;
    p.clock().advance(61);
    wait_queue(&p, &[]).await;
    let new = data_dir.join("maildir/example.test/alice/new");
    let files: Vec<PathBuf> = std::fs::read_dir(&new)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let message = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        message.starts_with(&format!(
            "Return-Path: <{SENDER}>\r\nReceived: from client.example.org"
        )),
        "{message}"
    );
    let used = used_bytes(&p, "alice@example.test").await;
    assert_eq!(used, message.len() as i64);
    p.stop().await;
}
