//! The SPF evaluator, on records and DNS answers the sender controls.
//!
//! Whoever sends a message picks the domain whose record is evaluated and runs the DNS
//! zone that answers, so the fuzzer plays both. The input is a small zone, one entry a line:
//!
//! ```text
//! ip 192.0.2.7                       the client (default 192.0.2.1)
//! from alice@example.test            MAIL FROM (empty: a bounce; the HELO name is checked)
//! helo mail.example.test
//! txt example.test v=spf1 mx -all    a TXT record
//! a mail.example.test 192.0.2.7      an A or AAAA record
//! mx example.test mail.example.test  an MX name (`.` is a null MX)
//! ptr 192.0.2.7 mail.example.test    a PTR name
//! fail slow.example.test             every query for the name fails (SERVFAIL)
//! hang slow.example.test             no query for the name is ever answered
//! ```
//!
//! The check must end, within its deadline, with a result, and never ask more questions
//! than RFC 7208's limits allow: a record that could make one message cost hundreds of
//! queries would turn the portal into a DNS amplifier aimed at a third party.
#![no_main]

use app::backend::mail::spf::{check, DnsError, Lookup, SpfResult};
use libfuzzer_sys::fuzz_target;
use std::{cell::Cell, net::IpAddr, time::Duration};

/// 10 DNS-querying terms, each at most one query and 10 address lookups (mx, ptr), plus the
/// first TXT query (RFC 7208 §4.6.4).
const MAX_QUERIES: usize = 1 + 10 * 11;
const DEADLINE: Duration = Duration::from_secs(5);
/// Tokio's timers round up to the millisecond.
const TIMER_TICK: Duration = Duration::from_millis(1);

thread_local! {
    /// Paused: the clock jumps to the next timer when every task waits, so a `hang` costs
    /// no real time and the deadline is checked exactly.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime");
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let zone = Zone::read(&text);
    RUNTIME.with(|runtime| {
        runtime.block_on(async {
            let started = tokio::time::Instant::now();
            let verdict = check(&zone, zone.client, zone.sender, zone.helo, DEADLINE).await;
            // Answers come at once or never: time passes only when the deadline ends it.
            let took = started.elapsed();
            if took > Duration::ZERO {
                assert!(took <= DEADLINE + TIMER_TICK, "took {took:?}: {verdict:?}");
                assert_eq!(verdict.result, SpfResult::TempError, "{verdict:?}");
            }
            let queries = zone.queries.get();
            assert!(queries <= MAX_QUERIES, "{queries} queries: {verdict:?}");
        })
    });
});

struct Zone<'a> {
    client: IpAddr,
    sender: &'a str,
    helo: &'a str,
    entries: Vec<(&'a str, &'a str, &'a str)>,
    queries: Cell<usize>,
}

impl<'a> Zone<'a> {
    fn read(text: &'a str) -> Self {
        let mut zone = Zone {
            client: IpAddr::from([192, 0, 2, 1]),
            sender: "",
            helo: "",
            entries: Vec::new(),
            queries: Cell::new(0),
        };
        for line in text.lines() {
            let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
            match kind {
                "ip" => zone.client = rest.parse().unwrap_or(zone.client),
                "from" => zone.sender = rest,
                "helo" => zone.helo = rest,
                _ => {
                    let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
                    zone.entries.push((kind, name, value));
                }
            }
        }
        zone
    }

    /// The values of `kind` at `name`, as the resolver would answer: records, no such
    /// records, a failure, or nothing ever.
    async fn answer(&self, kind: &str, name: &str) -> Result<Vec<&'a str>, DnsError> {
        self.queries.set(self.queries.get() + 1);
        let name = name.strip_suffix('.').unwrap_or(name);
        let at = |entry: &&(&str, &str, &str)| {
            let owner = entry.1.strip_suffix('.').unwrap_or(entry.1);
            owner.eq_ignore_ascii_case(name)
        };
        let entries = || self.entries.iter().filter(at);
        if entries().any(|entry| entry.0 == "hang") {
            std::future::pending::<()>().await;
        }
        if entries().any(|entry| entry.0 == "fail") {
            return Err(DnsError::Temporary("SERVFAIL".into()));
        }
        let values: Vec<&str> = entries()
            .filter(|entry| entry.0 == kind)
            .map(|entry| entry.2)
            .collect();
        if values.is_empty() {
            return Err(DnsError::NotFound);
        }
        Ok(values)
    }

    /// Host names as the resolver gives them: lower case, without the trailing dot.
    fn hosts(values: Vec<&str>) -> Vec<String> {
        values
            .iter()
            .map(|host| host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase())
            .collect()
    }
}

impl Lookup for Zone<'_> {
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let texts = self.answer("txt", name).await?;
        Ok(texts.into_iter().map(str::to_string).collect())
    }

    async fn addrs(&self, name: &str, v6: bool) -> Result<Vec<IpAddr>, DnsError> {
        let addrs: Vec<IpAddr> = self
            .answer("a", name)
            .await?
            .iter()
            .filter_map(|addr| addr.parse().ok())
            .filter(|addr: &IpAddr| addr.is_ipv6() == v6)
            .collect();
        if addrs.is_empty() {
            return Err(DnsError::NotFound);
        }
        Ok(addrs)
    }

    async fn mx(&self, name: &str) -> Result<Vec<String>, DnsError> {
        Ok(Self::hosts(self.answer("mx", name).await?))
    }

    async fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        Ok(Self::hosts(self.answer("ptr", &ip.to_string()).await?))
    }
}
