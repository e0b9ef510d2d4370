//! rspamd from Debian as a peer: a throwaway instance on loopback (its normal worker only),
//! sent the same messages over its HTTP protocol (`POST /checkv2`) from as many clients at
//! once as the portal gets. Without redis its Bayes, neural and rate modules stay off: it
//! does less per message than a production rspamd, which favours it here.

use crate::{
    corpus::Corpus,
    daemon::Daemon,
    portal,
    smtp::{Plan, SENDER},
};
use std::{
    collections::BTreeMap,
    fs,
    net::SocketAddr,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

const BIN: &str = "/usr/bin/rspamd";
/// Scanning processes: one per core of the benchmark machine.
const WORKERS: usize = 2;
/// Start-up: configuration (~15-20 s here), then its regular expressions compiled for
/// Hyperscan (~10-30 s on a fresh cache).
const START_LIMIT: Duration = Duration::from_secs(180);

pub struct Scanned {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
    /// Scans by rspamd's action (`no action`, `add header`, `reject`, …).
    pub actions: BTreeMap<String, usize>,
    pub failed: usize,
    /// False when the workers scanned without their Hyperscan database (PCRE, slower).
    pub hyperscan: bool,
}

pub async fn run(corpus: &Arc<Corpus>, plan: Plan, dns: SocketAddr) -> Result<Scanned, String> {
    if !Path::new(BIN).exists() {
        return Err(format!("{BIN} is missing (`.ci/setup bench` installs it)"));
    }
    if !crate::is_root() {
        return Err("starting it as user _rspamd needs root".into());
    }
    let dir = crate::work_dir("bench-rspamd-")?;
    let root = dir.path();
    let port = crate::free_port()?;
    let conf = path(root, "rspamd.conf");
    let vars = prepare(root, port, dns).await?;
    let mut args = vec!["-f", "-c", &conf, "-u", "_rspamd", "-g", "_rspamd"];
    args.extend(vars.iter().map(String::as_str));
    let mut daemon = Daemon::spawn(BIN, &args, &root.join("rspamd.out"))?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let log = root.join("log/rspamd.log");
    let hyperscan = match ready(&mut daemon, &client, &base, &log).await {
        Ok(h) => h,
        Err(e) => {
            daemon.stop().await;
            return Err(e);
        }
    };
    let mut scanned = scan(corpus, plan, &client, &base).await;
    scanned.hyperscan = hyperscan;
    daemon.stop().await;
    Ok(scanned)
}

/// Lays out the instance's directories and configuration under `root`; the `--var`
/// arguments that point rspamd at them.
async fn prepare(root: &Path, port: u16, dns: SocketAddr) -> Result<Vec<String>, String> {
    let local = root.join("local/local.d");
    for sub in ["local/local.d", "db", "run", "log"] {
        fs::create_dir_all(root.join(sub)).map_err(|e| e.to_string())?;
    }
    let files = [
        (root.join("rspamd.conf"), config(port)),
        (
            local.join("options.inc"),
            format!("dns {{ nameserver = [\"{dns}\"]; }}\n"),
        ),
        // The fuzzy module asks rspamd.com's servers, which no machine here can reach.
        (local.join("fuzzy_check.conf"), "enabled = false;\n".into()),
    ];
    for (file, content) in files {
        fs::write(file, content).map_err(|e| e.to_string())?;
    }
    let vars: Vec<String> = [
        ("LOCAL_CONFDIR", "local"),
        ("DBDIR", "db"),
        ("RUNDIR", "run"),
        ("LOGDIR", "log"),
    ]
    .iter()
    .map(|(var, sub)| format!("--var={var}={}", path(root, sub)))
    .collect();
    check_dns(&path(root, "rspamd.conf"), &vars, dns).await?;
    // Last: whatever the check above left there is the workers' too.
    let owned = ["db", "run", "log"].map(|sub| path(root, sub));
    let mut chown = vec!["-R", "_rspamd:_rspamd"];
    chown.extend(owned.iter().map(String::as_str));
    crate::command("chown", &chown).await?;
    Ok(vars)
}

/// Refuses to start rspamd unless its configuration, as rspamd reads it, sends every name
/// lookup to `dns`: a second `dns` section would be ignored, and rspamd would ask the
/// system's resolver instead, off this machine, and wait out its timeouts.
async fn check_dns(conf: &str, vars: &[String], dns: SocketAddr) -> Result<(), String> {
    let mut args: Vec<&str> = vars.iter().map(String::as_str).collect();
    args.extend(["configdump", "-c", conf, "options"]);
    let dump = crate::command("/usr/bin/rspamadm", &args).await?;
    let sections = dump.matches("dns {").count();
    if sections != 1 || !dump.contains(&format!("\"{dns}\"")) {
        return Err(format!(
            "its configuration does not send name lookups to {dns} alone ({sections} dns sections)"
        ));
    }
    Ok(())
}

fn path(root: &Path, sub: &str) -> String {
    root.join(sub).to_string_lossy().into_owned()
}

/// Debian's configuration (`$CONFDIR`, /etc/rspamd) with the normal worker alone, on
/// loopback; its local settings (`$LOCAL_CONFDIR/local.d`) come from the temp directory,
/// merged as Debian's own rspamd.conf merges them.
fn config(port: u16) -> String {
    format!(
        r#".include "$CONFDIR/common.conf"
options {{
    pidfile = "$RUNDIR/rspamd.pid";
    .include "$CONFDIR/options.inc"
    .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
}}
logging {{
    type = "file";
    filename = "$LOGDIR/rspamd.log";
    .include "$CONFDIR/logging.inc"
}}
worker "normal" {{
    bind_socket = "127.0.0.1:{port}";
    count = {WORKERS};
    .include "$CONFDIR/worker-normal.inc"
}}
"#
    )
}

/// Waits until the worker answers `/ping` and every worker has loaded its Hyperscan
/// database (a production rspamd keeps it across restarts); false when the database did not
/// come within the limit.
async fn ready(
    daemon: &mut Daemon,
    client: &reqwest::Client,
    base: &str,
    log: &Path,
) -> Result<bool, String> {
    let started = Instant::now();
    loop {
        if let Some(status) = daemon.exited() {
            return Err(format!("rspamd exited ({status}); see {}", log.display()));
        }
        let pong = match client.get(format!("{base}/ping")).send().await {
            Ok(r) => r.text().await.unwrap_or_default().trim() == "pong",
            Err(_) => false,
        };
        if pong {
            let text = fs::read_to_string(log).unwrap_or_default();
            let loaded = text
                .lines()
                .filter(|l| {
                    l.contains("(normal)")
                        && l.contains("hyperscan database")
                        && l.contains("has been loaded")
                })
                .count();
            if loaded >= WORKERS {
                return Ok(true);
            }
        }
        if started.elapsed() > START_LIMIT {
            return if pong {
                Ok(false)
            } else {
                Err(format!(
                    "rspamd did not answer within {} s",
                    START_LIMIT.as_secs()
                ))
            };
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The plan's messages from `plan.connections` clients, each one scan at a time, with the
/// envelope the portal gets (client IP, HELO, sender, recipient).
async fn scan(corpus: &Arc<Corpus>, plan: Plan, client: &reqwest::Client, base: &str) -> Scanned {
    let started = Instant::now();
    let url = format!("{base}/checkv2");
    let lanes: Vec<_> = (0..plan.connections)
        .map(|lane| {
            let (corpus, client, url) = (corpus.clone(), client.clone(), url.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut actions = BTreeMap::<String, usize>::new();
                let mut n = lane;
                while n < plan.messages && started.elapsed() < plan.time_limit {
                    let t = Instant::now();
                    let action = check(&client, &url, &corpus.nth(n).text, lane).await;
                    latencies.push(t.elapsed());
                    *actions.entry(action).or_default() += 1;
                    n += plan.connections;
                }
                (latencies, actions)
            })
        })
        .collect();
    let mut scanned = Scanned {
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
        actions: BTreeMap::new(),
        failed: 0,
        hyperscan: true,
    };
    for lane in lanes {
        let Ok((latencies, actions)) = lane.await else {
            continue;
        };
        scanned.latencies.extend(latencies);
        for (action, n) in actions {
            *scanned.actions.entry(action).or_default() += n;
        }
    }
    scanned.elapsed = started.elapsed();
    scanned.failed = scanned.actions.remove("(failed)").unwrap_or(0);
    scanned
}

/// One scan; rspamd's action, or `(failed)`.
async fn check(client: &reqwest::Client, url: &str, message: &[u8], lane: usize) -> String {
    let answer = client
        .post(url)
        .header("IP", "127.0.0.1")
        .header("Helo", "bench.client")
        .header("From", SENDER)
        .header("Rcpt", portal::mailbox(lane))
        .body(message.to_vec())
        .send()
        .await;
    let body = match answer {
        Ok(r) if r.status().is_success() => r.bytes().await.ok(),
        _ => None,
    };
    body.and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["action"].as_str().map(str::to_string))
        .unwrap_or_else(|| "(failed)".to_string())
}
