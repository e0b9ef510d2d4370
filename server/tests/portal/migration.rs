//! Auto migration against a real old server: Debian's Dovecot, with users and passwords of
//! its own and a few hundred messages in several folders, some flagged. Users sign up with
//! those passwords; their mail is copied while the old server is killed once (a lost
//! connection), the portal is stopped once and a `mailportal` process is killed with
//! SIGKILL once; a second Dovecot then reads the copies, and folders, counts, flags, dates
//! and bodies must equal the old server's, with no message twice.

use crate::{
    harness::{error_of, ok_json, Portal},
    mail_peers::{dovecot_checking, dovecot_with, free_port, wait_for_port, Peer},
};
use app::{backend::Clock, model::Role};
use async_imap::types::{Flag, NameAttribute};
use futures::TryStreamExt;
use serde_json::Value;
use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const DOMAIN: &str = "example.test";
const BOSS: &str = "boss@example.test";
const ANN: &str = "ann@example.test";
const ANN_OLD: &str = "my old server password";
const BEN: &str = "ben@example.test";
/// On the common-password list: brought over, and flagged.
const BEN_OLD: &str = "password123";

/// The old server's folders (as it names them, `/` between levels) and how many messages
/// each holds for ann.
const FOLDERS: &[(&str, usize)] = &[
    ("INBOX", 150),
    ("Archive/2024", 80),
    ("Sent", 60),
    // "Entwürfe" in IMAP's modified UTF-7.
    ("Entw&APw-rfe", 10),
];

/// Debian's Dovecot as the old server: passwords from a file, `/` between folder levels.
fn old_server(dir: &Path, port: u16) -> Peer {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("users"),
        format!("{ANN}:{{PLAIN}}{ANN_OLD}\n{BEN}:{{PLAIN}}{BEN_OLD}\n"),
    )
    .unwrap();
    let d = dir.display();
    let passdb =
        format!("driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users");
    let services = format!(
        "protocols = imap\n\
         namespace inbox {{\n  inbox = yes\n  separator = /\n}}\n\
         service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n}}"
    );
    let peer = dovecot_checking(dir, &passdb, "driver = static", &services);
    wait_for_port(port, "the old server (dovecot)", &dir.join("dovecot.log"));
    peer
}

/// Dovecot reading the portal's Maildir (`<data>/maildir/<domain>/<local>`), as the mail
/// store in front of it would; its indexes are kept outside the Maildir.
fn reader(dir: &Path, data: &Path, port: u16) -> Peer {
    // The copies are root's; the reader's mail processes are dovecot's.
    for path in [data.to_path_buf(), data.join("maildir")] {
        Command::new("chmod")
            .arg("755")
            .arg(&path)
            .status()
            .unwrap();
    }
    Command::new("chown")
        .args(["-R", "dovecot:dovecot"])
        .arg(data.join("maildir"))
        .status()
        .unwrap();
    let d = dir.display();
    let userdb = format!(
        "driver = static\n  args = mail=maildir:{}/maildir/%d/%n:INDEX={d}/index/%u:CONTROL={d}/control/%u",
        data.display()
    );
    std::fs::create_dir_all(dir).unwrap();
    for sub in ["index", "control"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        Command::new("chown")
            .args(["dovecot:dovecot"])
            .arg(dir.join(sub))
            .status()
            .unwrap();
    }
    let services = format!(
        "protocols = imap\n\
         service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n}}"
    );
    let peer = dovecot_with(dir, &userdb, &services);
    wait_for_port(port, "the reading dovecot", &dir.join("dovecot.log"));
    peer
}

type Imap = async_imap::Session<tokio::net::TcpStream>;

async fn imap(port: u16, user: &str, password: &str) -> Imap {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().expect("a greeting");
    client
        .login(user, password)
        .await
        .map_err(|(e, _)| e)
        .expect("login")
}

fn message(folder: &str, n: usize) -> Vec<u8> {
    // Sizes vary from a few hundred bytes to about 20 kB.
    let lines =
        "A line of the message body, long enough to look like mail.\r\n".repeat(1 + (n * 37) % 300);
    format!(
        "From: Sender {n} <s{n}@sender.example>\r\nTo: <{ANN}>\r\n\
         Subject: {folder} number {n}\r\nMessage-ID: <{n}.{}@sender.example>\r\n\
         Date: Mon, 2 Jan 2023 10:00:00 +0000\r\n\r\n{lines}",
        folder.replace(['/', '&'], "-"),
    )
    .into_bytes()
}

/// Flags and received dates vary by number: every third seen, every seventh flagged,
/// every eleventh answered, one draft and one deleted.
fn flags_of(n: usize) -> String {
    let mut flags = Vec::new();
    if n.is_multiple_of(3) {
        flags.push("\\Seen");
    }
    if n.is_multiple_of(7) {
        flags.push("\\Flagged");
    }
    if n.is_multiple_of(11) {
        flags.push("\\Answered");
    }
    if n == 5 {
        flags.push("\\Draft");
    }
    if n == 8 {
        flags.push("\\Deleted");
    }
    format!("({})", flags.join(" "))
}

async fn fill(port: u16) {
    let mut s = imap(port, ANN, ANN_OLD).await;
    for (folder, count) in FOLDERS {
        if *folder != "INBOX" {
            s.create(folder).await.unwrap();
        }
        for n in 1..=*count {
            let date = format!(
                "\"{:02}-Mar-2023 {:02}:{:02}:00 +0000\"",
                1 + n % 28,
                n % 24,
                n % 60
            );
            s.append(folder, Some(&flags_of(n)), Some(&date), message(folder, n))
                .await
                .unwrap();
        }
    }
    s.logout().await.unwrap();
    let mut s = imap(port, BEN, BEN_OLD).await;
    for n in 1..=20 {
        s.append("INBOX", Some(&flags_of(n)), None, message("ben", n))
            .await
            .unwrap();
    }
    s.logout().await.unwrap();
}

/// What a mailbox holds, as IMAP shows it: per folder (levels joined by `.`), each
/// message's system flags, received date and body, sorted.
type Snapshot = BTreeMap<String, Vec<(String, i64, Vec<u8>)>>;

async fn snapshot(port: u16, user: &str, password: &str) -> Snapshot {
    let mut s = imap(port, user, password).await;
    let names: Vec<_> = s
        .list(Some(""), Some("*"))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut out = Snapshot::new();
    for name in &names {
        // A level of the hierarchy only (`Archive` above `Archive/2024`) holds nothing.
        let holds_mail = !name.attributes().iter().any(|a| {
            matches!(a, NameAttribute::NoSelect)
                || matches!(a, NameAttribute::Extension(x) if x.contains("NonExistent"))
        });
        if !holds_mail {
            continue;
        }
        let folder = match name.delimiter() {
            Some(d) => name.name().replace(d, "."),
            None => name.name().to_string(),
        };
        let opened = s.examine(name.name()).await.unwrap();
        let mut messages = Vec::new();
        if opened.exists > 0 {
            let fetched: Vec<_> = s
                .fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            for f in &fetched {
                let mut flags: Vec<&str> = f
                    .flags()
                    .filter_map(|flag| match flag {
                        Flag::Seen => Some("S"),
                        Flag::Flagged => Some("F"),
                        Flag::Answered => Some("R"),
                        Flag::Draft => Some("D"),
                        Flag::Deleted => Some("T"),
                        _ => None,
                    })
                    .collect();
                flags.sort_unstable();
                messages.push((
                    flags.concat(),
                    f.internal_date().expect("INTERNALDATE").timestamp(),
                    f.body().expect("a body").to_vec(),
                ));
            }
        }
        while s.unsolicited_responses.try_recv().is_ok() {}
        messages.sort();
        out.insert(folder, messages);
    }
    s.logout().await.ok();
    out
}

/// The user's own view of their copy, from whichever portal serves `base`.
async fn progress(base: &str, cookie: &str) -> Value {
    let a = reqwest::Client::new()
        .post(format!("{base}/api/account/migration"))
        .header("origin", base)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("POST");
    assert_eq!(a.status(), 200);
    serde_json::from_str(&a.text().await.unwrap()).unwrap()
}

fn done_of(v: &Value) -> i64 {
    v["row"]["progress"]["messages_done"].as_i64().unwrap_or(0)
}

/// Waits until `ready` holds for the copy's progress; the last progress.
async fn wait_until(base: &str, cookie: &str, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let v = progress(base, cookie).await;
        if ready(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn state(v: &Value) -> &str {
    v["row"]["state"].as_str().unwrap_or_default()
}

/// Copies paced so that each can be stopped in the middle, one at a time from the old server.
fn slow(c: &mut server::config::Config) {
    c.migration.connections_per_server = 1;
    c.migration.batch_messages = 5;
    c.migration.pause_ms = 100;
    c.migration.retry_seconds = 1;
    c.migration.lease_seconds = 10;
}

async fn sign_up(p: &Portal, email: &str, password: &str) -> crate::harness::Answer {
    let form = [("email", email), ("password", password)];
    p.call("auth/sign_up", None, &form).await
}

#[tokio::test]
async fn users_move_with_their_old_password_and_every_message_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let old_dir = dir.path().join("old");
    let old_port = free_port();
    let mut old = Some(old_server(&old_dir, old_port));
    fill(old_port).await;

    let p = Portal::start_on_system_clock(slow).await;
    let domain = p.add_domain(DOMAIN).await.to_string();
    p.add_user(BOSS, Role::DomainAdmin).await;
    let master = "root@portal.test";
    p.add_user(master, Role::MasterAdmin).await;
    let root = p.sign_in(master).await;
    let boss = p.sign_in(BOSS).await;
    let server = format!("127.0.0.1:{old_port}");
    let source = [
        ("domain", domain.as_str()),
        ("server", server.as_str()),
        ("security", "plain"),
        ("enabled", "on"),
    ];

    // The old server is on this machine: refused until a master admin allows it.
    let a = p.call("migration/source/save", Some(&boss), &source).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(error_of(&a)["Invalid"]["field"], "server");
    let a = p
        .call("routes/allow_local", Some(&root), &[("allow", "true")])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p.call("migration/source/save", Some(&boss), &source).await;
    assert_eq!(a.status, 200, "{}", a.body);

    // A wrong password, an unknown domain, a user the old server does not know: the same
    // answer, and nothing is made.
    for (email, password) in [
        (ANN, "not my password"),
        ("ann@elsewhere.test", ANN_OLD),
        ("nobody@example.test", ANN_OLD),
    ] {
        let a = sign_up(&p, email, password).await;
        assert_eq!(a.status, 400, "{email}: {}", a.body);
        assert_eq!(error_of(&a)["Invalid"]["field"], "password");
        assert!(a.session_cookie().is_none());
    }
    assert_eq!(
        p.count("SELECT COUNT(*) FROM accounts WHERE email LIKE 'ann@%' OR email LIKE 'nobody@%'")
            .await,
        0
    );
    assert_eq!(p.count("SELECT COUNT(*) FROM migrations").await, 0);
    // Sign-up is a password check like sign-in, under the same throttle: after a few
    // failures for an address, further tries wait (and never reach the old server).
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(sign_up(&p, "guess@elsewhere.test", "guess").await.status);
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429, 429]);

    // The right one: an account with that password, a session, the copy under way.
    let a = sign_up(&p, ANN, ANN_OLD).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let ann = a.session_cookie().expect("signed in after sign-up");
    assert_eq!(
        p.call(
            "auth/sign_in",
            None,
            &[("email", ANN), ("password", ANN_OLD)]
        )
        .await
        .status,
        200,
        "the old password signs in here"
    );
    let a = sign_up(&p, ANN, ANN_OLD).await;
    assert_eq!(a.status, 400, "signing up twice: {}", a.body);
    assert!(a.body.contains("has an account here already"), "{}", a.body);

    // The old password is kept sealed: not in the database file in clear.
    let db_file = p.data.path().join("mailportal.db");
    if db_file.exists() {
        for file in [db_file.clone(), p.data.path().join("mailportal.db-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            assert!(
                !bytes
                    .windows(ANN_OLD.len())
                    .any(|w| w == ANN_OLD.as_bytes()),
                "{} holds the old password in clear",
                file.display()
            );
        }
    }

    // 1. The old server dies mid-copy: the copy waits, says why, and goes on once it is back.
    let base = p.base.clone();
    let v = wait_until(&base, &ann, "a fifth copied", |v| done_of(v) >= 60).await;
    assert_eq!(v["row"]["progress"]["messages_total"], 300, "{v}");
    assert_eq!(v["row"]["progress"]["folders_total"], 4, "{v}");
    // Ben signs up meanwhile: one copy at a time from the old server, so his waits.
    let a = sign_up(&p, BEN, BEN_OLD).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let ben = a.session_cookie().unwrap();
    for _ in 0..5 {
        let (b, a) = (progress(&base, &ben).await, progress(&base, &ann).await);
        assert_eq!((state(&b), state(&a)), ("queued", "copying"), "{b}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The admin cancels it: the password is forgotten, so only Ben can start it again.
    let view = ok_json(
        &p.call("migration/domain", Some(&boss), &[("domain", &domain)])
            .await,
    );
    let ben_id = view["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == BEN)
        .expect("ben listed")["id"]
        .to_string();
    let ids = [("domain", domain.as_str()), ("id", ben_id.as_str())];
    let a = p.call("migration/cancel", Some(&boss), &ids).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(state(&progress(&base, &ben).await), "cancelled");
    let a = p.call("migration/retry", Some(&boss), &ids).await;
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(a.body.contains("no longer kept"), "{}", a.body);

    drop(old.take());
    let v = wait_until(&base, &ann, "the lost connection noticed", |v| {
        state(v) == "queued" && !v["row"]["last_error"].is_null()
    })
    .await;
    let stalled = done_of(&v);
    assert!(stalled < 300, "{v}");
    old = Some(old_server(&old_dir, old_port));
    wait_until(
        &base,
        &ann,
        "going on after the old server came back",
        |v| done_of(v) >= stalled + 20,
    )
    .await;

    // 2. The portal stops mid-copy and starts again.
    let data = p.data.clone();
    p.stop().await;
    let p = Portal::launch(data, Clock::System, slow).await;
    let base = p.base.clone();
    let v = wait_until(&base, &ann, "going on after a restart", |v| {
        state(v) == "copying" && done_of(v) >= stalled + 40
    })
    .await;
    let before_kill = done_of(&v);
    assert!(
        before_kill < 300,
        "the copy ended too soon to be stopped: {v}"
    );
    let data = p.data.clone();
    p.stop().await;

    // 3. A mailportal process is killed with SIGKILL mid-copy.
    let http = free_port();
    let mut child = process_on(&data, http);
    let child_base = format!("http://localhost:{http}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", http)).is_err() {
        assert!(Instant::now() < deadline, "mailportal serve did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let v = wait_until(&child_base, &ann, "copying in the process", |v| {
        done_of(v) >= before_kill + 20
    })
    .await;
    assert!(
        done_of(&v) < 300,
        "the copy ended too soon to be killed: {v}"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let p = Portal::launch(data, Clock::System, slow).await;
    let v = wait_until(&p.base, &ann, "done after the kill", |v| state(v) == "done").await;
    assert_eq!(v["row"]["progress"]["messages_done"], 300, "{v}");
    assert_eq!(v["row"]["progress"]["messages_total"], 300, "{v}");
    assert_eq!(v["row"]["progress"]["folders_done"], 4, "{v}");
    assert_eq!(v["weak_password"], false);
    let folders: Vec<(String, i64)> = v["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["messages_done"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(folders.contains(&("Entwürfe".into(), 10)), "{folders:?}");
    assert!(
        folders.contains(&("Archive/2024".into(), 80)),
        "{folders:?}"
    );
    assert_eq!(
        p.count("SELECT COUNT(*) FROM migrations WHERE secret IS NOT NULL")
            .await,
        0,
        "the old password is forgotten once the copy is done"
    );

    // Ben copies again himself, with his old password.
    let boss = p.sign_in(BOSS).await;
    let a = p
        .call(
            "account/migration/restart",
            Some(&ben),
            &[("password", "wrong")],
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    let a = p
        .call(
            "account/migration/restart",
            Some(&ben),
            &[("password", BEN_OLD)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v = wait_until(&p.base, &ben, "ben's copy done", |v| state(v) == "done").await;
    assert_eq!(v["row"]["progress"]["messages_done"], 20, "{v}");
    assert_eq!(v["weak_password"], true, "a common password is flagged");

    // The admin's screen: both users done, the totals summed.
    let view = ok_json(
        &p.call("migration/domain", Some(&boss), &[("domain", &domain)])
            .await,
    );
    assert_eq!(view["counts"]["done"], 2, "{view}");
    assert_eq!(view["total"]["messages_done"], 320, "{view}");
    assert_eq!(view["source"]["server"], server.as_str());
    let data = p.data.clone();
    p.stop().await;

    // What Dovecot reads from the copies equals what the old server holds.
    let read_port = free_port();
    let _reader = reader(&dir.path().join("reader"), data.path(), read_port);
    let _old = old;
    let before = snapshot(old_port, ANN, ANN_OLD).await;
    let after = snapshot(read_port, ANN, "any").await;
    let counts = |s: &Snapshot| -> Vec<(String, usize)> {
        s.iter().map(|(k, v)| (k.clone(), v.len())).collect()
    };
    assert_eq!(
        counts(&after),
        vec![
            ("Archive.2024".to_string(), 80),
            ("Entw&APw-rfe".to_string(), 10),
            ("INBOX".to_string(), 150),
            ("Sent".to_string(), 60),
        ],
        "folders and counts (no message twice)"
    );
    assert_eq!(counts(&before), counts(&after));
    for (folder, messages) in &before {
        assert!(
            after[folder] == *messages,
            "{folder}: flags, dates or bodies differ"
        );
    }
    assert_eq!(
        snapshot(read_port, BEN, "any").await["INBOX"],
        snapshot(old_port, BEN, BEN_OLD).await["INBOX"]
    );
}

/// A `mailportal serve` process on a stopped portal's data directory (and its database,
/// whose URL the harness keeps beside it), copying slowly.
fn process_on(data: &std::sync::Arc<tempfile::TempDir>, http: u16) -> std::process::Child {
    let url = std::fs::read_to_string(data.path().join("test-database-url")).ok();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailportal"));
    cmd.arg("serve")
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", data.path())
        .env("MAILPORTAL_LOG", "warn")
        .env("MAILPORTAL_HTTP_ADDR", format!("127.0.0.1:{http}"))
        .env("MAILPORTAL_PUBLIC_URL", format!("http://localhost:{http}"))
        .env("MAILPORTAL_SMTP_ADDR", format!("127.0.0.1:{}", free_port()))
        .env(
            "MAILPORTAL_SUBMISSION_ADDR",
            format!("127.0.0.1:{}", free_port()),
        )
        .env(
            "MAILPORTAL_DNS_RESOLVER",
            format!("127.0.0.1:{}", free_port()),
        )
        .env("MAILPORTAL_MIGRATION_CONNECTIONS_PER_SERVER", "1")
        .env("MAILPORTAL_MIGRATION_BATCH_MESSAGES", "5")
        .env("MAILPORTAL_MIGRATION_PAUSE_MS", "100")
        .env("MAILPORTAL_MIGRATION_LEASE_SECONDS", "10")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = url {
        cmd.env("MAILPORTAL_DATABASE_URL", url.trim());
    }
    cmd.spawn().expect("mailportal serve")
}
