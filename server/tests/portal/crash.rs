//! A message answered with 250 is never lost: the server is killed with SIGKILL while
//! clients are sending and the queue is delivering, restarted on the same data directory,
//! and every accepted message is found delivered: exactly once into the local mailbox, and
//! at the SDR peer once — or twice for a copy whose 250 was on its way at the kill.

use crate::{dns::Dns, smtp::Peer};
use app::backend::store::db;
use std::{
    collections::HashMap,
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

const BIN: &str = env!("CARGO_BIN_EXE_mailportal");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn command(data: &Path, args: &[&str], stdin: &str) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", data)
        .env("MAILPORTAL_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "mailportal {args:?}");
}

fn serve(data: &Path, smtp: SocketAddr, dns: SocketAddr) -> Child {
    let http = free_port();
    let child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", data)
        .env("MAILPORTAL_LOG", "warn")
        .env("MAILPORTAL_HTTP_ADDR", format!("127.0.0.1:{http}"))
        .env("MAILPORTAL_PUBLIC_URL", format!("http://localhost:{http}"))
        .env("MAILPORTAL_SMTP_ADDR", smtp.to_string())
        .env("MAILPORTAL_DNS_RESOLVER", dns.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(smtp).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// Reads one reply (its last line); `None` when the connection is gone.
async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<String> {
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Some(line);
        }
    }
}

/// Sends messages numbered from `first` on one connection until it breaks; records each
/// message's outcome: true when it got 250 after DATA.
async fn sender(
    smtp: SocketAddr,
    first: usize,
    count: usize,
    outcome: Arc<Mutex<HashMap<usize, bool>>>,
) {
    let Ok(stream) = TcpStream::connect(smtp).await else {
        return;
    };
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    if reply(&mut read).await.is_none() {
        return;
    }
    write.write_all(b"EHLO crash.example.org\r\n").await.ok();
    if reply(&mut read).await.is_none() {
        return;
    }
    for n in first..first + count {
        outcome.lock().unwrap().insert(n, false);
        let head = "MAIL FROM:<ann@sender.example.org>\r\nRCPT TO:<alice@example.test>\r\n\
                    RCPT TO:<copy@example.test>\r\nDATA\r\n";
        if write.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..4 {
            match reply(&mut read).await {
                Some(r) if r.starts_with('2') || r.starts_with('3') => {}
                _ => return,
            }
        }
        let body = format!(
            "Message-ID: <m{n}@sender.example.org>\r\nSubject: number {n}\r\n\r\n{}\r\n.\r\n",
            "Some text to make the message a realistic size.\r\n".repeat(40)
        );
        if write.write_all(body.as_bytes()).await.is_err() {
            return;
        }
        match reply(&mut read).await {
            Some(r) if r.starts_with("250") => {
                outcome.lock().unwrap().insert(n, true);
            }
            _ => return,
        }
    }
}

/// How many times each message id occurs in the files of `dir` (recursively).
fn message_ids(dir: &Path, counts: &mut HashMap<usize, usize>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("tmp") {
                message_ids(&path, counts);
            }
            continue;
        }
        // (A file being written is read once it has its final name.)
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "tmp") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(rest) = text.split("Message-ID: <m").nth(1) {
            let n: usize = rest.split('@').next().unwrap().parse().unwrap();
            *counts.entry(n).or_default() += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_mail_survives_sigkill_during_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let peer = Peer::start("accept").await;
    command(data, &["domain", "add", "example.test"], "");
    command(
        data,
        &["user", "add", "alice@example.test"],
        "violet tram quietly sings\n",
    );
    // Split domain routing to the peer: copy@example.test (no mailbox) goes there through
    // the queue. (The screens for it are tested elsewhere.)
    {
        let pool = app::backend::store::open(data).await.unwrap();
        db::query(
            "UPDATE domains SET sdr_enabled = TRUE, sdr_destination = $1 \
             WHERE name = 'example.test'",
        )
        .bind(peer.route())
        .execute(&pool)
        .await
        .unwrap();
        use app::backend::store::portal_settings::{set, Switch};
        set(&pool, Switch::AllowLocalRoutes, true).await.unwrap();
        pool.close().await;
    }
    let smtp = SocketAddr::from(([127, 0, 0, 1], free_port()));
    // A DNS server that knows no names: SPF finds nothing, at once.
    let (_dns, dns) = Dns::anywhere(&[]);
    let mut server = serve(data, smtp, dns);

    // Four clients send; the server is killed once some mail went through.
    let outcome = Arc::new(Mutex::new(HashMap::new()));
    let senders: Vec<_> = (0..4)
        .map(|i| tokio::spawn(sender(smtp, i * 10_000, 2_000, outcome.clone())))
        .collect();
    let started = Instant::now();
    loop {
        let accepted = outcome.lock().unwrap().values().filter(|ok| **ok).count();
        if accepted >= 100 || started.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = Command::new("kill")
        .args(["-KILL", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    server.wait().unwrap();
    for s in senders {
        s.await.unwrap();
    }
    let outcome = outcome.lock().unwrap().clone();
    let accepted: Vec<usize> = outcome
        .iter()
        .filter(|(_, ok)| **ok)
        .map(|(n, _)| *n)
        .collect();
    assert!(accepted.len() >= 100, "only {} accepted", accepted.len());

    // Restarted, the queue delivers what was waiting.
    let mut server = serve(data, smtp, dns);
    let mut at_peer = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        at_peer.clear();
        message_ids(peer.dir.path(), &mut at_peer);
        if accepted.iter().all(|n| at_peer.contains_key(n)) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill().ok();
    server.wait().ok();

    let mut local = HashMap::new();
    message_ids(&data.join("maildir/example.test/alice"), &mut local);
    for n in &accepted {
        assert_eq!(local.get(n), Some(&1), "message {n} in the mailbox");
        assert!(at_peer.contains_key(n), "message {n} at the SDR peer");
    }
    // Not accepted (cut off by the kill): in the mailbox at most once.
    assert!(local.values().all(|c| *c == 1), "{local:?}");
    let twice = at_peer.values().filter(|c| **c > 1).count();
    println!(
        "crash test: {} sent, {} accepted before SIGKILL, all delivered after restart; \
         copies for the peer delivered twice: {twice}",
        outcome.len(),
        accepted.len()
    );
    // A copy whose end of data the peer had taken when the kill came, before its 250 was
    // read here, is sent again: SMTP cannot tell (RFC 5321 §6.1 accepts such duplicates).
    // Only copies under way can be: the queue sends at most 32 at once.
    assert!(twice <= 32, "{twice} copies sent twice");
}
