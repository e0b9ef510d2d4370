//! Notifications through a configured SMTP relay: a real SMTP server (Python's aiosmtpd,
//! installed by `make test`) receives the password reset mail into a Maildir.

use crate::harness::Portal;
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

/// An aiosmtpd server on a free loopback port, storing what it receives in a Maildir.
struct Relay {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Relay {
    async fn start() -> Relay {
        let maildir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (make test installs it)");
        // Owned at once, so that `Drop` reaps the process on every path.
        let relay = Relay {
            child,
            port,
            maildir,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return relay;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// The messages that reached the relay, but the security notices (setting the recovery
    /// address sends one; `security.rs` tests them).
    fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .filter(|m| !m.contains("Subject: Security notice"))
            .collect()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_reset_link_is_sent_through_the_configured_relay() {
    let relay = Relay::start().await;
    let port = relay.port;
    let p = Portal::start_with(|c| {
        c.notify.smtp_relay = Some(format!("127.0.0.1:{port}"));
        c.notify.from = "Mail Portal <noreply@example.test>".into();
    })
    .await;
    p.add_domain("example.test").await;
    p.add_user_with_recovery("rita@example.test", "rita@elsewhere.test")
        .await;

    assert_eq!(
        p.call("reset/request", None, &[("email", "rita@example.test")])
            .await
            .status,
        200
    );
    let mut mail = Vec::new();
    for _ in 0..100 {
        mail = relay.received();
        if !mail.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mail.len(), 1, "one message reached the relay");
    let m = &mail[0];
    assert!(m.contains("To: rita@elsewhere.test"), "{m}");
    assert!(
        m.contains("From: \"Mail Portal\" <noreply@example.test>"),
        "{m}"
    );
    assert!(m.contains("/reset-password/"), "{m}");
    assert!(
        !p.data.path().join("outbox").exists(),
        "nothing went to the outbox"
    );
    p.stop().await;
}
