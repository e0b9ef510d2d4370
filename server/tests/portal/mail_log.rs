//! The Mail log screen's server side: who reads which rows, the filters and their bad
//! values, each row's evidence, and the purge after each domain's log days. The rows are
//! written by the real pipeline: mail sent by Python's smtplib.

use crate::{
    harness::{error_of, ok_json, Portal},
    smtp::{code, mail_host, smtplib, GTUBE, HAM},
};
use app::backend::store::db;
use app::model::Role;

/// The (verdict, recipients) of the rows `who` reads with `filter`, newest first.
async fn rows(p: &Portal, who: &str, filter: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
    let log = ok_json(&p.call("mail-log/page", Some(who), filter).await);
    log["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let to = r["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t[0].as_str().unwrap().to_string())
                .collect();
            (r["verdict"].as_str().unwrap().to_string(), to)
        })
        .collect()
}

fn row(verdict: &str, to: &[&str]) -> (String, Vec<String>) {
    (
        verdict.to_string(),
        to.iter().map(|t| t.to_string()).collect(),
    )
}

#[tokio::test]
async fn each_reader_reads_their_mail_filtered_with_its_evidence() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("carol@other.test", Role::MailUser).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("boss@other.test", Role::MasterAdmin).await;
    let ann = "ann@sender.example.org";
    let r = smtplib(p.smtp, ann, &["alice@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = smtplib(p.smtp, "spam@spam.example", &["bob@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let r = smtplib(p.smtp, ann, &["nobody@example.test"], HAM).await;
    assert_eq!(code(&r["rcpt"]["nobody@example.test"]), 550, "{r}");
    let r = smtplib(p.smtp, ann, &["carol@other.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let alice = p.sign_in("alice@example.test").await;
    let dora = p.sign_in("dora@example.test").await;
    let boss = p.sign_in("boss@other.test").await;

    // A mail user reads their own mail; a domain admin their domain's, refusals at RCPT
    // included; a master admin everything.
    assert_eq!(
        rows(&p, &alice, &[]).await,
        [row("delivered", &["alice@example.test"])]
    );
    assert_eq!(
        rows(&p, &dora, &[]).await,
        [
            row("rejected", &["nobody@example.test"]),
            row("quarantined", &["bob@example.test"]),
            row("delivered", &["alice@example.test"]),
        ]
    );
    assert_eq!(rows(&p, &boss, &[]).await.len(), 4);

    // Filters, one by one and together.
    for (filter, want) in [
        (vec![("verdict", "quarantined")], vec!["bob@example.test"]),
        (vec![("sender", "SPAM.example")], vec!["bob@example.test"]),
        (vec![("recipient", "bob@")], vec!["bob@example.test"]),
        (vec![("subject", "lunch")], vec!["alice@example.test"]),
        (
            vec![("client_ip", "127.0.0.1"), ("verdict", "delivered")],
            vec!["alice@example.test"],
        ),
        (vec![("since", "2100-01-01")], vec![]),
    ] {
        let got: Vec<String> = rows(&p, &dora, &filter)
            .await
            .into_iter()
            .flat_map(|(_, to)| to)
            .collect();
        assert_eq!(got, want, "{filter:?}");
    }
    for (filter, field) in [
        (("verdict", "spam"), "verdict"),
        (("since", "yesterday"), "since"),
        (("until", "2027-02-30"), "until"),
    ] {
        let a = p.call("mail-log/page", Some(&dora), &[filter]).await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(error_of(&a)["Invalid"]["field"], field, "{}", a.body);
    }

    // Each row says what each stage found, and what the client was told.
    let log = ok_json(
        &p.call("mail-log/page", Some(&dora), &[("verdict", "quarantined")])
            .await,
    );
    let kept = &log["page"]["rows"][0];
    assert!(kept["reply"].as_str().unwrap().starts_with("550"), "{kept}");
    let stages: Vec<&str> = kept["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    assert!(stages.contains(&"quarantine"), "{kept}");
    p.stop().await;
}

#[tokio::test]
async fn rows_go_after_their_domains_log_days() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("carol@other.test", Role::MailUser).await;
    db::query("UPDATE domains SET log_days = 2 WHERE name = 'other.test'")
        .execute(&p.backend.pool)
        .await
        .unwrap();
    for to in [
        "alice@example.test",
        "carol@other.test",
        "nobody@elsewhere.example",
    ] {
        smtplib(p.smtp, "ann@sender.example.org", &[to], HAM).await;
    }
    let count = || async {
        let n: i64 = db::query_scalar("SELECT COUNT(*) FROM mail_log")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
        n
    };
    assert_eq!(count().await, 3);
    let now = p.clock().now();
    let purge = |at| app::backend::mail_log::purge_expired(&p.backend, at);
    assert_eq!(purge(now + 2 * 86_400 - 1).await.unwrap(), 0);
    assert_eq!(
        purge(now + 2 * 86_400).await.unwrap(),
        1,
        "other.test's 2 days"
    );
    assert_eq!(purge(now + 28 * 86_400).await.unwrap(), 2, "the default 28");
    assert_eq!(count().await, 0);
    let recipients: i64 = db::query_scalar("SELECT COUNT(*) FROM mail_log_recipients")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(recipients, 0);
    p.stop().await;
}

/// Reads the event stream until `until` appears in it (5 s at most); what came.
async fn read_events(stream: &mut reqwest::Response, until: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains(until) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {until:?} in the stream: {seen:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("the stream ended: {seen:?}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

async fn newest_row(p: &Portal) -> i64 {
    db::query_scalar("SELECT MAX(id) FROM mail_log")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_live_view_tells_each_reader_of_their_new_rows_only() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let (alice, dora) = (
        p.sign_in("alice@example.test").await,
        p.sign_in("dora@example.test").await,
    );
    let client = reqwest::Client::new();
    let open = |cookie: Option<String>| {
        let mut req = client.get(format!("{}/events/mail-log", p.base));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    // No session, no events.
    assert_eq!(open(None).await.unwrap().status(), 401);
    let mut alices = open(Some(alice.clone())).await.unwrap();
    assert_eq!(alices.status(), 200);
    assert_eq!(
        alices.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    assert_eq!(
        alices.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let mut doras = open(Some(dora)).await.unwrap();

    // Mail for bob, then for alice: alice hears of hers only, the domain admin of both.
    let r = smtplib(p.smtp, "ann@sender.example.org", &["bob@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let bobs_row = newest_row(&p).await;
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let alices_row = newest_row(&p).await;
    let heard = read_events(&mut alices, &format!("data: {alices_row}\n")).await;
    // Browsers drop an event without data: `ready` carries some.
    assert!(
        heard.starts_with("event: ready\ndata: following\n"),
        "{heard:?}"
    );
    assert!(heard.contains("event: row\n"), "{heard:?}");
    assert!(!heard.contains(&format!("data: {bobs_row}\n")), "{heard:?}");
    let heard = read_events(&mut doras, &format!("data: {alices_row}\n")).await;
    assert!(heard.contains(&format!("data: {bobs_row}\n")), "{heard:?}");
    p.stop().await;
}
