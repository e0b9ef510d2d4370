//! Running it for real: `/metrics` scraped after real mail and logins, and refused to other
//! addresses; `mailportal backup` while the server takes mail, and `mailportal restore`
//! into a fresh data directory that a new server then serves (the password, the second
//! factor sealed by the key file, the Maildir, the queue and the quarantine all there);
//! the portal over HTTPS, its certificate swapped on SIGHUP.

use crate::{
    cli::{mailportal_with, text},
    harness::{ok_json, on_postgres, Portal},
    smtp::{code, mail_host, maildir, smtplib, Peer, GTUBE, HAM},
    starttls::self_signed,
};
use app::backend::store::{db, test_postgres};
use app::model::Role;
use std::{
    path::Path,
    process::{Command, Output},
    time::Duration,
};

/// Runs `mailportal` on the data directory `data` and, when given, the PostgreSQL
/// database `url`.
fn mailportal_on(data: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let env: Vec<(&str, &str)> = url
        .map(|u| ("MAILPORTAL_DATABASE_URL", u))
        .into_iter()
        .collect();
    mailportal_with(data, &env, args, "")
}

/// The value of the sample whose name and labels are `series`.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_mail_logins_and_requests_for_allowed_scrapers_only() {
    let p = mail_host().await;
    let first = p.get("/metrics", None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        first
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        first.headers
    );
    assert_eq!(sample(&first.body, "mailportal_queue_depth"), Some(0.0));

    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "alice@example.test"), ("password", "wrong one")],
        )
        .await;
    assert_eq!(a.status, 401, "{}", a.body);
    let checked = p
        .get_with(
            "/auth/mail",
            &[
                ("auth-method", "plain"),
                ("auth-user", "alice@example.test"),
                ("auth-pass", "not her password"),
                ("auth-protocol", "imap"),
                ("auth-login-attempt", "1"),
                ("client-ip", "198.51.100.7"),
            ],
        )
        .await;
    assert_eq!(checked.status, 200);

    let m = p.get("/metrics", None).await.body;
    let at = |series: &str| sample(&m, series);
    assert_eq!(
        at(r#"mailportal_messages_total{verdict="delivered"}"#),
        Some(1.0),
        "{m}"
    );
    let kept_or_refused = at(r#"mailportal_messages_total{verdict="quarantined"}"#)
        .or(at(r#"mailportal_messages_total{verdict="rejected"}"#));
    assert_eq!(kept_or_refused, Some(1.0), "{m}");
    assert_eq!(
        at(r#"mailportal_smtp_sessions_total{listener="inbound"}"#),
        Some(2.0),
        "{m}"
    );
    assert_eq!(
        at(r#"mailportal_smtp_sessions_open{listener="inbound"}"#),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        at(r#"mailportal_sign_ins_total{result="bad_credentials"}"#),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        at(r#"mailportal_login_checks_total{result="refused"}"#),
        Some(1.0),
        "{m}"
    );
    let answered =
        at(r#"mailportal_http_request_duration_seconds_count{route="/healthz",status="2xx"}"#);
    assert!(answered.is_some_and(|n| n >= 1.0), "{m}");
    let checks =
        at(r#"mailportal_http_request_duration_seconds_count{route="/auth/mail",status="2xx"}"#);
    assert_eq!(checks, Some(1.0), "{m}");
    p.stop().await;

    let p = Portal::start_with(|c| c.metrics.allowed_ips = vec!["192.0.2.0/24".into()]).await;
    let refused = p.get("/metrics", None).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("metrics.allowed_ips"),
        "{}",
        refused.body
    );
    // X-Forwarded-For names no one here: the connection's own address counts.
    let a = p
        .get_with("/metrics", &[("x-forwarded-for", "192.0.2.9")])
        .await;
    assert_eq!(a.status, 403);
    p.stop().await;
}

/// The recipients of the copies waiting in the queue.
async fn queued(p: &Portal) -> Vec<String> {
    crate::smtp::queued(p)
        .await
        .into_iter()
        .map(|q| q.0)
        .collect()
}

async fn kept(p: &Portal) -> Vec<String> {
    db::query_scalar("SELECT queue_id FROM quarantine ORDER BY queue_id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_fresh_data_directory() {
    let p = mail_host().await;
    let busy = Peer::start("defer").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;
    ok_json(
        &p.call("routes/allow_local", Some(&boss), &[("allow", "true")])
            .await,
    );
    ok_json(
        &p.call(
            "domains/add",
            Some(&boss),
            &[
                ("name", "later.test"),
                ("kind", "relay"),
                ("destination", &busy.route()),
            ],
        )
        .await,
    );
    let alice = p.sign_in("alice@example.test").await;
    let authenticator = p.enable_totp(&alice).await;
    // One transaction carries the recipients of one domain.
    for to in ["alice@example.test", "carl@later.test"] {
        let r = smtplib(p.smtp, "ann@sender.example.org", &[to], HAM).await;
        assert_eq!(code(&r["data"]), 250, "{r}");
    }
    let r = smtplib(p.smtp, "spam@spam.example", &["bob@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "kept in quarantine: {r}");
    assert_eq!(queued(&p).await, ["carl@later.test"]);
    let kept_before = kept(&p).await;
    assert_eq!(kept_before.len(), 1);
    let delivered = maildir(&p, "alice@example.test");
    assert_eq!(delivered.len(), 1);

    // The backup runs beside the server, which goes on taking mail.
    let place = tempfile::tempdir().unwrap();
    let backup = place.path().join("nightly");
    let data = p.data.path().to_path_buf();
    let (sending, backed_up) = tokio::join!(
        smtplib(p.smtp, "ann@sender.example.org", &["bob@example.test"], HAM),
        tokio::task::spawn_blocking({
            let (backup, url) = (backup.clone(), p.database_url.clone());
            move || mailportal_on(&data, url.as_deref(), &["backup", backup.to_str().unwrap()])
        })
    );
    assert_eq!(code(&sending["data"]), 250, "{sending}");
    let backed_up = backed_up.unwrap();
    assert!(backed_up.status.success(), "{}", text(&backed_up));
    assert!(
        text(&backed_up).contains("Backed up"),
        "{}",
        text(&backed_up)
    );
    assert!(backup.join("MANIFEST.json").is_file());
    let again = p.cli(&["backup", backup.to_str().unwrap()], "");
    assert!(!again.status.success());
    assert!(text(&again).contains("is not empty"), "{}", text(&again));
    let queue_id = kept_before[0].clone();
    p.stop().await;

    // A damaged backup restores nothing.
    let damaged = place.path().join("damaged");
    copy_tree(&backup, &damaged);
    let spool = damaged.join("quarantine").join(&queue_id);
    let mut bytes = std::fs::read(&spool).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&spool, bytes).unwrap();
    let target = tempfile::tempdir().unwrap();
    // On PostgreSQL, the dump goes into a new, empty database.
    let target_url = match on_postgres() {
        true => Some(test_postgres::database_url().await),
        false => None,
    };
    let restore = |data: &Path, from: &Path| {
        mailportal_on(
            data,
            target_url.as_deref(),
            &["restore", from.to_str().unwrap()],
        )
    };
    let o = restore(target.path(), &damaged);
    assert!(!o.status.success());
    assert!(
        text(&o).contains(&format!("quarantine/{queue_id} is not as it was written")),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read_dir(target.path()).unwrap().count(), 0);

    let o = restore(target.path(), &backup);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Restored"), "{}", text(&o));
    let o = restore(target.path(), &backup);
    assert!(!o.status.success(), "never over a data directory in use");
    assert!(text(&o).contains("is not empty"), "{}", text(&o));
    if on_postgres() {
        let elsewhere = tempfile::tempdir().unwrap();
        let o = restore(elsewhere.path(), &backup);
        assert!(!o.status.success(), "never over a database in use");
        assert!(
            text(&o).contains("restore into a new, empty database"),
            "{}",
            text(&o)
        );
    }

    // A new server on the restored directory (and database) has it all.
    let q = Portal::start_in(target, |c| c.database_url = target_url.clone()).await;
    q.clock().advance(60);
    let pending = q.password_step("alice@example.test").await;
    let a = q
        .call(
            "auth/sign_in_code",
            Some(&pending),
            &[("code", &q.code(&authenticator))],
        )
        .await;
    assert_eq!(a.status, 200, "the sealed TOTP secret opens: {}", a.body);
    assert_eq!(queued(&q).await, ["carl@later.test"]);
    assert_eq!(kept(&q).await, kept_before);
    assert!(q.data.path().join("quarantine").join(&queue_id).is_file());
    assert_eq!(maildir(&q, "alice@example.test"), delivered);
    let shown = q
        .call(
            "quarantine/list",
            Some(&q.sign_in("bob@example.test").await),
            &[],
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("spam.example"), "{}", shown.body);
    q.stop().await;
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// Asks `https://localhost:port/healthz` with curl, trusting `ca` only; answers the body
/// and the certificate's subject as curl saw it.
fn curl(port: u16, ca: &Path) -> (bool, String) {
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--verbose", "--max-time", "10"])
        .arg("--cacert")
        .arg(ca)
        .arg(format!("https://localhost:{port}/healthz"))
        .output()
        .expect("curl");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), all)
}

#[test]
fn the_portal_serves_https_and_takes_a_renewed_certificate_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path(), "portal", "localhost", "First");
    let (renewed_cert, renewed_key) = self_signed(dir.path(), "renewed", "localhost", "Second");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = dir.path().join("data");
    let mut server = Command::new(env!("CARGO_BIN_EXE_mailportal"))
        .arg("serve")
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", &data)
        .env("MAILPORTAL_LOG", "warn")
        .env("MAILPORTAL_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("MAILPORTAL_PUBLIC_URL", format!("https://localhost:{port}"))
        .env("MAILPORTAL_SMTP_ADDR", "127.0.0.1:0")
        .env("MAILPORTAL_SUBMISSION_ADDR", "127.0.0.1:0")
        .env("MAILPORTAL_TLS_CERTIFICATE", &cert)
        .env("MAILPORTAL_TLS_KEY", &key)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut answer = (false, String::new());
    for _ in 0..100 {
        answer = curl(port, &cert);
        if answer.0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(answer.0, "HTTPS with the first certificate: {}", answer.1);
    assert!(answer.1.contains("O=First"), "{}", answer.1);
    assert!(answer.1.contains("ok"), "{}", answer.1);
    // Plain HTTP on the TLS port gets nowhere.
    let plain = Command::new("curl")
        .args(["--silent", "--max-time", "5"])
        .arg(format!("http://localhost:{port}/healthz"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("ok"));

    // A renewal writes new files in place; SIGHUP makes the next handshake use them.
    std::fs::copy(&renewed_cert, &cert).unwrap();
    std::fs::copy(&renewed_key, &key).unwrap();
    let hup = Command::new("kill")
        .args(["-HUP", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let mut renewed = (false, String::new());
    for _ in 0..50 {
        renewed = curl(port, &renewed_cert);
        if renewed.0 && renewed.1.contains("O=Second") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        renewed.0,
        "HTTPS with the renewed certificate: {}",
        renewed.1
    );
    assert!(renewed.1.contains("O=Second"), "{}", renewed.1);
    assert!(
        server.try_wait().unwrap().is_none(),
        "SIGHUP did not stop it"
    );

    // A broken renewal leaves the one in use.
    std::fs::write(&cert, "not a certificate").unwrap();
    Command::new("kill")
        .args(["-HUP", &server.id().to_string()])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let still = curl(port, &renewed_cert);
    assert!(still.0 && still.1.contains("O=Second"), "{}", still.1);

    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let status = server.wait().unwrap();
    assert!(status.success(), "stopped cleanly: {status}");
}
