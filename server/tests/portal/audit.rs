//! The Log screen's server function: filters, paging, and a domain admin's scope.

use crate::harness::{error_of, Portal};
use app::model::{time::format_utc, Role};
use serde_json::Value;

/// `(action, domain, detail)` of each entry on the page, newest first.
fn entries(body: &str) -> Vec<(String, String, String)> {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    v["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("domain"), s("detail"))
        })
        .collect()
}

fn total(body: &str) -> i64 {
    serde_json::from_str::<Value>(body).unwrap()["page"]["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_domain_admin_reads_only_their_domains_entries() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("tom@two.test", Role::DomainAdmin).await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;

    let dora = p.sign_in("dora@one.test").await;
    let a = p.call("admin/audit", Some(&dora), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let seen = entries(&a.body);
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|(_, domain, _)| domain == "one.test"),
        "{seen:?}"
    );
    assert!(seen.contains(&(
        "account_created".into(),
        "one.test".into(),
        "dora@one.test as Domain admin".into()
    )));
    // Naming the other domain in a filter does not widen the scope.
    let a = p
        .call("admin/audit", Some(&dora), &[("domain", "two.test")])
        .await;
    assert_eq!(total(&a.body), 0, "{}", a.body);

    let boss = p.sign_in("boss@one.test").await;
    let a = p
        .call("admin/audit", Some(&boss), &[("domain", "two")])
        .await;
    let seen = entries(&a.body);
    assert_eq!(
        seen.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["account_created", "domain_created"],
        "{seen:?}"
    );
    p.stop().await;
}

#[tokio::test]
async fn filters_choose_by_who_what_when_and_where_from() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    p.add_user("mia@one.test", Role::MailUser).await;
    // Three days later, a refused request from a mail user: an entry with an actor and an IP.
    p.clock().advance(3 * 86_400);
    let mia = p.sign_in("mia@one.test").await;
    assert_eq!(p.call("admin/domains", Some(&mia), &[]).await.status, 403);
    let boss = p.sign_in("boss@one.test").await;

    let only = |form: &'static [(&'static str, &'static str)]| {
        let (p, boss) = (&p, &boss);
        async move { p.call("admin/audit", Some(boss), form).await }
    };
    let a = only(&[("who", "MIA@"), ("action", "access_denied")]).await;
    let seen = entries(&a.body);
    assert_eq!(seen.len(), 1, "{seen:?}");
    let a = only(&[("ip", "127.0.0.1"), ("action", "access_denied")]).await;
    assert_eq!(total(&a.body), 1, "{}", a.body);
    let a = only(&[("ip", "command line")]).await;
    assert_eq!(total(&a.body), 3, "domain and two accounts: {}", a.body);

    // By day: the refusal was three days after the rest.
    let first = format_utc(p.clock().now() - 3 * 86_400)[..10].to_string();
    let today = format_utc(p.clock().now())[..10].to_string();
    let a = p
        .call(
            "admin/audit",
            Some(&boss),
            &[("since", &first), ("until", &first)],
        )
        .await;
    assert!(
        entries(&a.body).iter().all(|e| e.0 != "access_denied"),
        "{}",
        a.body
    );
    let a = p
        .call(
            "admin/audit",
            Some(&boss),
            &[("since", &today), ("action", "access_denied")],
        )
        .await;
    assert_eq!(total(&a.body), 1, "{}", a.body);

    // Bad filters are named.
    let a = only(&[("since", "yesterday")]).await;
    assert_eq!(a.status, 400);
    assert_eq!(error_of(&a)["Invalid"]["field"], "since", "{}", a.body);
    let a = only(&[("since", "2030-01-02"), ("until", "2030-01-01")]).await;
    assert_eq!(error_of(&a)["Invalid"]["field"], "until", "{}", a.body);
    let a = only(&[("action", "x' OR '1'='1")]).await;
    assert_eq!(a.status, 400);
    p.stop().await;
}

#[tokio::test]
async fn the_log_pages_through_many_entries() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    for n in 0..30 {
        p.add_user(&format!("u{n:02}@one.test"), Role::MailUser)
            .await;
    }
    let boss = p.sign_in("boss@one.test").await;
    let form = [("action", "account_created"), ("page", "2")];
    let a = p.call("admin/audit", Some(&boss), &form).await;
    assert_eq!(total(&a.body), 31, "{}", a.body);
    let seen = entries(&a.body);
    assert_eq!(seen.len(), 6);
    // Newest first: the second page ends with the oldest.
    assert_eq!(seen.last().unwrap().2, "boss@one.test as Master admin");
    p.stop().await;
}
