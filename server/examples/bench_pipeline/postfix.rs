//! Postfix from Debian as a peer: a separate instance (its own configuration, queue and data
//! directories in a temp directory) listening on a loopback port, taking the same messages
//! into Maildir through its virtual delivery agent, sent by Postfix's own `smtp-source`.
//!
//! `smtp-source -F` sends one file per run, `-m` times. So each corpus message is one run
//! of `smtp-source -d -m <repeats>` (one connection carrying the message that many times,
//! no pipelining, as the portal's clients do), and `CONNECTIONS` lanes run them side by
//! side: the same messages, as often, over as many connections at once as the portal gets.
//! The runs' start-up and their reconnecting are Postfix's side's cost (a few per cent).

use crate::{
    corpus,
    corpus::Corpus,
    portal,
    smtp::{Plan, SENDER},
};
use std::{
    fs,
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};
use tokio::{process::Command, time::Instant};

const POSTFIX: &str = "/usr/sbin/postfix";
const SMTP_SOURCE: &str = "/usr/sbin/smtp-source";
/// How long the queue may go on delivering after the last message was sent.
const DRAIN_LIMIT: Duration = Duration::from_secs(180);
/// Delivery has stopped when no message arrived in this long.
const STALL: Duration = Duration::from_secs(20);

pub struct Delivered {
    /// Messages handed over (runs of `smtp-source` that succeeded × their repeats).
    pub sent: usize,
    /// Runs of `smtp-source` that failed.
    pub failed_runs: usize,
    pub delivered: usize,
    /// From the first message sent to the last one in Maildir.
    pub elapsed: Duration,
}

pub async fn run(corpus: &Arc<Corpus>, plan: Plan) -> Result<Delivered, String> {
    for bin in [POSTFIX, SMTP_SOURCE] {
        if !Path::new(bin).exists() {
            return Err(format!("{bin} is missing (`.ci/setup bench` installs it)"));
        }
    }
    if !crate::is_root() {
        return Err("starting a Postfix instance needs root".into());
    }
    let dir = crate::work_dir("bench-postfix-")?;
    let root = dir.path();
    let vmail = root.join("vmail");
    for sub in ["conf", "queue", "data", "vmail", "messages"] {
        fs::create_dir_all(root.join(sub)).map_err(|e| e.to_string())?;
    }
    let (uid, gid) = user_ids("nobody")?;
    crate::command("chown", &["postfix", &text(&root.join("data"))]).await?;
    crate::command("chown", &[&format!("{uid}:{gid}"), &text(&vmail)]).await?;
    let port = crate::free_port()?;
    write_config(root, port, plan.connections, (uid, gid))?;
    let files = corpus.messages.len().min(plan.messages);
    let repeats = (plan.messages / files).max(1);
    for (i, message) in corpus.messages[..files].iter().enumerate() {
        fs::write(message_file(root, i), corpus::with_lf(&message.text))
            .map_err(|e| e.to_string())?;
    }
    let instance = Instance::start(root).await?;
    crate::smtp::wait_for_greeting(port, Duration::from_secs(30)).await?;
    let started = Instant::now();
    let sources: Vec<_> = (0..plan.connections)
        .map(|lane| {
            let root = root.to_path_buf();
            tokio::spawn(async move {
                lane_runs(&root, port, plan, lane, files, repeats, started).await
            })
        })
        .collect();
    let (mut sent, mut failed_runs) = (0, 0);
    for lane in sources {
        let (s, f) = lane.await.map_err(|e| e.to_string())?;
        sent += s;
        failed_runs += f;
    }
    let (delivered, elapsed) = drain(&vmail, sent, started).await;
    instance.stop().await;
    Ok(Delivered {
        sent,
        failed_runs,
        delivered,
        elapsed,
    })
}

fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn message_file(root: &Path, i: usize) -> PathBuf {
    root.join("messages").join(format!("{i}.eml"))
}

/// The uid and gid of `user` (the owner of the delivered mail).
fn user_ids(user: &str) -> Result<(u32, u32), String> {
    let passwd = fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&user))
        .and_then(|f| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))
        .ok_or_else(|| format!("no user {user} in /etc/passwd"))
}

/// main.cf: Postfix's defaults except where the instance lives, that it listens on loopback
/// only, and that mail for `portal::DOMAIN` goes to Maildir folders; master.cf: Debian's
/// services without chroot, smtpd on `port` in place of port 25.
fn write_config(
    root: &Path,
    port: u16,
    mailboxes: usize,
    (uid, gid): (u32, u32),
) -> Result<(), String> {
    let r = text(root);
    let domain = portal::DOMAIN;
    // The client's name is not looked up in DNS: the portal does not do it either.
    let main = format!(
        "compatibility_level = 3.6\n\
         queue_directory = {r}/queue\n\
         data_directory = {r}/data\n\
         maillog_file = {r}/postfix.log\n\
         maillog_file_prefixes = {r}\n\
         myhostname = mx.postfix.test\n\
         mydomain = postfix.test\n\
         mydestination =\n\
         inet_interfaces = 127.0.0.1\n\
         inet_protocols = ipv4\n\
         mynetworks = 127.0.0.0/8\n\
         smtpd_peername_lookup = no\n\
         alias_maps =\n\
         alias_database =\n\
         message_size_limit = 26214400\n\
         virtual_mailbox_domains = {domain}\n\
         virtual_mailbox_base = {r}/vmail\n\
         virtual_mailbox_maps = texthash:{r}/conf/vmailbox\n\
         virtual_uid_maps = static:{uid}\n\
         virtual_gid_maps = static:{gid}\n"
    );
    let mailboxes: String = (0..mailboxes)
        .map(|n| {
            let address = portal::mailbox(n);
            let local = address.split('@').next().unwrap_or_default();
            format!("{address} {domain}/{local}/\n")
        })
        .collect();
    let master = format!("127.0.0.1:{port} inet n - n - - smtpd\n{SERVICES}");
    for (name, content) in [
        ("main.cf", main),
        ("vmailbox", mailboxes),
        ("master.cf", master),
    ] {
        fs::write(root.join("conf").join(name), content).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Debian's master.cf services (chroot off: the instance's directories are not laid out
/// for one).
const SERVICES: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";

/// One lane: corpus messages `lane`, `lane + connections`, …, one `smtp-source` run each,
/// until they are done or the time is up; (messages sent, failed runs).
async fn lane_runs(
    root: &Path,
    port: u16,
    plan: Plan,
    lane: usize,
    files: usize,
    repeats: usize,
    started: Instant,
) -> (usize, usize) {
    let (repeats_text, target) = (repeats.to_string(), format!("127.0.0.1:{port}"));
    let recipient = portal::mailbox(lane);
    let (mut sent, mut failed) = (0, 0);
    let mut i = lane;
    while i < files && started.elapsed() < plan.time_limit {
        let file = text(&message_file(root, i));
        let status = Command::new(SMTP_SOURCE)
            .args([
                "-A",
                "-d",
                "-s",
                "1",
                "-m",
                &repeats_text,
                "-M",
                "bench.client",
            ])
            .args(["-f", SENDER, "-t", &recipient, "-F", &file, &target])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        match status {
            Ok(s) if s.success() => sent += repeats,
            _ => failed += 1,
        }
        i += plan.connections;
    }
    (sent, failed)
}

/// Waits until `sent` messages are in Maildir, or none came for `STALL`; the count and the
/// time of the last arrival since `started`.
async fn drain(vmail: &Path, sent: usize, started: Instant) -> (usize, Duration) {
    let sending_done = started.elapsed();
    let (mut count, mut at) = (portal::delivered(vmail), started.elapsed());
    loop {
        let now = portal::delivered(vmail);
        if now != count {
            (count, at) = (now, started.elapsed());
        }
        let waited = started.elapsed();
        if count >= sent || waited - at > STALL || waited - sending_done > DRAIN_LIMIT {
            return (count, at);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The running instance; stopped with `postfix stop` (on drop too, when the benchmark
/// fails half-way).
struct Instance {
    conf: String,
    pid_file: PathBuf,
    stopped: bool,
}

impl Instance {
    async fn start(root: &Path) -> Result<Instance, String> {
        let instance = Instance {
            conf: text(&root.join("conf")),
            pid_file: root.join("queue/pid/master.pid"),
            stopped: false,
        };
        if let Err(e) = crate::command(POSTFIX, &["-c", &instance.conf, "start"]).await {
            let log = fs::read_to_string(root.join("postfix.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            return Err(format!("{e}; its log ends: {}", tail.join(" | ")));
        }
        Ok(instance)
    }

    async fn stop(mut self) {
        let master = fs::read_to_string(&self.pid_file)
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok());
        crate::command(POSTFIX, &["-c", &self.conf, "stop"])
            .await
            .ok();
        self.stopped = true;
        let Some(pid) = master else { return };
        let gone = Path::new("/proc").join(pid.to_string());
        let deadline = Instant::now() + Duration::from_secs(15);
        while gone.exists() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if gone.exists() {
            crate::command(POSTFIX, &["-c", &self.conf, "abort"])
                .await
                .ok();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if !self.stopped {
            std::process::Command::new(POSTFIX)
                .args(["-c", &self.conf, "stop"])
                .status()
                .ok();
        }
    }
}
