//! Real peers on the login check: Debian's nginx (mail module) as an IMAP proxy asks
//! `/auth/mail`, then hands granted logins to Debian's Dovecot; curl is the IMAP client.
//! Dovecot trusts the proxy (any password passes there), so every decision seen here is
//! the portal's.

use crate::harness::{Portal, PASSWORD};
use app::backend::store::db;
use app::{backend::store, model::Role};
use std::{
    net::TcpListener,
    os::unix::process::CommandExt,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const ALICE: &str = "alice@example.test";
/// A second loopback address stands in for the webmail host.
const WEBMAIL: &str = "127.0.0.2";

/// A server process that is stopped when the test ends, however it ends. Dovecot's
/// peers lead a process group of their own, killed whole: a killed master alone leaves
/// its children serving the connections they have.
pub(crate) struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn wait_for(what: &str, log: &Path, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn wait_for_port(port: u16, what: &str, log: &Path) {
    wait_for(what, log, || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// Debian's Dovecot with its state under `dir`: mailboxes in `<dir>/home/<address>/Maildir`,
/// `userdb` naming who exists, and `services` (the `protocols` line and service blocks). Its
/// log is `<dir>/dovecot.log`; the caller waits for the listener it needs. Any password
/// passes.
pub(crate) fn dovecot_with(dir: &Path, userdb: &str, services: &str) -> Peer {
    dovecot_checking(
        dir,
        "driver = static\n  args = nopassword=y",
        userdb,
        services,
    )
}

/// `dovecot_with`, with `passdb` (the block's body) deciding which passwords pass.
pub(crate) fn dovecot_checking(dir: &Path, passdb: &str, userdb: &str, services: &str) -> Peer {
    for sub in ["run", "state", "home"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    // Mail processes run as the dovecot user; its home must be theirs.
    Command::new("chown")
        .args(["dovecot:dovecot", dir.join("home").to_str().unwrap()])
        .status()
        .unwrap();
    let d = dir.display();
    let conf = format!(
        "{services}\nfirst_valid_uid = 100\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\n\
         log_path = {d}/dovecot.log\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
         mail_location = maildir:~/Maildir\ndefault_internal_user = dovecot\ndefault_login_user = dovenull\n\
         passdb {{\n  {passdb}\n}}\n\
         userdb {{\n  {userdb}\n  default_fields = uid=dovecot gid=dovecot home={d}/home/%u\n}}\n\
         service anvil {{\n  chroot =\n}}\n"
    );
    let path = dir.join("dovecot.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("dovecot")
        .args(["-F", "-c", path.to_str().unwrap()])
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Debian's dovecot (make test installs dovecot-imapd and dovecot-lmtpd)");
    Peer(child)
}

/// Dovecot's IMAP on `port`, where anyone exists and any password passes.
fn dovecot(dir: &Path, port: u16) -> Peer {
    let services = format!(
        "protocols = imap\n\
         service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n}}"
    );
    let peer = dovecot_with(dir, "driver = static", &services);
    wait_for_port(port, "dovecot", &dir.join("dovecot.log"));
    peer
}

fn nginx(dir: &Path, port: u16, portal: &str) -> Peer {
    let d = dir.display();
    let conf = format!(
        "load_module /usr/lib/nginx/modules/ngx_mail_module.so;\ndaemon off;\npid {d}/nginx.pid;\n\
         error_log {d}/nginx-error.log info;\nevents {{ worker_connections 64; }}\n\
         mail {{\n  server_name localhost;\n  auth_http {portal}/auth/mail;\n  proxy_pass_error_message on;\n\
           server {{\n    listen 127.0.0.1:{port};\n    protocol imap;\n    imap_auth plain login;\n  }}\n}}\n"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("nginx")
        .args(["-c", path.to_str().unwrap(), "-p", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Debian's nginx with the mail module (make test installs libnginx-mod-mail)");
    let peer = Peer(child);
    wait_for_port(port, "nginx", &dir.join("nginx-error.log"));
    peer
}

/// An IMAP login through nginx with curl, from `from`; true when it got in.
fn imap_login(port: u16, from: &str, password: &str) -> bool {
    let status = Command::new("curl")
        .args(["-sS", "--max-time", "20", "--interface", from])
        .arg(format!("imap://127.0.0.1:{port}/"))
        .args(["-u", &format!("{ALICE}:{password}"), "-X", "NOOP"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    status.success()
}

#[tokio::test]
async fn nginx_and_dovecot_follow_the_portals_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let (imap_port, proxy_port) = (free_port(), free_port());
    let p = Portal::start_with(|c| {
        c.mail_auth.imap_backend = format!("127.0.0.1:{imap_port}").parse().unwrap();
        c.mail_auth.webmail_ips = vec![WEBMAIL.into()];
    })
    .await;
    p.add_domain("example.test").await;
    p.add_user(ALICE, Role::MailUser).await;
    let _dovecot = dovecot(dir.path(), imap_port);
    let _nginx = nginx(
        dir.path(),
        proxy_port,
        p.base
            .trim_start_matches("http://")
            .replace("localhost", "127.0.0.1")
            .as_str(),
    );
    let login = |from: &'static str, password: String| {
        tokio::task::spawn_blocking(move || imap_login(proxy_port, from, &password))
    };

    assert!(
        login("127.0.0.1", PASSWORD.into()).await.unwrap(),
        "the account password, without 2FA"
    );

    let cookie = p.sign_in(ALICE).await;
    let device = p.new_device_password(&cookie, &["imap"], "").await;
    p.enable_totp(&cookie).await;
    assert!(
        !login("127.0.0.1", PASSWORD.into()).await.unwrap(),
        "the account password once 2FA is on"
    );
    assert!(
        login("127.0.0.1", device.clone()).await.unwrap(),
        "the device password"
    );

    let id: i64 = db::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(ALICE)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    store::accounts::set_mail_access(&p.backend.pool, id, false)
        .await
        .unwrap();
    assert!(
        !login("127.0.0.1", device.clone()).await.unwrap(),
        "non-webmail access off"
    );
    assert!(
        login(WEBMAIL, device.clone()).await.unwrap(),
        "from the webmail host"
    );
    store::accounts::set_mail_access(&p.backend.pool, id, true)
        .await
        .unwrap();

    p.revoke_newest_device_password(&cookie).await;
    assert!(
        !login("127.0.0.1", device).await.unwrap(),
        "a revoked device password"
    );
    p.stop().await;
}
