//! A real DNS server for the tests that look names up: Debian's dnsmasq on loopback,
//! answering the TXT records a test gives it and REFUSED for every other name (it has no
//! upstream server).

use std::{
    net::{SocketAddr, TcpStream, UdpSocket},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// dnsmasq answering the given TXT records on 127.0.0.1; stopped when dropped.
pub struct Dns(Child);

impl Dns {
    /// dnsmasq on `addr`, which the test chose (and may have told the portal) beforehand.
    pub fn start(addr: SocketAddr, txt: &[(&str, &str)]) -> Dns {
        Dns::try_start(addr, txt).unwrap_or_else(|| panic!("dnsmasq could not bind {addr}"))
    }

    /// dnsmasq on whichever free port it gets first: a port found free may be taken by
    /// another test before dnsmasq binds it.
    pub fn anywhere(txt: &[(&str, &str)]) -> (Dns, SocketAddr) {
        for _ in 0..10 {
            let addr = free_port();
            if let Some(dns) = Dns::try_start(addr, txt) {
                return (dns, addr);
            }
        }
        panic!("dnsmasq found no free port");
    }

    /// `None` when dnsmasq exits, as it does when the port is taken.
    fn try_start(addr: SocketAddr, txt: &[(&str, &str)]) -> Option<Dns> {
        let mut args = vec![
            "--keep-in-foreground".to_string(),
            "--conf-file=/dev/null".into(),
            "--no-resolv".into(),
            "--no-hosts".into(),
            "--listen-address=127.0.0.1".into(),
            "--bind-interfaces".into(),
            "--pid-file=".into(),
            format!("--port={}", addr.port()),
        ];
        args.extend(
            txt.iter()
                .map(|(name, text)| format!("--txt-record={name},{text}")),
        );
        let mut child = Command::new("/usr/sbin/dnsmasq")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dnsmasq (Debian's dnsmasq-base; make test installs it)");
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if let Ok(Some(_)) = child.try_wait() {
                return None;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "dnsmasq did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Dns(child))
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A loopback port nothing listens on (until a test starts a server there).
pub fn free_port() -> SocketAddr {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}
