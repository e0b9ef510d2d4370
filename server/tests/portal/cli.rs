//! The `mailportal` binary itself: commands, configuration errors, SIGTERM.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_mailportal");

pub(crate) fn mailportal(data: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    mailportal_with(data, &[], args, stdin)
}

/// `mailportal` with more environment variables.
pub(crate) fn mailportal_with(
    data: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: &str,
) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .env("MAILPORTAL_DATA_DIR", data)
        .env("MAILPORTAL_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command refused before it reads its input (a bad argument) closes the pipe early.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn user_and_domain_commands_explain_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = mailportal(
        d,
        &["user", "add", "alice@example.test"],
        "violet tram quietly sings\n",
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("The domain example.test is not served here yet"),
        "{}",
        text(&o)
    );

    let o = mailportal(d, &["domain", "add", "Example.TEST"], "");
    assert!(o.status.success(), "{}", text(&o));
    let o = mailportal(d, &["domain", "add", "example.test"], "");
    assert!(text(&o).contains("exists already"), "{}", text(&o));

    let o = mailportal(d, &["user", "add", "alice@example.test"], "qwertyuiop\n");
    assert!(!o.status.success());
    assert!(text(&o).contains("commonly used"), "{}", text(&o));
    let o = mailportal(d, &["user", "add", "alice@example.test"], "short\n");
    assert!(text(&o).contains("at least 8 characters"), "{}", text(&o));

    let o = mailportal(
        d,
        &["user", "add", "alice@example.test", "--role", "domainadmin"],
        "violet tram quietly sings\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Added alice@example.test as Domain admin."));
    let o = mailportal(
        d,
        &["user", "add", "x@example.test", "--role", "root"],
        "violet tram quietly sings\n",
    );
    assert!(text(&o).contains("unknown role"), "{}", text(&o));

    let o = mailportal(
        d,
        &["user", "passwd", "alice@example.test"],
        "amber kettle forest lantern\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = mailportal(
        d,
        &["user", "passwd", "nobody@example.test"],
        "amber kettle forest lantern\n",
    );
    assert!(
        text(&o).contains("no account has that address"),
        "{}",
        text(&o)
    );
    let o = mailportal(d, &["migrate"], "");
    assert!(o.status.success() && text(&o).contains("up to date"));
}

#[test]
fn a_bad_setting_stops_start_up_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .arg("migrate")
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", dir.path())
        .env("MAILPORTAL_HTTP_ADDR", "everywhere")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("MAILPORTAL_HTTP_ADDR=\"everywhere\""),
        "{}",
        text(&o)
    );

    let file = dir.path().join("mailportal.toml");
    std::fs::write(&file, "[session]\nidle_minutse = 5\n").unwrap();
    let o = Command::new(BIN)
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("idle_minutse"), "{}", text(&o));
}

#[test]
fn serve_prints_the_setup_link_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", dir.path())
        .env("MAILPORTAL_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("MAILPORTAL_PUBLIC_URL", format!("http://localhost:{port}"))
        .env("MAILPORTAL_SMTP_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the portal did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(
        out.contains(&format!("http://localhost:{port}/setup/")),
        "{out}"
    );
}

/// `mailportal --url … --token …` with `args` and `stdin`, as an admin on another machine
/// runs it: its data directory is an empty one, which a remote command must leave alone.
/// The portal runs in the test's runtime, so the process is waited for off it.
async fn remote(p: &crate::harness::Portal, token: &str, args: &[&str], stdin: &str) -> Output {
    let mut line = vec!["--url", p.base.as_str(), "--token", token];
    line.extend_from_slice(args);
    let line: Vec<String> = line.into_iter().map(str::to_string).collect();
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        let elsewhere = tempfile::tempdir().unwrap();
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        let o = mailportal_with(elsewhere.path(), &[], &args, &stdin);
        let left = std::fs::read_dir(elsewhere.path()).unwrap().count();
        assert_eq!(left, 0, "{args:?} wrote into the local data directory");
        o
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn admin_commands_work_against_a_running_portal_with_a_token() {
    use app::{backend::store::db, model::Role};
    let p = crate::harness::Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;
    let token = p
        .api_token(&boss, &[("name", "cli"), ("write", "true")])
        .await;

    let o = remote(&p, &token, &["domain", "add", "new.test"], "").await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Added the domain new.test."),
        "{}",
        text(&o)
    );
    let domains: i64 = db::query_scalar("SELECT COUNT(*) FROM domains WHERE name = 'new.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(domains, 1);

    let o = remote(
        &p,
        &token,
        &["user", "add", "carol@example.test"],
        "violet tram quietly sings\n",
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Added carol@example.test as Mail user."),
        "{}",
        text(&o)
    );
    let hash = "SELECT password_hash FROM accounts WHERE email = 'carol@example.test'";
    let before: String = db::query_scalar(hash)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();

    let o = remote(
        &p,
        &token,
        &["user", "passwd", "carol@example.test"],
        "amber kite softly hums\n",
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Password set"), "{}", text(&o));
    let after: String = db::query_scalar(hash)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_ne!(before, after, "the password did not change");

    // An admin: every area of their own domain.
    let o = remote(
        &p,
        &token,
        &["user", "add", "dana@example.test", "--role", "domainadmin"],
        "violet tram quietly sings\n",
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let dana: (String, i64) = db::query_as(
        "SELECT a.role, COUNT(d.domain_id) FROM accounts a JOIN domain_admins d ON d.account_id = a.id \
         WHERE a.email = 'dana@example.test' GROUP BY a.role",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(dana, ("domainadmin".to_string(), 1));

    let o = remote(&p, &token, &["api", "list"], "").await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|l| l.starts_with("aliases/list")),
        "{}",
        text(&o)
    );
    let o = remote(&p, &token, &["api", "call", "admin/domains"], "").await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("new.test"), "{}", text(&o));
    let o = remote(
        &p,
        &token,
        &["api", "call", "aliases/list", "domain=abc"],
        "",
    )
    .await;
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("400"),
        "{}",
        text(&o)
    );
    let o = remote(&p, &token, &["api", "call", "aliases/list", "domain"], "").await;
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("name=value"), "{}", text(&o));

    // The token's rights hold: a read-only one reads but does not change.
    let read_only = p.api_token(&boss, &[("name", "ro")]).await;
    let o = remote(&p, &read_only, &["domain", "add", "other.test"], "").await;
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("403"),
        "{}",
        text(&o)
    );

    let o = remote(&p, &token, &["backup", "/tmp/x"], "").await;
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("data directory"), "{}", text(&o));

    let o = remote(&p, "mpt_not_a_token", &["domain", "add", "other.test"], "").await;
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("401"),
        "{}",
        text(&o)
    );
    let others: i64 = db::query_scalar("SELECT COUNT(*) FROM domains WHERE name = 'other.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(others, 0);
}
