//! The asking side of the login-check benchmarks (`bench-auth`, `bench-cluster`): a few
//! clients at once, each one check at a time as a mail proxy asks, against one or more
//! instances. The client writes requests and reads answers by hand (like wrk), so that its
//! own cost stays small next to the server's.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

/// Concurrent connections, each asking one check at a time.
pub const CONNECTIONS: usize = 8;
/// The longest any case may run.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

pub struct Case {
    pub name: &'static str,
    /// Used in turn, one per request.
    pub users: Vec<String>,
    pub password: String,
    pub requests: usize,
    /// One untimed check per user first, so that every timed one is answered from the cache.
    pub warm_up: bool,
    /// Keep-alive connections (a proxy that keeps them), or a new connection per check
    /// (nginx's `auth_http`, which speaks HTTP/1.0 and closes after each answer).
    pub keep_alive: bool,
}

/// What one case measured.
pub struct Measured {
    pub checks: usize,
    pub granted: usize,
    pub elapsed: Duration,
    /// Sorted.
    pub latencies: Vec<Duration>,
}

impl Measured {
    pub fn rate(&self) -> f64 {
        self.checks as f64 / self.elapsed.as_secs_f64()
    }

    /// `N req/s, p50, p99, p99.9, max (C checks, G granted, T s`, for the caller to close.
    pub fn figures(&self) -> String {
        format!(
            "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms ({} checks, {} granted, {:.1} s",
            self.rate(),
            self.millis(0.50),
            self.millis(0.99),
            self.millis(0.999),
            self.millis(1.0),
            self.checks,
            self.granted,
            self.elapsed.as_secs_f64()
        )
    }

    /// The `p` quantile of the latencies, in milliseconds.
    fn millis(&self, p: f64) -> f64 {
        let all = &self.latencies;
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0
    }
}

/// Sends the case's checks from `CONNECTIONS` clients, client `i` to `instances[i % n]`
/// (as a proxy spreads its checks over the instances behind a load balancer).
pub async fn run(instances: &[SocketAddr], case: &Case) -> Measured {
    if case.warm_up {
        // Each instance keeps its own cache: every one is warmed.
        for &addr in instances {
            let mut conn = connect(addr).await;
            for user in &case.users {
                let request = request(user, &case.password, "10.1.0.1", true);
                conn.get_mut().write_all(request.as_bytes()).await.unwrap();
                assert!(read_answer(&mut conn).await, "warm-up check refused");
            }
        }
    }
    let started = Instant::now();
    let per_connection = case.requests / CONNECTIONS;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let (users, password) = (case.users.clone(), case.password.clone());
            let keep_alive = case.keep_alive;
            let addr = instances[i % instances.len()];
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
    let mut latencies = Vec::new();
    let mut granted = 0;
    for t in tasks {
        let (l, g) = t.await.unwrap();
        latencies.extend(l);
        granted += g;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Measured {
        checks: latencies.len(),
        granted,
        elapsed,
        latencies,
    }
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
