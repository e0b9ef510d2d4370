//! `make bench-auth`: a bounded load on `/auth/mail` over loopback, as nginx would ask it.
//!
//! A portal runs in this process on a fresh data directory; a fixed number of checks per
//! case (capped by a time limit) is sent from a few clients at once, over keep-alive
//! connections or, as nginx's `auth_http` does, a new connection per check. Prints, for
//! each case, requests per second and p50/p99 latency, then the process's peak memory.

mod client;

use app::{
    backend::{admin, admin::Operator, mail_access, store, Clock},
    model::{mail_access::Protocol, EmailAddress, Role},
};
use client::{Case, CONNECTIONS, TIME_LIMIT};
use server::config::Config;
use std::net::SocketAddr;
use tokio::net::TcpListener;

const PASSWORD: &str = "violet tram quietly sings";

/// Accounts for first-time successes: each is checked once, so the cache never answers.
const FIRST_TIME: usize = 160;

#[tokio::main]
async fn main() {
    let data = tempfile::tempdir().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().unwrap().port();
    let config = Config {
        data_dir: data.path().to_path_buf(),
        public_url: format!("http://localhost:{port}"),
        site_root: data.path().join("site"),
        ..Config::default()
    };
    let backend = server::backend(&config, Clock::System)
        .await
        .expect("backend");
    let now = backend.clock.now();
    admin::create_domain(&backend, &Operator::CommandLine, "example.test", now)
        .await
        .unwrap();
    // A master admin exists, so the portal prints no first-start link.
    admin::create_account(
        &backend,
        &Operator::CommandLine,
        "admin@example.test",
        Role::MasterAdmin,
        PASSWORD,
        now,
    )
    .await
    .unwrap();
    // One account per case, so that no case's failures throttle another's successes.
    let first_time: Vec<String> = (0..FIRST_TIME)
        .map(|i| format!("new{i}@example.test"))
        .collect();
    let named = ["device", "password", "wrong"].map(|u| format!("{u}@example.test"));
    for email in named.iter().chain(&first_time) {
        admin::create_account(
            &backend,
            &Operator::CommandLine,
            email,
            Role::MailUser,
            PASSWORD,
            now,
        )
        .await
        .unwrap();
    }
    let address = EmailAddress::parse("device@example.test").unwrap();
    let account = store::accounts::find_by_email(&backend.pool, &address)
        .await
        .unwrap()
        .unwrap();
    let device = mail_access::issue(
        &backend,
        account.id,
        "Benchmark",
        &[Protocol::Imap],
        None,
        now,
    )
    .await
    .expect("device password");
    let served = backend.clone();
    tokio::spawn(async move {
        let listeners = server::Listeners {
            http: listener,
            smtp: TcpListener::bind("127.0.0.1:0").await.expect("bind"),
            submission: TcpListener::bind("127.0.0.1:0").await.expect("bind"),
        };
        server::serve(&config, served, listeners, std::future::pending())
            .await
            .expect("serve");
    });
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let cached = || {
        (
            vec!["password@example.test".to_string()],
            PASSWORD.to_string(),
        )
    };
    let cases = [
        Case {
            name: "cached",
            users: cached().0,
            password: cached().1,
            requests: 100_000,
            warm_up: true,
            keep_alive: true,
        },
        Case {
            name: "device password",
            users: vec!["device@example.test".into()],
            password: device,
            requests: 100_000,
            warm_up: true,
            keep_alive: true,
        },
        Case {
            name: "cached, new connection per check",
            users: cached().0,
            password: cached().1,
            requests: 20_000,
            warm_up: true,
            keep_alive: false,
        },
        Case {
            name: "first-time (argon2id)",
            users: first_time,
            password: PASSWORD.into(),
            requests: FIRST_TIME,
            warm_up: false,
            keep_alive: true,
        },
        Case {
            name: "failures",
            users: vec!["wrong@example.test".into()],
            password: "not the password".into(),
            requests: 200,
            warm_up: false,
            keep_alive: true,
        },
    ];
    println!(
        "/auth/mail on 127.0.0.1, {CONNECTIONS} connections, at most {}s per case",
        TIME_LIMIT.as_secs()
    );
    for case in cases {
        let m = client::run(&[addr], &case).await;
        println!(
            "{}: {}; peak so far {} MiB)",
            case.name,
            m.figures(),
            peak_memory_kib() / 1024
        );
    }
    println!("peak memory: {} MiB", peak_memory_kib() / 1024);
}

/// The process's peak resident memory (Linux `VmHWM`), in KiB.
fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
