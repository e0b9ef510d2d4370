//! Antispam sender lists: entries added through the portal judge the next message sent
//! by a real SMTP client (Python's smtplib); IP entries are normalised and match an IPv4
//! client however the socket shows it; lists move in and out as CSV.

use crate::{
    harness::{error_of, Answer, Portal},
    smtp::{code, domain_id, last_evidence, mail_host, maildir, smtplib, verdicts, GTUBE, HAM},
};
use app::backend::store::db;
use app::model::Role;
use std::time::Duration;

/// Adds an entry as `cookie`; `domain` empty for the global lists.
async fn add(p: &Portal, cookie: &str, domain: &str, list: &str, sender: &str) -> Answer {
    add_with(p, cookie, domain, &[("list", list), ("sender", sender)]).await
}

async fn add_with(p: &Portal, cookie: &str, domain: &str, fields: &[(&str, &str)]) -> Answer {
    let mut form = vec![("description", ""), ("expires", "")];
    if !domain.is_empty() {
        form.push(("domain", domain));
    }
    for (k, v) in fields {
        form.retain(|(name, _)| name != k);
        form.push((k, v));
    }
    p.call("sender-lists/add", Some(cookie), &form).await
}

async fn hits(p: &Portal, pattern: &str) -> (i64, Option<i64>) {
    db::query_as("SELECT hits, last_hit_at FROM sender_list_entries WHERE pattern = $1")
        .bind(pattern)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

fn from(sender: &str) -> String {
    format!(
        "From: {sender}\r\nTo: alice@example.test\r\nSubject: hello\r\n\r\nA message from {sender}.\r\n"
    )
}

#[tokio::test]
async fn listed_senders_are_refused_or_let_through_from_the_next_message_on() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let boss = p.sign_in("admin@example.test").await;
    let d = domain_id(&p, "example.test").await;

    // A blacklisted domain covers its subdomains; mail from it is refused with 5xx.
    let a = add(&p, &dora, &d, "blacklist", "spam.example").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "x@bounce.example",
        &["alice@example.test"],
        &from("Promo <promo@news.spam.example>"),
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(r["data"][1].as_str().unwrap().contains("blacklist"), "{r}");
    assert_eq!(verdicts(&p).await, ["blacklisted"]);
    assert_eq!(hits(&p, "spam.example").await.0, 1);

    // A whitelisted address skips scoring: even GTUBE gets through, marked as such.
    let a = add(&p, &dora, &d, "whitelist", "spam@spam.example").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let inbox = maildir(&p, "alice@example.test");
    assert!(
        inbox[0].contains("X-Spam-Score: 0.0 (whitelisted)\r\nX-Recommended-Action: accept\r\n"),
        "{}",
        inbox[0]
    );
    assert!(!inbox[0].contains("X-Spam: yes"));
    let evidence = last_evidence(&p).await;
    assert!(
        evidence.contains("spam@spam.example is on the domain's whitelist (spam@spam.example)"),
        "{evidence}"
    );

    // The global blacklist is read first, but a domain's whitelist entry still wins.
    let a = add(&p, &dora, "", "blacklist", "sender.example.org").await;
    assert_eq!(
        a.status, 403,
        "a domain admin keeps out of the global lists"
    );
    let a = add(&p, &boss, "", "blacklist", "sender.example.org").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = add(&p, &dora, &d, "whitelist", "ann@sender.example.org").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = smtplib(
        p.smtp,
        "bob@sender.example.org",
        &["alice@example.test"],
        &from("bob@sender.example.org"),
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert_eq!(
        verdicts(&p).await,
        ["blacklisted", "whitelisted", "whitelisted", "blacklisted"]
    );
    assert_eq!(hits(&p, "sender.example.org").await.0, 1);
    assert_eq!(hits(&p, "ann@sender.example.org").await.0, 1);

    // Deleted, the entry stops judging; the change is in the audit log.
    let id: i64 =
        db::query_scalar("SELECT id FROM sender_list_entries WHERE pattern = 'spam.example'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    let a = p
        .call(
            "sender-lists/delete",
            Some(&dora),
            &[("id", &id.to_string())],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "x@bounce.example",
        &["alice@example.test"],
        &from("promo@news.spam.example"),
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let audit: Vec<String> = db::query_scalar(
        "SELECT action || ': ' || detail FROM audit_log WHERE action LIKE 'sender_list%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        [
            "sender_list_entry_added: example.test blacklist: spam.example",
            "sender_list_entry_added: example.test whitelist: spam@spam.example",
            "sender_list_entry_added: global blacklist: sender.example.org",
            "sender_list_entry_added: example.test whitelist: ann@sender.example.org",
            "sender_list_entry_deleted: example.test blacklist: spam.example",
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn a_blacklisted_client_network_is_refused_at_rcpt_unless_whitelisted() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;
    let a = add(&p, &dora, &d, "blacklist", "127.0.0.0/8").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test", "bob@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["rcpt"]["alice@example.test"]), 550, "{r}");
    assert_eq!(code(&r["rcpt"]["bob@example.test"]), 550, "{r}");
    assert!(r.get("data").is_none(), "{r}");
    assert!(maildir(&p, "alice@example.test").is_empty());
    assert_eq!(verdicts(&p).await, ["blacklisted"]);
    // Counted once per message, not per recipient.
    assert_eq!(hits(&p, "127.0.0.0/8").await.0, 1);

    // One address of the range whitelisted: its mail skips the checks again.
    let a = add(&p, &dora, &d, "whitelist", "127.0.0.1").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let evidence = last_evidence(&p).await;
    assert!(
        evidence.contains("127.0.0.1 is on the domain's whitelist (127.0.0.1)"),
        "{evidence}"
    );
    assert_eq!(hits(&p, "127.0.0.1").await.0, 1);

    p.stop().await;
}

#[tokio::test]
async fn an_entry_stops_matching_after_its_last_day() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;
    let today = app::model::time::format_utc(p.clock().now())[..10].to_string();
    let fields = [
        ("list", "blacklist"),
        ("sender", "ann@sender.example.org"),
        ("expires", today.as_str()),
    ];
    let a = add_with(&p, &dora, &d, &fields).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    p.clock().advance(86_400);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert_eq!(verdicts(&p).await, ["blacklisted", "delivered"]);
    p.stop().await;
}

#[tokio::test]
async fn an_ipv4_rule_matches_a_client_the_socket_shows_as_mapped_ipv6() {
    // An IPv6 socket bound to the mapped loopback address: IPv4 clients arrive as
    // ::ffff:127.0.0.1, as they do on a dual-stack listener.
    let p = Portal::start_with(|c| c.smtp.addr = "[::ffff:127.0.0.1]:0".parse().unwrap()).await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;
    let v4 = std::net::SocketAddr::from(([127, 0, 0, 1], p.smtp.port()));

    // Typed in its mapped form, the rule is saved as the IPv4 address it is.
    let a = add(&p, &dora, &d, "blacklist", "::ffff:127.0.0.1").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let saved: String = db::query_scalar("SELECT pattern FROM sender_list_entries")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(saved, "127.0.0.1");
    let r = smtplib(v4, "ann@sender.example.org", &["alice@example.test"], HAM).await;
    assert_eq!(code(&r["rcpt"]["alice@example.test"]), 550, "{r}");
    // The log row is written in the mail writer's next batch, after the reply.
    let mut client: Option<String> = None;
    for _ in 0..100 {
        client = db::query_scalar("SELECT client_ip FROM mail_log")
            .fetch_optional(&p.backend.pool)
            .await
            .unwrap();
        if client.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        client.as_deref(),
        Some("127.0.0.1"),
        "the log shows the client as IPv4"
    );
    p.stop().await;
}

#[tokio::test]
async fn entries_are_checked_and_saved_in_one_spelling() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;
    let refused = |a: &Answer, field: &str, words: &str| {
        assert_eq!(a.status, 400, "{}", a.body);
        let e = error_of(a);
        assert_eq!(e["Invalid"]["field"], field, "{}", a.body);
        let reason = e["Invalid"]["reason"].as_str().unwrap().to_string();
        assert!(reason.contains(words), "{reason}");
    };
    refused(
        &add(&p, &dora, &d, "blacklist", "010.0.0.1").await,
        "sender",
        "leading zero",
    );
    refused(
        &add(&p, &dora, &d, "blacklist", "192.0.2.1/33").await,
        "sender",
        "prefix",
    );
    refused(
        &add(&p, &dora, &d, "blacklist", "").await,
        "sender",
        "Enter a sender",
    );
    refused(
        &add(&p, &dora, &d, "greylist", "a@b.example").await,
        "list",
        "whitelist or blacklist",
    );
    refused(
        &add_with(
            &p,
            &dora,
            &d,
            &[
                ("list", "blacklist"),
                ("sender", "x.example"),
                ("description", "a\r\nBcc: x"),
            ],
        )
        .await,
        "description",
        "one line",
    );
    refused(
        &add_with(
            &p,
            &dora,
            &d,
            &[
                ("list", "blacklist"),
                ("sender", "x.example"),
                ("expires", "2001-01-01"),
            ],
        )
        .await,
        "expires",
        "passed",
    );
    // /0 is every address: only with the explicit yes.
    refused(
        &add(&p, &dora, &d, "blacklist", "0.0.0.0/0").await,
        "sender",
        "every address",
    );
    let a = add_with(
        &p,
        &dora,
        &d,
        &[
            ("list", "blacklist"),
            ("sender", "::/0"),
            ("everything", "on"),
        ],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);

    // Host bits are cleared, and the answer says what was saved.
    let a = add(&p, &dora, &d, "blacklist", "192.0.2.77/24").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("saved as 192.0.2.0/24"), "{}", a.body);
    let a = add(&p, &dora, &d, "whitelist", "192.0.2.0/24").await;
    refused(&a, "sender", "on the blacklist already");
    let a = add_with(
        &p,
        &dora,
        &d,
        &[
            ("list", "whitelist"),
            ("sender", "@Partner.Example"),
            ("description", "our partner"),
            ("expires", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);

    let a = p
        .call(
            "sender-lists/list",
            Some(&dora),
            &[("domain", d.as_str()), ("search", "partner")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let rows = v["page"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0]["sender"], "partner.example");
    assert_eq!(rows[0]["kind"], "Domain");
    assert_eq!(rows[0]["added_by"], "dora@example.test");
    assert_eq!(rows[0]["hits"], 0);
    assert_eq!(v["page"]["total"], 1);
    p.stop().await;
}

#[tokio::test]
async fn lists_go_out_and_come_back_as_csv() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let boss = p.sign_in("admin@example.test").await;
    let d = domain_id(&p, "example.test").await;
    let import =
        |cookie: String, dataset: &'static str, domain: Option<String>, csv: &'static str| {
            let p = &p;
            async move {
                let mut form = vec![("dataset", dataset.to_string()), ("csv", csv.to_string())];
                if let Some(d) = domain {
                    form.push(("domain", d));
                }
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                p.call("transfer/import", Some(&cookie), &form).await
            }
        };
    let csv = "sender,list,description,expires\n\
               spam.example,,bulk mailer,\n\
               127.0.0.9/24,blacklist,\"=cmd|' /C calc'!A0\",2099-01-31\n\
               ann@partner.example,whitelist,partner,\n";
    let a = import(dora.clone(), "sender-lists", Some(d.clone()), csv).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(report["added"].as_array().unwrap().len(), 3, "{report}");

    // The blacklisted network refuses mail from this machine straight away.
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["rcpt"]["alice@example.test"]), 550, "{r}");

    let a = p
        .get(&format!("/export/sender-lists?domain={d}"), Some(&dora))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let lines: Vec<&str> = a.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "sender,list,description,expires,added_by,matched,last_match"
    );
    assert!(
        lines.contains(&"spam.example,blacklist,bulk mailer,,dora@example.test,0,"),
        "{lines:?}"
    );
    let net = lines
        .iter()
        .find(|l| l.starts_with("127.0.0.0/24,"))
        .expect("normalised");
    assert!(net.contains("'=cmd"), "formula neutralised: {net}");
    assert!(net.contains(",2099-01-31,dora@example.test,1,"), "{net}");

    // Moving an entry to the other list is a change; a bad row applies nothing.
    let a = import(
        dora.clone(),
        "sender-lists",
        Some(d.clone()),
        "sender,list\nspam.example,whitelist\n",
    )
    .await;
    let report: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(report["changed"].as_array().unwrap().len(), 1, "{report}");
    let a = import(
        dora.clone(),
        "sender-lists",
        Some(d.clone()),
        "sender,list\nnew.example,blacklist\n010.1.1.1,blacklist\n0.0.0.0/0,blacklist\n",
    )
    .await;
    let report: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{report}");
    assert_eq!(problems[0]["row"], 3);
    assert!(
        problems[1]["reason"]
            .as_str()
            .unwrap()
            .contains("every address"),
        "{report}"
    );
    let n: i64 =
        db::query_scalar("SELECT COUNT(*) FROM sender_list_entries WHERE pattern = 'new.example'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(n, 0);

    // The global lists are the master admin's.
    let a = import(
        dora.clone(),
        "global-sender-lists",
        None,
        "sender\nbad.example\n",
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.body);
    let a = import(
        boss.clone(),
        "global-sender-lists",
        None,
        "sender\nbad.example\n",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p.get("/export/global-sender-lists", Some(&boss)).await;
    assert!(
        a.body
            .contains("bad.example,blacklist,,,admin@example.test,0,"),
        "{}",
        a.body
    );
    p.stop().await;
}
