//! `make bench-auth`: a bounded load on `/auth/mail` over loopback, as nginx would ask it.
//!
//! A portal runs in this process on a fresh data directory; a fixed number of checks per
//! case (capped by a time limit) is sent over a few keep-alive connections. Prints, for each
//! case, requests per second and p50/p99 latency, then the process's peak memory.

use app::{
    backend::{admin, admin::Operator, mail_access, store, Clock},
    model::{mail_access::Protocol, EmailAddress, Role},
};
use server::config::Config;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

const PASSWORD: &str = "violet tram quietly sings";
/// Concurrent connections (nginx keeps a few open to the auth server).
const CONNECTIONS: usize = 8;
/// The longest any case may run.
const TIME_LIMIT: Duration = Duration::from_secs(20);

struct Case {
    name: &'static str,
    /// Used in turn, one per request.
    users: Vec<String>,
    password: String,
    requests: usize,
}

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
        server::serve(&config, served, listener, std::future::pending())
            .await
            .expect("serve");
    });
    let base = format!("http://127.0.0.1:{port}/auth/mail");
    let cases = [
        Case {
            name: "cached",
            users: vec!["password@example.test".into()],
            password: PASSWORD.into(),
            requests: 20_000,
        },
        Case {
            name: "device password",
            users: vec!["device@example.test".into()],
            password: device,
            requests: 20_000,
        },
        Case {
            name: "first-time (argon2id)",
            users: first_time,
            password: PASSWORD.into(),
            requests: FIRST_TIME,
        },
        Case {
            name: "failures",
            users: vec!["wrong@example.test".into()],
            password: "not the password".into(),
            requests: 200,
        },
    ];
    println!(
        "/auth/mail on 127.0.0.1, {CONNECTIONS} connections, at most {}s per case",
        TIME_LIMIT.as_secs()
    );
    for case in cases {
        run(&base, &case).await;
    }
    println!("peak memory: {} MiB", peak_memory_kib() / 1024);
}

async fn run(url: &str, case: &Case) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let started = Instant::now();
    let per_connection = case.requests / CONNECTIONS;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let (http, url) = (http.clone(), url.to_string());
            let (users, password) = (case.users.clone(), case.password.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_connection);
                let mut granted = 0usize;
                for n in 0..per_connection {
                    let user = &users[(n * CONNECTIONS + i) % users.len()];
                    if started.elapsed() > TIME_LIMIT {
                        break;
                    }
                    let t = Instant::now();
                    let res = http
                        .get(&url)
                        .header("auth-method", "plain")
                        .header("auth-user", user)
                        .header("auth-pass", &password)
                        .header("auth-protocol", "imap")
                        .header("auth-login-attempt", "1")
                        .header(
                            "client-ip",
                            format!("10.0.{}.{}", i, latencies.len() % 250 + 1),
                        )
                        .send()
                        .await
                        .expect("answer");
                    if res.headers().get("auth-status").is_some_and(|v| v == "OK") {
                        granted += 1;
                    }
                    latencies.push(t.elapsed());
                }
                (latencies, granted)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut granted = 0;
    for t in tasks {
        let (l, g) = t.await.unwrap();
        all.extend(l);
        granted += g;
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} checks, {} granted, {:.1}s; peak so far {} MiB)",
        case.name,
        all.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        all.len(),
        granted,
        elapsed.as_secs_f64(),
        peak_memory_kib() / 1024
    );
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
