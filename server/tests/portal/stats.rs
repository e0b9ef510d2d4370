//! The Statistics screen's server side: each message the pipeline logs counts once, in its
//! domain's hour and class; readers add up their domains' counts by hour, day, week or
//! month; old counts go after 400 days, and a deleted domain's with it. Mail is sent by
//! Python's smtplib through the real pipeline.

use crate::{
    harness::{ok_json, Portal},
    smtp::{code, domain_id, mail_host, smtplib, GTUBE, HAM},
};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

/// The figures `who` reads.
async fn stats(p: &Portal, who: &str, form: &[(&str, &str)]) -> Value {
    ok_json(&p.call("stats/read", Some(who), form).await)
}

/// The counts per class (clean, tagged, blocked, whitelisted, blacklisted, greylisted,
/// deferred) of the last bucket.
fn newest(stats: &Value) -> Vec<i64> {
    let buckets = stats["buckets"].as_array().unwrap();
    buckets[buckets.len() - 1]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn each_message_counts_once_in_its_domain_and_class() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("carol@other.test", Role::MailUser).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("boss@other.test", Role::MasterAdmin).await;
    let ann = "ann@sender.example.org";
    let r = smtplib(p.smtp, ann, &["alice@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = smtplib(p.smtp, "spam@spam.example", &["bob@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "quarantined: {r}");
    let r = smtplib(p.smtp, ann, &["nobody@example.test"], HAM).await;
    assert_eq!(code(&r["rcpt"]["nobody@example.test"]), 550, "{r}");
    let r = smtplib(p.smtp, ann, &["carol@other.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = smtplib(p.smtp, ann, &["someone@elsewhere.example"], HAM).await;
    assert_eq!(
        code(&r["rcpt"]["someone@elsewhere.example"]),
        554,
        "no relaying: {r}"
    );
    let (dora, boss) = (
        p.sign_in("dora@example.test").await,
        p.sign_in("boss@other.test").await,
    );
    let other = domain_id(&p, "other.test").await;
    let example = domain_id(&p, "example.test").await;

    // dora's domain: alice's ham is clean; the quarantined spam and the unknown
    // recipient are blocked.
    let days = stats(&p, &dora, &[("period", "days")]).await;
    assert_eq!(days["period"], "Days");
    assert_eq!(days["buckets"].as_array().unwrap().len(), 30);
    assert_eq!(newest(&days), [1, 0, 2, 0, 0, 0, 0], "{days}");
    let sizes = days["buckets"][29]["bytes"].as_array().unwrap();
    assert!(sizes[0].as_i64().unwrap() > 100, "the ham's size: {days}");
    assert_eq!(
        days["domains"],
        serde_json::json!([[example.parse::<i64>().unwrap(), "example.test"]])
    );
    let hers = stats(&p, &dora, &[("domain", &example), ("period", "hours")]).await;
    assert_eq!(hers["buckets"].as_array().unwrap().len(), 24);
    assert_eq!(newest(&hers), [1, 0, 2, 0, 0, 0, 0]);

    // Another domain's figures are refused (and audited); a mail user has none.
    let refused = p
        .call("stats/read", Some(&dora), &[("domain", &other)])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let alice = p.sign_in("alice@example.test").await;
    assert_eq!(p.call("stats/read", Some(&alice), &[]).await.status, 403);

    // The master admin's total holds every domain and the refused relaying.
    let all = stats(&p, &boss, &[("period", "months")]).await;
    assert_eq!(all["buckets"].as_array().unwrap().len(), 12);
    assert_eq!(newest(&all), [2, 0, 3, 0, 0, 0, 0], "{all}");
    let carols = stats(&p, &boss, &[("domain", &other), ("period", "weeks")]).await;
    assert_eq!(newest(&carols), [1, 0, 0, 0, 0, 0, 0]);

    // Two days on, the counts sit two days back; after 400 days they go.
    p.clock().advance(2 * 86_400);
    let boss = p.sign_in("boss@other.test").await;
    let later = stats(&p, &boss, &[]).await;
    assert_eq!(later["period"], "Days", "the default period");
    let counts = |b: &Value| {
        b["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(counts(&later["buckets"][27]), 5, "{later}");
    assert_eq!(counts(&later["buckets"][29]), 0);
    let rows = |p: &Portal| {
        let pool = p.backend.pool.clone();
        async move {
            db::query_scalar::<i64>("SELECT COUNT(*) FROM mail_stats")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let kept = rows(&p).await;
    assert!(kept >= 3, "{kept}");
    let sent = p.clock().now() - 2 * 86_400;
    app::backend::store::stats::purge_expired(&p.backend.pool, sent + 399 * 86_400)
        .await
        .unwrap();
    assert_eq!(rows(&p).await, kept, "kept for 400 days");
    app::backend::store::stats::purge_expired(&p.backend.pool, sent + 401 * 86_400)
        .await
        .unwrap();
    assert_eq!(rows(&p).await, 0);
    p.stop().await;
}

#[tokio::test]
async fn a_deleted_domains_counts_go_with_it() {
    let p = mail_host().await;
    p.add_domain("gone.test").await;
    p.add_user("gus@gone.test", Role::MailUser).await;
    let r = smtplib(p.smtp, "ann@sender.example.org", &["gus@gone.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let gone: i64 = domain_id(&p, "gone.test").await.parse().unwrap();
    let of = |id: i64| {
        let pool = p.backend.pool.clone();
        async move {
            db::query_scalar::<i64>("SELECT COUNT(*) FROM mail_stats WHERE domain_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(of(gone).await, 1);
    db::query("DELETE FROM accounts WHERE domain_id = $1")
        .bind(gone)
        .execute(&p.backend.pool)
        .await
        .unwrap();
    db::query("DELETE FROM domains WHERE id = $1")
        .bind(gone)
        .execute(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(of(gone).await, 0);
    p.stop().await;
}
