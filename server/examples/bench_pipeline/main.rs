//! `make bench-pipeline`: real mail, end to end, and the same mail through two peers from
//! Debian on the same machine.
//!
//! A fixed part of the SpamAssassin public corpus (ham and spam mixed) is sent over a few
//! loopback connections to Mail Portal running in this process, its SMTP listener and
//! delivery queue started as `mailportal serve` starts them: every message is judged by
//! the filtering pipeline, and each one accepted is in its Maildir, flushed to disk, before
//! the 250. The run is bounded in messages and in time. Then, in the same run, rspamd scans
//! the same messages over HTTP and Postfix takes them into Maildir from `smtp-source`, each
//! a throwaway instance on loopback, started here and stopped after.
//!
//! Prints `pipeline: N msg/s, p50 X ms, p99 Y ms, peak RSS Z MB`, `rspamd: N msg/s`,
//! `postfix: N msg/s` and the ratios, each with indented lines on what was measured.

mod corpus;
mod daemon;
mod dns;
mod portal;
mod postfix;
mod rspamd;
mod smtp;

use smtp::Plan;
use std::{process::ExitCode, sync::Arc, time::Duration};

/// Distinct corpus messages sent (of 6,046): each is sent `MESSAGES / CORPUS` times.
const CORPUS: usize = 4_000;
const MESSAGES: usize = 20_000;
/// Clients at once, each one message at a time.
const CONNECTIONS: usize = 8;
/// The longest any contender may send for.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// How long the portal's Maildir count may take to reach its accepted count.
const DELIVERY_LIMIT: Duration = Duration::from_secs(30);
/// The targets: end-to-end messages per second on a 2-core machine, and the
/// factors over Postfix and rspamd in the same run.
const TARGET_RATE: f64 = 1_000.0;
const TARGET_OVER_POSTFIX: f64 = 2.0;
const TARGET_OVER_RSPAMD: f64 = 3.0;

#[tokio::main]
async fn main() -> ExitCode {
    // On Ctrl-C or SIGTERM the run is dropped, and with it the peers' instances, which stop
    // themselves on drop: nothing started here outlives the benchmark.
    tokio::select! {
        code = run() => code,
        _ = server::shutdown_signal() => {
            eprintln!("bench-pipeline: interrupted; the peers were stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let corpus = match corpus::load(CORPUS) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("bench-pipeline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let plan = Plan {
        messages: MESSAGES,
        connections: CONNECTIONS,
        time_limit: TIME_LIMIT,
    };
    println!(
        "corpus: {} messages of the SpamAssassin public corpus ({} ham, {} spam, {:.1} MB), \
         {} sent to each contender over {} loopback connections, at most {} s each",
        corpus.messages.len(),
        corpus.messages.len() - corpus.spam(),
        corpus.spam(),
        corpus.bytes() as f64 / 1e6,
        plan.messages,
        plan.connections,
        plan.time_limit.as_secs()
    );
    let dns = match dns::Responder::start().await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("bench-pipeline: DNS responder: {e}");
            return ExitCode::FAILURE;
        }
    };
    let pipeline = match pipeline(&corpus, plan, &dns).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench-pipeline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rspamd = rspamd_peer(&corpus, plan, &dns).await;
    let postfix = postfix_peer(&corpus, plan).await;
    compare(pipeline.rate, postfix, rspamd);
    if pipeline.all_delivered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

struct Pipeline {
    rate: f64,
    all_delivered: bool,
}

/// What one pipeline run measured.
struct PipelineRun {
    sent: smtp::Sent,
    /// Sorted.
    latencies: Vec<Duration>,
    delivered: usize,
    spooled: usize,
    cpu_seconds: f64,
    lookups: u64,
    rss_before: u64,
}

async fn pipeline(
    corpus: &Arc<corpus::Corpus>,
    plan: Plan,
    dns: &dns::Responder,
) -> Result<Pipeline, String> {
    let rss_before = memory_mib("VmRSS");
    let portal = portal::Portal::start(dns.addr, plan.connections).await?;
    smtp::wait_for_greeting(portal.smtp.port(), Duration::from_secs(30)).await?;
    let (lookups, cpu) = (dns.answered(), cpu_seconds());
    let sent = smtp::send(&[portal.smtp], corpus.clone(), plan, portal::mailbox)
        .await
        .map_err(|e| format!("sending to the portal: {e}"))?;
    let cpu_seconds = cpu_seconds() - cpu;
    let delivered = portal.wait_delivered(sent.accepted, DELIVERY_LIMIT).await;
    let mut latencies = sent.latencies.clone();
    latencies.sort();
    let run = PipelineRun {
        latencies,
        delivered,
        spooled: portal.spooled(),
        cpu_seconds,
        lookups: dns.answered() - lookups,
        rss_before,
        sent,
    };
    portal.stop().await;
    Ok(report_pipeline(&run, corpus))
}

fn report_pipeline(run: &PipelineRun, corpus: &corpus::Corpus) -> Pipeline {
    let (sent, latencies) = (&run.sent, &run.latencies);
    let rate = latencies.len() as f64 / sent.elapsed.as_secs_f64();
    println!(
        "pipeline: {rate:.0} msg/s, p50 {:.2} ms, p99 {:.2} ms, peak RSS {} MB",
        millis(smtp::percentile(latencies, 0.50)),
        millis(smtp::percentile(latencies, 0.99)),
        memory_mib("VmHWM")
    );
    let (defer, tag, reject) = portal::THRESHOLDS;
    println!(
        "  {} messages in {:.1} s: {} accepted, {} rejected (5xx), {} deferred (4xx); \
         {} thresholds: defer {defer} (off), tag {tag}, reject {reject}",
        latencies.len(),
        sent.elapsed.as_secs_f64(),
        sent.accepted,
        sent.rejected,
        sent.deferred,
        portal::DOMAIN
    );
    for (reply, n) in &sent.refusals {
        println!("  refused {n}×: {reply}");
    }
    let all_delivered = run.delivered == sent.accepted;
    println!(
        "  delivered: {} messages in Maildir new/ for {} accepted{}; the delivery queue's \
         spool holds {}",
        run.delivered,
        sent.accepted,
        if all_delivered { "" } else { " (MISMATCH)" },
        run.spooled
    );
    println!(
        "  CPU: {:.2} ms per message (this process, server and client, user + system); \
         DNS: {} lookups answered NXDOMAIN on loopback",
        run.cpu_seconds * 1000.0 / latencies.len().max(1) as f64,
        run.lookups
    );
    println!(
        "  peak RSS is the whole process, the client and its {:.0} MB corpus included \
         ({} MB before the portal started)",
        corpus.bytes() as f64 / 1e6,
        run.rss_before
    );
    Pipeline {
        rate,
        all_delivered,
    }
}

async fn rspamd_peer(
    corpus: &Arc<corpus::Corpus>,
    plan: Plan,
    dns: &dns::Responder,
) -> Option<f64> {
    let lookups = dns.answered();
    let scanned = match rspamd::run(corpus, plan, dns.addr).await {
        Ok(s) => s,
        Err(e) => {
            println!("rspamd: not run: {e}");
            return None;
        }
    };
    let mut latencies = scanned.latencies;
    latencies.sort();
    let rate = (latencies.len() - scanned.failed) as f64 / scanned.elapsed.as_secs_f64();
    println!("rspamd: {rate:.0} msg/s");
    let actions: Vec<String> = scanned
        .actions
        .iter()
        .map(|(action, n)| format!("{action} {n}"))
        .collect();
    println!(
        "  {} scans in {:.1} s ({} failed), p50 {:.2} ms, p99 {:.2} ms; actions: {}; \
         DNS: {} lookups; Hyperscan {}",
        latencies.len(),
        scanned.elapsed.as_secs_f64(),
        scanned.failed,
        millis(smtp::percentile(&latencies, 0.50)),
        millis(smtp::percentile(&latencies, 0.99)),
        actions.join(", "),
        dns.answered() - lookups,
        if scanned.hyperscan {
            "loaded"
        } else {
            "NOT loaded (PCRE)"
        }
    );
    Some(rate)
}

async fn postfix_peer(corpus: &Arc<corpus::Corpus>, plan: Plan) -> Option<f64> {
    let done = match postfix::run(corpus, plan).await {
        Ok(d) => d,
        Err(e) => {
            println!("postfix: not run: {e}");
            return None;
        }
    };
    let rate = done.delivered as f64 / done.elapsed.as_secs_f64();
    println!("postfix: {rate:.0} msg/s");
    println!(
        "  {} messages sent by smtp-source ({} runs failed), {} in Maildir new/ {:.1} s after \
         the first was sent",
        done.sent,
        done.failed_runs,
        done.delivered,
        done.elapsed.as_secs_f64()
    );
    Some(rate)
}

fn compare(pipeline: f64, postfix: Option<f64>, rspamd: Option<f64>) {
    let ratio = |peer: Option<f64>| peer.filter(|r| *r > 0.0).map(|r| pipeline / r);
    let show = |r: Option<f64>| r.map_or("n/a".to_string(), |r| format!("{r:.1}x"));
    let (over_postfix, over_rspamd) = (ratio(postfix), ratio(rspamd));
    println!(
        "ratio: pipeline/postfix {}, pipeline/rspamd {}",
        show(over_postfix),
        show(over_rspamd)
    );
    let met = |r: Option<f64>, target: f64| match r {
        Some(r) if r >= target => "met",
        Some(_) => "MISSED",
        None => "n/a",
    };
    println!(
        "targets: {TARGET_RATE:.0} msg/s {}, {TARGET_OVER_POSTFIX}x postfix {}, {TARGET_OVER_RSPAMD}x rspamd {}",
        met(Some(pipeline), TARGET_RATE),
        met(over_postfix, TARGET_OVER_POSTFIX),
        met(over_rspamd, TARGET_OVER_RSPAMD)
    );
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A memory figure of this process from /proc/self/status (`VmRSS`, `VmHWM`), in MiB.
fn memory_mib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// CPU time this process has used, user and system, all threads: a figure less swayed than
/// messages per second by whatever else the machine is running.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name (in parentheses, which may hold spaces): state is the first
    // field, utime and stime the 12th and 13th (proc(5)), in USER_HZ (100 on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The peers' instances are started as root and drop to their own users.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

/// A temp directory the peers' own users can reach into (the directories they write in
/// are handed to them).
pub fn work_dir(prefix: &str) -> Result<tempfile::TempDir, String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| e.to_string())?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    Ok(dir)
}

/// A loopback port free right now, for a peer to listen on.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Runs a command to its end; its standard output, or why it failed.
pub async fn command(bin: &str, args: &[&str]) -> Result<String, String> {
    let output = tokio::process::Command::new(bin)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("{bin}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{bin} {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
