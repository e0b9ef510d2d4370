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
