//! Two instances on one PostgreSQL database and one data directory, as a mail host runs
//! several machines behind one name and an MX with several hosts: sign-in state, TOTP
//! replay protection, failure counters, settings and the learned classifier hold across
//! them, and a message queued on an instance that is killed mid-delivery is delivered by
//! the other, once.

use crate::{
    harness::{Portal, PASSWORD},
    mail_auth::login,
    smtp::{code, domain_id, maildir, set_thresholds, smtplib, Peer, GTUBE, HAM},
};
use app::backend::{learning, store::db, store::test_postgres};
use app::model::{learning::Class, Role};
use std::{collections::HashMap, process::Stdio, time::Duration};

const ALICE: &str = "alice@example.test";
/// The client address of the mail logins, one place for both instances' failures.
const ELSEWHERE: &str = "198.51.100.7";

/// Two instances on a new database, serving example.test with Alice's mailbox.
async fn pair() -> (Portal, Portal) {
    let url = test_postgres::database_url().await;
    let one = Portal::start_with(|c| c.database_url = Some(url)).await;
    let two = Portal::start_beside(&one, |_| {}).await;
    one.add_domain("example.test").await;
    one.add_user(ALICE, Role::MailUser).await;
    (one, two)
}

#[tokio::test]
async fn sign_in_state_and_used_codes_hold_on_both_instances() {
    let (one, two) = pair().await;
    let cookie = one.sign_in(ALICE).await;
    let a = two.call("account/security", Some(&cookie), &[]).await;
    assert_eq!(
        a.status, 200,
        "a session made on one serves on two: {}",
        a.body
    );
    let app = one.enable_totp(&cookie).await;

    // The password on one, the code on two: one sign-in across both.
    let code = one.code(&app);
    let pending = one.password_step(ALICE).await;
    let a = two
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.session_cookie().is_some());

    // The same code again, on the other instance: refused.
    let pending = two.password_step(ALICE).await;
    let a = one
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 400, "a replayed code is refused: {}", a.body);
    assert!(a.body.contains("already used"), "{}", a.body);

    // Signing out on two ends the session on one as well.
    let a = two.call("auth/sign_out", Some(&cookie), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = one.call("account/security", Some(&cookie), &[]).await;
    assert_eq!(a.status, 401, "{}", a.body);
    two.stop().await;
    one.stop().await;
}

#[tokio::test]
async fn failures_on_both_instances_count_toward_one_limit() {
    let (one, two) = pair().await;
    // Five wrong passwords, alternately on each instance: the fifth asks to wait, as on
    // one instance (`mail_failures_share_the_counter_with_web_sign_in_and_ask_to_wait`).
    for i in 0..5 {
        let p = if i % 2 == 0 { &one } else { &two };
        let (status, wait) = login(p, ALICE, "wrong password here", "imap", ELSEWHERE).await;
        assert_ne!(status, "OK");
        assert_eq!(
            wait.is_some(),
            i == 4,
            "a wait once the free failures are used ({i})"
        );
    }
    for p in [&one, &two] {
        let (status, wait) = login(p, ALICE, PASSWORD, "imap", ELSEWHERE).await;
        assert_ne!(status, "OK", "the right password waits too, on either");
        assert!(wait.is_some());
        let a = p
            .call(
                "auth/sign_in",
                None,
                &[("email", ALICE), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(a.status, 429, "the web sign-in counts the same failures");
    }
    two.stop().await;
    one.stop().await;
}

#[tokio::test]
async fn settings_and_learning_on_one_instance_apply_on_the_other() {
    let (one, two) = pair().await;
    one.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = one.sign_in("dora@example.test").await;
    let d = domain_id(&one, "example.test").await;

    let r = smtplib(two.smtp, "spam@spam.example", &[ALICE], GTUBE).await;
    assert_eq!(
        code(&r["data"]),
        550,
        "refused at the global thresholds: {r}"
    );
    let saved = set_thresholds(&one, &dora, &d, ["999", "6", "999"]).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let r = smtplib(two.smtp, "spam@spam.example", &[ALICE], GTUBE).await;
    assert_eq!(
        code(&r["data"]),
        250,
        "two judges by the thresholds saved on one: {r}"
    );
    assert!(maildir(&two, ALICE)
        .iter()
        .any(|m| m.contains("X-Spam: yes")));

    // The classifier: each instance keeps its counts in memory; what one learns reaches
    // the other's copy (PostgreSQL's LISTEN/NOTIFY) without a restart.
    let before = two.backend.classifier.learned();
    let messages: Vec<Vec<u8>> = (0..3)
        .map(|i| {
            format!("Subject: cheap pills {i}\r\n\r\nbuy cheap pills now {i}\r\n").into_bytes()
        })
        .collect();
    let learned = learning::learn(
        &one.backend,
        &messages,
        Class::Spam,
        "dora@example.test",
        one.clock().now(),
    )
    .await
    .unwrap();
    assert_eq!(learned.new, 3);
    assert_eq!(one.backend.classifier.learned().spam, before.spam + 3);
    let mut seen = before;
    for _ in 0..100 {
        seen = two.backend.classifier.learned();
        if seen.spam == before.spam + 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.spam, before.spam + 3, "two learned what one learned");
    two.stop().await;
    one.stop().await;
}

/// The Message-ID of each message a peer took, with how often it came.
fn message_ids(peer: &Peer) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in peer.received() {
        let id = m
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .unwrap_or_default()
            .to_string();
        *seen.entry(id).or_default() += 1;
    }
    seen
}

#[tokio::test]
async fn a_killed_instances_queued_mail_is_delivered_once_by_the_other() {
    const LEASE: u64 = 8;
    const EACH: usize = 8;
    // Instance B in this process, instance A a `mailportal` process beside it: same
    // database, same data directory, the system's clock (A has no other).
    let url = test_postgres::database_url().await;
    let b = Portal::start_on_system_clock(|c| {
        c.database_url = Some(url.clone());
        c.smtp.hostname = Some("b.cluster.test".into());
        c.delivery.lease_seconds = LEASE as u32;
    })
    .await;
    // The far side holds back A's deliveries at EHLO: A dies while it holds claims.
    let sink = Peer::start("stall:a.cluster.test").await;
    sink.stall(true);
    b.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = b.sign_in("boss@example.test").await;
    let ok = |a: crate::harness::Answer| assert_eq!(a.status, 200, "{}", a.body);
    ok(
        b.call("routes/allow_local", Some(&boss), &[("allow", "true")])
            .await,
    );
    ok(b.call(
        "domains/add",
        Some(&boss),
        &[
            ("name", "far.test"),
            ("kind", "relay"),
            ("destination", &sink.route()),
        ],
    )
    .await);

    let logs = tempfile::tempdir().unwrap();
    let stderr = std::fs::File::create(logs.path().join("a.log")).unwrap();
    let resolver = b.backend.settings.dns_resolver.unwrap().to_string();
    let mut a = std::process::Command::new(env!("CARGO_BIN_EXE_mailportal"))
        .arg("serve")
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", b.data.path())
        .env("MAILPORTAL_DATABASE_URL", &url)
        .env("MAILPORTAL_LOG", "info")
        .env("MAILPORTAL_HTTP_ADDR", "127.0.0.1:0")
        .env("MAILPORTAL_SMTP_ADDR", "127.0.0.1:0")
        .env("MAILPORTAL_SUBMISSION_ADDR", "127.0.0.1:0")
        .env("MAILPORTAL_SMTP_HOSTNAME", "a.cluster.test")
        .env("MAILPORTAL_DNS_RESOLVER", &resolver)
        .env("MAILPORTAL_DELIVERY_LEASE_SECONDS", LEASE.to_string())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let a_log = || std::fs::read_to_string(logs.path().join("a.log")).unwrap_or_default();
    // A binds free ports itself (a port picked here could be taken meanwhile by another
    // test's portal) and logs where its SMTP listener is.
    let mut a_smtp: Option<std::net::SocketAddr> = None;
    for _ in 0..100 {
        a_smtp = a_log()
            .lines()
            .find_map(|l| l.split("SMTP listening addr=").nth(1))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok());
        if a_smtp.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let a_smtp = a_smtp.unwrap_or_else(|| panic!("instance A did not start: {}", a_log()));

    // Mail to both instances; B's own deliveries are not held back.
    for i in 0..EACH {
        for (name, addr) in [("a", a_smtp), ("b", b.smtp)] {
            let message = HAM
                .replace("alice@example.test", "someone@far.test")
                .replace("lunch-1@", &format!("cluster-{name}-{i}@"));
            let r = smtplib(
                addr,
                "ann@sender.example.org",
                &["someone@far.test"],
                &message,
            )
            .await;
            assert_eq!(code(&r["data"]), 250, "{name} {i}: {r}");
        }
    }
    for _ in 0..200 {
        if sink.stalled() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sink.stalled() > 0, "A is delivering: {}", a_log());
    a.kill().unwrap();
    a.wait().unwrap();
    let held: i64 = db::query_scalar("SELECT COUNT(*) FROM mail_queue WHERE claimed_until > $1")
        .bind(b.clock().now())
        .fetch_one(&b.backend.pool)
        .await
        .unwrap();
    assert!(held > 0, "the killed instance held copies when it died");
    sink.stall(false);

    // B takes the dead instance's copies up when their lease ends, and delivers them.
    let mut left = i64::MAX;
    for _ in 0..(LEASE * 10 + 300) {
        left = db::query_scalar("SELECT COUNT(*) FROM mail_queue")
            .fetch_one(&b.backend.pool)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "the queue empties");
    let seen = message_ids(&sink);
    assert_eq!(seen.len(), 2 * EACH, "every message arrived: {seen:?}");
    assert!(seen.values().all(|n| *n == 1), "and each once: {seen:?}");
    // Each spool file goes once its last copy has (just after the row).
    let spooled = || std::fs::read_dir(b.data.path().join("spool")).map_or(0, |d| d.count());
    for _ in 0..100 {
        if spooled() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(spooled(), 0, "the spool is empty");
    b.stop().await;
}
