//! Relay domains and their routes (ordered, at least one, tested over SMTP against a real
//! server on loopback: Python's aiosmtpd), split domain routing, domain aliases, and the
//! refusal of destinations on this machine unless a master admin allows them.

use crate::harness::{error_of, Answer, Portal};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;
use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

/// aiosmtpd on a free loopback port, discarding what it receives.
struct Sink(Child, u16);

impl Sink {
    async fn start() -> Sink {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Sink",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (make test installs it)");
        let sink = Sink(child, port);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return sink;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start");
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn json(a: &Answer) -> Value {
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

fn reason(a: &Answer) -> String {
    let e = error_of(a);
    e["Invalid"]["reason"]
        .as_str()
        .or(e["NotAllowed"].as_str())
        .unwrap_or_default()
        .to_string()
}

async fn domain_id(p: &Portal, cookie: &str, name: &str) -> i64 {
    let list = json(&p.call("admin/domains", Some(cookie), &[]).await);
    list["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {list}"))["id"]
        .as_i64()
        .unwrap()
}

async fn routes(p: &Portal, cookie: &str, domain: i64) -> Vec<(i64, String)> {
    let r = json(
        &p.call(
            "routes/list",
            Some(cookie),
            &[("domain", &domain.to_string())],
        )
        .await,
    );
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["destination"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_relay_domain_keeps_ordered_tested_routes() {
    let p = Portal::start().await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;
    let sink = Sink::start().await;
    let sink_route = format!("127.0.0.1:{}", sink.1);

    // A relay domain needs its first route, and it may not be this machine…
    let add = |dest: String| {
        let (p, boss) = (&p, boss.clone());
        async move {
            p.call(
                "domains/add",
                Some(&boss),
                &[
                    ("name", "relay.test"),
                    ("kind", "relay"),
                    ("destination", &dest),
                ],
            )
            .await
        }
    };
    let a = add(String::new()).await;
    assert!(reason(&a).contains("Enter a server"), "{}", a.body);
    for local in [
        sink_route.as_str(),
        "localhost:2525",
        "[::1]:25",
        "169.254.169.254:25",
    ] {
        let a = add(local.to_string()).await;
        assert_eq!(a.status, 400, "{local}: {}", a.body);
        assert!(
            reason(&a).contains("on this machine or its local link"),
            "{local}: {}",
            a.body
        );
    }
    // …unless a master admin allows it (a test set-up); the portal itself never.
    let a = p
        .call("routes/allow_local", Some(&boss), &[("allow", "true")])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let own = p.base.trim_start_matches("http://localhost:").to_string();
    let a = add(format!("127.0.0.1:{own}")).await;
    assert!(reason(&a).contains("is this portal itself"), "{}", a.body);
    let a = add(sink_route.clone()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let relay = domain_id(&p, &boss, "relay.test").await;
    let r = relay.to_string();

    // More routes, no repeats, in order; reordered.
    for dest in ["mx2.example.org", "192.0.2.10:2525"] {
        let a = p
            .call(
                "routes/add",
                Some(&boss),
                &[("domain", &r), ("destination", dest)],
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let a = p
        .call(
            "routes/add",
            Some(&boss),
            &[("domain", &r), ("destination", "MX2.example.org:25")],
        )
        .await;
    assert!(reason(&a).contains("already a route"), "{}", a.body);
    let list = routes(&p, &boss, relay).await;
    let names: Vec<&str> = list.iter().map(|(_, d)| d.as_str()).collect();
    assert_eq!(
        names,
        [sink_route.as_str(), "mx2.example.org:25", "192.0.2.10:2525"]
    );
    let last = list[2].0.to_string();
    let a = p
        .call(
            "routes/move",
            Some(&boss),
            &[("id", &last), ("direction", "up")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let names: Vec<String> = routes(&p, &boss, relay)
        .await
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(
        names,
        [sink_route.as_str(), "192.0.2.10:2525", "mx2.example.org:25"]
    );

    // Test: the sink answers EHLO; a closed port does not.
    let sink_id = list[0].0.to_string();
    let t = json(
        &p.call("routes/test", Some(&boss), &[("id", &sink_id)])
            .await,
    );
    assert_eq!(t["ok"], true, "{t}");
    let transcript: Vec<&str> = t["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        transcript.iter().any(|l| l.starts_with("S: 220")),
        "{transcript:?}"
    );
    assert!(transcript.contains(&"C: EHLO localhost"), "{transcript:?}");
    assert!(
        transcript.iter().any(|l| l.starts_with("S: 250")),
        "{transcript:?}"
    );
    assert!(
        transcript.iter().any(|l| l.starts_with("S: 221")),
        "{transcript:?}"
    );
    let closed = format!("127.0.0.1:{}", free_port());
    let a = p
        .call(
            "routes/add",
            Some(&boss),
            &[("domain", &r), ("destination", &closed)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let closed_id = routes(&p, &boss, relay).await[3].0.to_string();
    let t = json(
        &p.call("routes/test", Some(&boss), &[("id", &closed_id)])
            .await,
    );
    assert_eq!(t["ok"], false, "{t}");
    assert!(t["transcript"].to_string().contains("Failed"), "{t}");

    // Local routes refused again: a saved one is not even tested.
    let a = p
        .call("routes/allow_local", Some(&boss), &[("allow", "false")])
        .await;
    assert_eq!(a.status, 200);
    let t = json(
        &p.call("routes/test", Some(&boss), &[("id", &sink_id)])
            .await,
    );
    assert_eq!(t["ok"], false);
    assert!(
        t["transcript"][0]
            .as_str()
            .unwrap()
            .starts_with("Not tested:"),
        "{t}"
    );

    // At least one route remains.
    for (id, _) in routes(&p, &boss, relay).await.into_iter().skip(1) {
        let a = p
            .call("routes/delete", Some(&boss), &[("id", &id.to_string())])
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let a = p
        .call("routes/delete", Some(&boss), &[("id", &sink_id)])
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(reason(&a).contains("at least one route"), "{}", a.body);

    // A relay domain has no mailboxes; a hosted one has no routes.
    let a = p
        .call(
            "mailboxes/add",
            Some(&boss),
            &[
                ("domain", &r),
                ("local_part", "x"),
                ("display_name", ""),
                ("password", crate::harness::PASSWORD),
                ("quota", ""),
            ],
        )
        .await;
    assert!(
        reason(&a).contains("relayed to another server"),
        "{}",
        a.body
    );
    let hosted = p.add_domain("hosted.test").await;
    let a = p
        .call(
            "routes/list",
            Some(&boss),
            &[("domain", &hosted.to_string())],
        )
        .await;
    assert!(reason(&a).contains("not a relay domain"), "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn split_domain_routing_and_domain_aliases_belong_to_their_domain() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("tom@two.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@one.test").await;
    let tom = p.sign_in("tom@two.test").await;
    let one_s = one.to_string();

    // SDR: on needs a destination, which may not be local; off keeps nothing else.
    let set = |cookie: String, domain: String, enabled: &'static str, dest: &'static str| {
        let p = &p;
        async move {
            p.call(
                "sdr/set",
                Some(&cookie),
                &[
                    ("domain", &domain),
                    ("enabled", enabled),
                    ("destination", dest),
                ],
            )
            .await
        }
    };
    let a = set(dora.clone(), one_s.clone(), "true", "").await;
    assert!(reason(&a).contains("Enter a server"), "{}", a.body);
    let a = set(dora.clone(), one_s.clone(), "true", "127.0.0.1:25").await;
    assert!(reason(&a).contains("local link"), "{}", a.body);
    let a = set(
        dora.clone(),
        one_s.clone(),
        "true",
        "Exchange.one.test:2525",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let s = json(&p.call("sdr/get", Some(&dora), &[("domain", &one_s)]).await);
    assert_eq!(
        (s["enabled"].as_bool(), s["destination"].as_str()),
        (Some(true), Some("exchange.one.test:2525"))
    );
    assert_eq!(
        set(dora.clone(), one_s.clone(), "false", "").await.status,
        200
    );
    assert_eq!(
        json(&p.call("sdr/get", Some(&dora), &[("domain", &one_s)]).await)["enabled"],
        false
    );

    // A domain alias of dora's domain: listed for her with its record, not for tom.
    let a = p
        .call(
            "domains/aliases/add",
            Some(&dora),
            &[("domain", &one_s), ("name", "One.Example")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p
        .call(
            "domains/aliases/add",
            Some(&dora),
            &[("domain", &one_s), ("name", "two.test")],
        )
        .await;
    assert!(reason(&a).contains("exists already"), "{}", a.body);
    let aliases = json(
        &p.call("domains/aliases", Some(&dora), &[("domain", &one_s)])
            .await,
    );
    let row = &aliases["rows"][0];
    assert_eq!(
        (row["name"].as_str(), row["kind"].as_str()),
        (Some("one.example"), Some("Alias"))
    );
    assert!(row["verification_token"].as_str().is_some());
    assert!(row["verified_at"].is_null());
    let alias = row["id"].as_i64().unwrap().to_string();
    let mine = json(&p.call("admin/domains", Some(&dora), &[]).await).to_string();
    assert!(mine.contains("one.example"), "{mine}");
    assert!(!json(&p.call("admin/domains", Some(&tom), &[]).await)
        .to_string()
        .contains("one.example"));
    // The alias has no mailboxes of its own.
    let a = p
        .call(
            "mailboxes/add",
            Some(&dora),
            &[
                ("domain", &alias),
                ("local_part", "x"),
                ("display_name", ""),
                ("password", crate::harness::PASSWORD),
                ("quota", ""),
            ],
        )
        .await;
    assert!(reason(&a).contains("it is an alias"), "{}", a.body);

    // Tom reaches none of dora's: each call 403.
    for (endpoint, form) in [
        ("sdr/get", vec![("domain", one_s.as_str())]),
        (
            "sdr/set",
            vec![
                ("domain", one_s.as_str()),
                ("enabled", "false"),
                ("destination", ""),
            ],
        ),
        ("domains/aliases", vec![("domain", one_s.as_str())]),
        (
            "domains/aliases/add",
            vec![("domain", one_s.as_str()), ("name", "evil.test")],
        ),
        ("domains/aliases/delete", vec![("id", alias.as_str())]),
        ("domains/verify", vec![("id", alias.as_str())]),
        ("routes/list", vec![("domain", one_s.as_str())]),
        (
            "routes/add",
            vec![("domain", one_s.as_str()), ("destination", "mx.evil.test")],
        ),
        ("routes/allow_local", vec![("allow", "true")]),
    ] {
        let a = p.call(endpoint, Some(&tom), &form).await;
        assert_eq!(a.status, 403, "{endpoint}: {}", a.body);
    }
    // Nor may a domain admin delete a domain that is not an alias.
    let a = p
        .call("domains/aliases/delete", Some(&dora), &[("id", &one_s)])
        .await;
    assert!(reason(&a).contains("not a domain alias"), "{}", a.body);

    let a = p
        .call("domains/aliases/delete", Some(&dora), &[("id", &alias)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        json(
            &p.call("domains/aliases", Some(&dora), &[("domain", &one_s)])
                .await
        )["rows"],
        serde_json::json!([])
    );
    let logged: Vec<String> = db::query_scalar(
        "SELECT action || ' ' || detail FROM audit_log WHERE actor = 'dora@one.test' \
         AND action IN ('sdr_changed', 'domain_created', 'domain_deleted') ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        logged,
        [
            "sdr_changed one.test: on, other local parts to exchange.one.test:2525",
            "sdr_changed one.test: off",
            "domain_created one.example (alias of one.test)",
            "domain_deleted one.example (alias of one.test)",
        ]
    );
    p.stop().await;
}
