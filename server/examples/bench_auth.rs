//! `make bench-auth`: a bounded load on `/auth/mail` over loopback, as nginx would ask it.
//!
//! A portal runs in this process on a fresh data directory; a fixed number of checks per
//! case (capped by a time limit) is sent from a few clients at once, over keep-alive
//! connections or, as nginx's `auth_http` does, a new connection per check. Prints, for
//! each case, requests per second and p50/p99 latency, then the process's peak memory.

use app::{
    backend::{admin, admin::Operator, mail_access, store, Clock},
    model::{mail_access::Protocol, EmailAddress, Role},
};
use server::config::Config;
use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

const PASSWORD: &str = "violet tram quietly sings";
/// Concurrent connections, each asking one check at a time.
const CONNECTIONS: usize = 8;
/// The longest any case may run.
const TIME_LIMIT: Duration = Duration::from_secs(20);

struct Case {
    name: &'static str,
    /// Used in turn, one per request.
    users: Vec<String>,
    password: String,
    requests: usize,
    /// One untimed check per user first, so that every timed one is answered from the cache.
    warm_up: bool,
    /// Keep-alive connections (a proxy that keeps them), or a new connection per check
    /// (nginx's `auth_http`, which speaks HTTP/1.0 and closes after each answer).
    keep_alive: bool,
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
        run(addr, &case).await;
    }
    println!("peak memory: {} MiB", peak_memory_kib() / 1024);
}

/// Sends the case's checks from `CONNECTIONS` clients, each one check at a time as a proxy
/// does, and prints the figures. The client writes requests and reads
/// answers by hand (like wrk), so that its own cost stays small next to the server's.
async fn run(addr: SocketAddr, case: &Case) {
    if case.warm_up {
        let mut conn = connect(addr).await;
        for user in &case.users {
            let request = request(user, &case.password, "10.1.0.1", false);
            conn.get_mut().write_all(request.as_bytes()).await.unwrap();
            assert!(read_answer(&mut conn).await, "warm-up check refused");
        }
    }
    let started = Instant::now();
    let per_connection = case.requests / CONNECTIONS;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let (users, password) = (case.users.clone(), case.password.clone());
            let keep_alive = case.keep_alive;
            tokio::spawn(async move {
                let mut conn = connect(addr).await;
                let mut latencies = Vec::with_capacity(per_connection);
                let mut granted = 0usize;
                for n in 0..per_connection {
                    if started.elapsed() > TIME_LIMIT {
                        break;
                    }
                    let user = &users[(n * CONNECTIONS + i) % users.len()];
                    let client = format!("10.0.{i}.{}", n % 250 + 1);
                    let request = request(user, &password, &client, keep_alive);
                    let t = Instant::now();
                    if !keep_alive {
                        conn = connect(addr).await;
                    }
                    conn.get_mut()
                        .write_all(request.as_bytes())
                        .await
                        .expect("send");
                    if read_answer(&mut conn).await {
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

async fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    let conn = TcpStream::connect(addr).await.expect("connect");
    conn.set_nodelay(true).ok();
    BufReader::new(conn)
}

/// A check as nginx sends it (the password percent-encoded).
fn request(user: &str, password: &str, client_ip: &str, keep_alive: bool) -> String {
    let (version, connection) = if keep_alive {
        ("1.1", "keep-alive")
    } else {
        ("1.0", "close")
    };
    format!(
        "GET /auth/mail HTTP/{version}\r\nHost: localhost\r\nConnection: {connection}\r\n\
         Auth-Method: plain\r\nAuth-User: {user}\r\nAuth-Pass: {}\r\nAuth-Protocol: imap\r\n\
         Auth-Login-Attempt: 1\r\nClient-IP: {client_ip}\r\n\r\n",
        password.replace('%', "%25").replace(' ', "%20"),
    )
}

/// Reads one answer's head and body; true when it says `Auth-Status: OK`.
async fn read_answer(conn: &mut BufReader<TcpStream>) -> bool {
    let (mut ok, mut body) = (false, 0usize);
    let mut line = String::new();
    loop {
        line.clear();
        conn.read_line(&mut line).await.expect("answer");
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if header == "auth-status: ok" {
            ok = true;
        } else if let Some(n) = header.strip_prefix("content-length:") {
            body = n.trim().parse().expect("length");
        }
    }
    let mut rest = vec![0; body];
    conn.read_exact(&mut rest).await.expect("body");
    ok
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
