//! The Domains screen's functions: adding a domain (master admins only), and verifying it
//! against a real DNS server on loopback (Debian's dnsmasq) — found, not found, not
//! reachable, and another domain's admin refused.

use crate::{
    dns::{free_port, Dns},
    harness::Portal,
};
use app::backend::store::db;
use app::model::Role;

/// The domain's id and the TXT text the screen asks to publish.
async fn listed(p: &Portal, cookie: &str, name: &str) -> (i64, String, bool) {
    let a = p.call("admin/domains", Some(cookie), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let rows: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let row = rows["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {}", a.body));
    let token = row["verification_token"].as_str().unwrap();
    (
        row["id"].as_i64().unwrap(),
        format!("mailportal-verification={token}"),
        !row["verified_at"].is_null(),
    )
}

#[tokio::test]
async fn a_domain_is_verified_when_its_txt_record_is_found() {
    let dns = free_port();
    let p = Portal::start_with(|c| c.dns.resolver = Some(dns)).await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;

    let a = p
        .call("domains/add", Some(&boss), &[("name", "Shop.Example")])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p
        .call("domains/add", Some(&boss), &[("name", "shop.example")])
        .await;
    assert!(a.body.contains("exists already"), "{}", a.body);
    let a = p
        .call("domains/add", Some(&boss), &[("name", "not a domain")])
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    let (id, record, verified) = listed(&p, &boss, "shop.example").await;
    assert!(!verified, "a new domain is unverified");
    assert_eq!(record.len(), "mailportal-verification=".len() + 26);
    let verify = |cookie: String| {
        let p = &p;
        async move {
            p.call("domains/verify", Some(&cookie), &[("id", &id.to_string())])
                .await
        }
    };

    // Nobody answers on the resolver's port: the lookup fails and says so.
    let a = verify(boss.clone()).await;
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(
        a.body.contains("The DNS lookup for shop.example failed"),
        "{}",
        a.body
    );

    // The name has TXT records, but not this one.
    let server = Dns::start(dns, &[("shop.example", "v=spf1 -all")]);
    let a = verify(boss.clone()).await;
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(a.body.contains("No TXT record"), "{}", a.body);
    assert!(
        a.body.contains(&record),
        "the message names the record: {}",
        a.body
    );
    drop(server);

    // Published (beside another record): verified, and the audit log says who did it.
    let _server = Dns::start(
        dns,
        &[("shop.example", "v=spf1 -all"), ("shop.example", &record)],
    );
    let a = verify(boss.clone()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(listed(&p, &boss, "shop.example").await.2);
    let who: String = db::query_scalar(
        "SELECT actor FROM audit_log WHERE action = 'domain_verified' AND detail = 'shop.example'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(who, "boss@example.test");
    p.stop().await;
}

#[tokio::test]
async fn only_master_admins_add_and_admins_verify_only_their_own_domains() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    let other = p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("mo@one.test", Role::MailUser).await;
    let dora = p.sign_in("dora@one.test").await;
    let mo = p.sign_in("mo@one.test").await;

    let a = p
        .call("domains/add", Some(&dora), &[("name", "three.test")])
        .await;
    assert_eq!(
        a.status, 403,
        "a domain admin does not add domains: {}",
        a.body
    );
    let a = p
        .call("domains/add", Some(&mo), &[("name", "three.test")])
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    let (own, _, _) = listed(&p, &dora, "one.test").await;
    assert_ne!(own, other);
    let a = p
        .call("domains/verify", Some(&dora), &[("id", &other.to_string())])
        .await;
    assert_eq!(a.status, 403, "another domain's id: {}", a.body);
    let refused: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND actor = 'dora@one.test' \
         AND detail LIKE '%verify the domain%'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(refused, 1, "the refusal is in the audit log");
    let a = p
        .call("domains/verify", Some(&mo), &[("id", &own.to_string())])
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    let list = p.call("admin/domains", Some(&dora), &[]).await;
    assert!(!list.body.contains("two.test"), "{}", list.body);
    p.stop().await;
}

/// The `To:` lines of the notices in the outbox.
fn outbox_recipients(p: &Portal) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(p.data.path().join("outbox")) else {
        return Vec::new();
    };
    let mut to: Vec<String> = entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|m| m.contains("The DNS record of"))
        .filter_map(|m| {
            m.lines()
                .find(|l| l.starts_with("To: "))
                .map(|l| l[4..].to_string())
        })
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn a_verified_domain_whose_record_disappears_warns_its_admins_once() {
    let dns = free_port();
    let p = Portal::start_with(|c| c.dns.resolver = Some(dns)).await;
    let id = p.add_domain("shop.test").await;
    p.add_domain("other.test").await;
    p.add_user("boss@shop.test", Role::MasterAdmin).await;
    p.add_user("dora@shop.test", Role::DomainAdmin).await;
    p.add_user("otto@other.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@shop.test").await;
    let (_, record, _) = listed(&p, &dora, "shop.test").await;
    let recheck = || async {
        app::backend::domain_watch::recheck_all(&p.backend, p.clock().now())
            .await
            .unwrap()
    };

    // Verified, and found again by the re-check: nothing to say.
    let server = Dns::start(dns, &[("shop.test", &record)]);
    let a = p
        .call("domains/verify", Some(&dora), &[("id", &id.to_string())])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = recheck().await;
    assert_eq!((r.checked, r.newly_missing.len()), (1, 0), "{r:?}");
    drop(server);

    // DNS does not answer: that proves nothing.
    let r = recheck().await;
    assert_eq!(r.lookup_failed, ["shop.test"], "{r:?}");
    assert!(outbox_recipients(&p).is_empty());

    // The record is gone: the domain's admins and the master admins are told once; the
    // domain stays verified, and the screen says since when.
    let server = Dns::start(dns, &[("shop.test", "v=spf1 -all")]);
    p.clock().advance(86_400);
    let r = recheck().await;
    assert_eq!(r.newly_missing, ["shop.test"], "{r:?}");
    assert_eq!(outbox_recipients(&p), ["boss@shop.test", "dora@shop.test"]);
    // A day later: a new session.
    let dora = p.sign_in("dora@shop.test").await;
    let rows: serde_json::Value =
        serde_json::from_str(&p.call("admin/domains", Some(&dora), &[]).await.body).unwrap();
    let row = &rows["page"]["rows"][0];
    assert_eq!(row["name"], "shop.test", "{rows}");
    assert_eq!(rows["missing"][0][0], "shop.test", "{rows}");
    assert!(
        !row["verified_at"].is_null() && !row["record_missing_since"].is_null(),
        "{row}"
    );
    p.clock().advance(86_400);
    assert!(recheck().await.newly_missing.is_empty(), "told once");
    assert_eq!(outbox_recipients(&p).len(), 2);
    drop(server);

    // Published again: the warning goes at the next re-check.
    let _server = Dns::start(dns, &[("shop.test", &record)]);
    assert_eq!(recheck().await.back, ["shop.test"]);
    let dora = p.sign_in("dora@shop.test").await;
    let rows: serde_json::Value =
        serde_json::from_str(&p.call("admin/domains", Some(&dora), &[]).await.body).unwrap();
    assert_eq!(rows["page"]["rows"][0]["name"], "shop.test", "{rows}");
    assert!(
        rows["page"]["rows"][0]["record_missing_since"].is_null(),
        "{rows}"
    );
    assert_eq!(rows["missing"], serde_json::json!([]), "{rows}");
    p.stop().await;
}
