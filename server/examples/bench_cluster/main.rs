//! `make bench-cluster`: the pipeline and login-check loads against one instance on SQLite
//! and against two instances sharing one PostgreSQL database and one data directory, in the
//! same run on the same machine.
//!
//! Each setup gets a fresh store: the mail domain and its mailboxes are set up through the
//! first instance, and the second starts on what the first wrote. Mail (a fixed part of
//! the SpamAssassin public corpus) is sent over a few loopback connections, spread over
//! the instances as an MX with two hosts spreads its senders; then mail login checks,
//! spread the same way: answered from each instance's cache, and first-time ones that
//! each cost an argon2id hash. PostgreSQL is Debian's, started on 127.0.0.1 with a data
//! directory of its own (`store::test_postgres`).
//!
//! Prints a line per setup and load (rate, p50, p99), then the ratios, two instances on
//! PostgreSQL over one on SQLite. All of it shares this machine's cores: two instances
//! here measure the cost of the shared store, not the gain of a second machine.

#[allow(dead_code)] // shared with bench-pipeline, which uses the rest
#[path = "../bench_pipeline/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../bench_pipeline/dns.rs"]
mod dns;
#[allow(dead_code)]
#[path = "../bench_pipeline/portal.rs"]
mod portal;
#[allow(dead_code)]
#[path = "../bench_pipeline/smtp.rs"]
mod smtp;

#[path = "../bench_auth/client.rs"]
mod auth;

use app::backend::store::test_postgres;
use smtp::Plan;
use std::{net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

/// Distinct corpus messages sent, each `MESSAGES / CORPUS` times.
const CORPUS: usize = 2_000;
const MESSAGES: usize = 8_000;
/// Clients at once, each one message at a time.
const CONNECTIONS: usize = 8;
/// The longest a setup may send for.
const TIME_LIMIT: Duration = Duration::from_secs(30);
/// How long the Maildir count may take to reach the accepted count.
const DELIVERY_LIMIT: Duration = Duration::from_secs(30);
/// Mailboxes checked once each in the first-time login case.
const FIRST_TIME: usize = 96;
/// Cached login checks per setup (bounded by `auth::TIME_LIMIT` as well).
const CACHED: usize = 100_000;

/// One setup's figures.
struct Figures {
    pipeline: f64,
    cached: f64,
    first_time: f64,
    all_delivered: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let corpus = match corpus::load(CORPUS) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("bench-cluster: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dns = match dns::Responder::start().await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("bench-cluster: DNS responder: {e}");
            return ExitCode::FAILURE;
        }
    };
    let plan = Plan {
        messages: MESSAGES,
        connections: CONNECTIONS,
        time_limit: TIME_LIMIT,
    };
    println!(
        "{MESSAGES} messages of the SpamAssassin public corpus over {CONNECTIONS} loopback \
         connections, at most {} s; login checks from {} connections, at most {} s per case; \
         {} CPU cores for everything",
        TIME_LIMIT.as_secs(),
        auth::CONNECTIONS,
        auth::TIME_LIMIT.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let one = match sqlite_single(&corpus, plan, dns.addr).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("bench-cluster: one instance on SQLite: {e}");
            return ExitCode::FAILURE;
        }
    };
    let two = match postgres_pair(&corpus, plan, dns.addr).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("bench-cluster: two instances on PostgreSQL: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "ratio, two instances on PostgreSQL / one on SQLite: pipeline {:.2}, login checks \
         (cached) {:.2}, login checks (first-time) {:.2}",
        two.pipeline / one.pipeline,
        two.cached / one.cached,
        two.first_time / one.first_time
    );
    if one.all_delivered && two.all_delivered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn sqlite_single(
    corpus: &Arc<corpus::Corpus>,
    plan: Plan,
    dns: SocketAddr,
) -> Result<Figures, String> {
    let first = portal::Portal::start_on(dns, portal::data_dir()?, None, Some(mailboxes())).await?;
    measure("one instance on SQLite", vec![first], corpus, plan).await
}

async fn postgres_pair(
    corpus: &Arc<corpus::Corpus>,
    plan: Plan,
    dns: SocketAddr,
) -> Result<Figures, String> {
    let url = test_postgres::database_url().await;
    let data = portal::data_dir()?;
    let first =
        portal::Portal::start_on(dns, data.clone(), Some(url.clone()), Some(mailboxes())).await?;
    let second = portal::Portal::start_on(dns, data, Some(url), None).await?;
    measure(
        "two instances on PostgreSQL",
        vec![first, second],
        corpus,
        plan,
    )
    .await
}

/// A mailbox per sending lane, and the first-time login case's.
fn mailboxes() -> usize {
    CONNECTIONS + FIRST_TIME
}

/// Sends the mail and the login checks to `instances`, prints what it measured, and stops
/// them.
async fn measure(
    setup: &str,
    instances: Vec<portal::Portal>,
    corpus: &Arc<corpus::Corpus>,
    plan: Plan,
) -> Result<Figures, String> {
    for p in &instances {
        smtp::wait_for_greeting(p.smtp.port(), Duration::from_secs(30)).await?;
    }
    let smtp: Vec<SocketAddr> = instances.iter().map(|p| p.smtp).collect();
    let sent = smtp::send(&smtp, corpus.clone(), plan, portal::mailbox)
        .await
        .map_err(|e| format!("sending mail: {e}"))?;
    // The instances share the data directory: one count covers both.
    let delivered = instances[0]
        .wait_delivered(sent.accepted, DELIVERY_LIMIT)
        .await;
    let mut latencies = sent.latencies.clone();
    latencies.sort();
    let pipeline = latencies.len() as f64 / sent.elapsed.as_secs_f64();
    let all_delivered = delivered == sent.accepted;
    println!(
        "pipeline, {setup}: {pipeline:.0} msg/s, p50 {:.2} ms, p99 {:.2} ms ({} messages in \
         {:.1} s: {} accepted, {} rejected, {} deferred; {delivered} delivered{})",
        smtp::percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        smtp::percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.len(),
        sent.elapsed.as_secs_f64(),
        sent.accepted,
        sent.rejected,
        sent.deferred,
        if all_delivered { "" } else { " (MISMATCH)" }
    );

    let http: Vec<SocketAddr> = instances.iter().map(|p| p.http).collect();
    let cached = auth::Case {
        name: "cached",
        users: vec![portal::mailbox(0)],
        password: portal::PASSWORD.into(),
        requests: CACHED,
        warm_up: true,
        keep_alive: true,
    };
    let first_time = auth::Case {
        name: "first-time (argon2id)",
        users: (CONNECTIONS..CONNECTIONS + FIRST_TIME)
            .map(portal::mailbox)
            .collect(),
        password: portal::PASSWORD.into(),
        requests: FIRST_TIME,
        warm_up: false,
        keep_alive: true,
    };
    let mut rates = Vec::new();
    for case in [cached, first_time] {
        let m = auth::run(&http, &case).await;
        println!("login checks ({}), {setup}: {})", case.name, m.figures());
        if m.granted != m.checks {
            return Err(format!(
                "{} of {} login checks were refused",
                m.checks - m.granted,
                m.checks
            ));
        }
        rates.push(m.rate());
    }
    for p in instances {
        p.stop().await;
    }
    Ok(Figures {
        pipeline,
        cached: rates[0],
        first_time: rates[1],
        all_delivered,
    })
}
