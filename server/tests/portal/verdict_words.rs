//! Verdicts people can read: the plain-words summary the pipeline writes with each log row
//! and kept message, and the one-click fixes next to it — allow or block the sender for
//! oneself (overriding the domain's lists for one's own copy) or for the message's domain,
//! each scoped to the reader, and allowing a sender that failed SPF only when confirmed.
//! Mail goes through the real listener (Python's smtplib), SPF against dnsmasq.

use crate::{
    dns::{free_port, Dns},
    harness::{error_of, ok_json, Answer, Portal},
    quarantine::denied,
    smtp::{code, mail_host, mail_host_with, maildir, smtplib, GTUBE, HAM},
};
use app::backend::store::db;
use app::model::Role;

/// The last log row's id, verdict and plain words.
async fn last_row(p: &Portal) -> (i64, String, String) {
    db::query_as("SELECT id, verdict, summary FROM mail_log ORDER BY id DESC LIMIT 1")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

async fn fix(
    p: &Portal,
    who: &str,
    source: &str,
    id: i64,
    list: &str,
    scope: &str,
    confirmed: bool,
) -> Answer {
    let id = id.to_string();
    let mut form = vec![
        ("source", source),
        ("id", id.as_str()),
        ("list", list),
        ("scope", scope),
    ];
    if confirmed {
        form.push(("confirmed", "true"));
    }
    p.call("sender-fix", Some(who), &form).await
}

fn said(a: &Answer) -> String {
    ok_json(a).as_str().unwrap().to_string()
}

fn got(p: &Portal, address: &str, marker: &str) -> usize {
    maildir(p, address)
        .iter()
        .filter(|m| m.contains(marker))
        .count()
}

#[tokio::test]
async fn verdicts_are_told_in_plain_words_in_the_log_and_the_quarantine() {
    let p = mail_host().await;
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let (_, verdict, words) = last_row(&p).await;
    assert_eq!(verdict, "delivered");
    assert_eq!(words, "Scored 0.0: no spam rule matched.");

    // A header with three flaws, and the test string.
    let flawed = "From: spam@spam.example\r\nSubject: hello\r\n\r\n\
        XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], flawed).await;
    assert_eq!(code(&r["data"]), 550, "kept, told 5xx: {r}");
    let (_, verdict, words) = last_row(&p).await;
    assert_eq!(verdict, "quarantined");
    assert_eq!(
        words,
        "Scored 1001.5: the text carries the antispam test string (GTUBE), and the header \
         matched 2 spam rules."
    );
    // The quarantine tells the same words as its reason, and the log page carries them.
    let alice = p.sign_in("alice@example.test").await;
    let kept = ok_json(&p.call("quarantine/list", Some(&alice), &[]).await);
    assert_eq!(kept["page"]["rows"][0]["reason"], words.as_str(), "{kept}");
    assert_eq!(kept["page"]["rows"][0]["spf_failed"], false);
    let log = ok_json(&p.call("mail-log/page", Some(&alice), &[]).await);
    assert_eq!(log["page"]["rows"][0]["summary"], words.as_str(), "{log}");
    assert_eq!(
        log["page"]["rows"][1]["summary"],
        "Scored 0.0: no spam rule matched."
    );

    // Refused at RCPT: the words say why no recipient was taken.
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["nobody@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["rcpt"]["nobody@example.test"]), 550, "{r}");
    let (_, verdict, words) = last_row(&p).await;
    assert_eq!(verdict, "rejected");
    assert!(
        words.starts_with("Refused: no recipient was taken (550"),
        "{words}"
    );
    p.stop().await;
}

#[tokio::test]
async fn one_click_fixes_are_scoped_to_the_reader_and_own_lists_decide_own_copies() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("carol@other.test", Role::MailUser).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("olga@other.test", Role::DomainAdmin).await;
    let to_both = ["alice@example.test", "bob@example.test"];
    let r = smtplib(p.smtp, "spam@spam.example", &to_both, GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let kept: i64 = db::query_scalar("SELECT MAX(id) FROM quarantine")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let alice = p.sign_in("alice@example.test").await;
    let (carol, dora, olga) = (
        p.sign_in("carol@other.test").await,
        p.sign_in("dora@example.test").await,
        p.sign_in("olga@other.test").await,
    );

    // Alice blocks the sender for herself; the domain's list is not hers to change.
    let a = fix(&p, &alice, "quarantine", kept, "blacklist", "me", false).await;
    assert_eq!(said(&a), "spam@spam.example is on your blacklist now.");
    let before = denied(&p, "alice@example.test").await;
    let a = fix(&p, &alice, "quarantine", kept, "whitelist", "domain", false).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(denied(&p, "alice@example.test").await, before + 1);
    // Another domain's user and admin reach neither the message nor its domain's list.
    for who in [&carol, &olga] {
        let a = fix(&p, who, "quarantine", kept, "whitelist", "me", false).await;
        assert_eq!(a.status, 403, "{}", a.body);
    }
    let a = fix(&p, &olga, "quarantine", kept, "whitelist", "domain", false).await;
    assert_eq!(a.status, 403, "{}", a.body);
    // Dora administers the domain but was not a recipient: no list of her own for it.
    let a = fix(&p, &dora, "quarantine", kept, "whitelist", "me", false).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("not addressed to you"), "{}", a.body);
    let a = fix(&p, &dora, "quarantine", kept, "whitelist", "domain", false).await;
    assert_eq!(
        said(&a),
        "spam@spam.example is on example.test's whitelist now."
    );
    let entry: (String, String, String) = db::query_as(
        "SELECT e.list, e.description, e.added_by FROM sender_list_entries e \
         JOIN domains d ON d.id = e.domain_id WHERE d.name = 'example.test' AND e.pattern = 'spam@spam.example'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        entry,
        (
            "whitelist".into(),
            "from the quarantine".into(),
            "dora@example.test".into()
        )
    );
    // A request names no sender of its own: unknown fields change nothing, bad ones are named.
    let a = fix(&p, &dora, "queue", kept, "whitelist", "domain", false).await;
    assert_eq!(error_of(&a)["Invalid"]["field"], "source", "{}", a.body);
    let a = fix(&p, &dora, "log", 999_999, "whitelist", "domain", false).await;
    assert_eq!(a.status, 404, "{}", a.body);

    // The domain allows, Alice blocks for herself: Bob gets it unscored, Alice nothing.
    let r = smtplib(
        p.smtp,
        "spam@spam.example",
        &to_both,
        &GTUBE.replace("test", "one"),
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let (row, verdict, words) = last_row(&p).await;
    assert_eq!(verdict, "whitelisted");
    assert_eq!(
        words,
        "Not scored: spam@spam.example is on the domain's whitelist (spam@spam.example)."
    );
    assert_eq!(got(&p, "bob@example.test", "Subject: one"), 1);
    assert_eq!(got(&p, "alice@example.test", "Subject: one"), 0);
    let evidence: String = db::query_scalar("SELECT evidence FROM mail_log WHERE id = $1")
        .bind(row)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert!(
        evidence.contains("alice@example.test's own blacklist")
            && evidence.contains("no copy for alice@example.test"),
        "{evidence}"
    );
    // To Alice alone: refused, by her own list, told once.
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let evidence = crate::smtp::last_evidence(&p).await;
    assert_eq!(
        evidence
            .matches("alice@example.test's own blacklist")
            .count(),
        1,
        "{evidence}"
    );
    assert!(
        r["data"][1]
            .as_str()
            .unwrap()
            .contains("recipient's blacklist"),
        "{r}"
    );
    let (row, verdict, words) = last_row(&p).await;
    assert_eq!(verdict, "blacklisted");
    assert_eq!(
        words,
        "Refused: spam@spam.example is on alice@example.test's own blacklist (spam@spam.example)."
    );

    // From the log: Alice changes her mind; Dora blocks it for the domain.
    let a = fix(&p, &alice, "log", row, "whitelist", "me", false).await;
    assert_eq!(
        said(&a),
        "spam@spam.example is on your whitelist now (it was on the blacklist)."
    );
    let a = fix(&p, &dora, "log", row, "blacklist", "domain", false).await;
    assert_eq!(
        said(&a),
        "spam@spam.example is on example.test's blacklist now (it was on the whitelist)."
    );
    let a = fix(&p, &carol, "log", row, "blacklist", "me", false).await;
    assert_eq!(a.status, 403, "{}", a.body);
    // Now Alice gets it unscored and Bob's copy goes: the domain blocks it for him.
    let r = smtplib(
        p.smtp,
        "spam@spam.example",
        &to_both,
        &GTUBE.replace("test", "two"),
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert_eq!(last_row(&p).await.1, "whitelisted");
    assert_eq!(got(&p, "alice@example.test", "Subject: two"), 1);
    assert_eq!(got(&p, "bob@example.test", "Subject: two"), 0);

    // Alice's own lists: listed, removed once, and nobody else's to remove.
    let mine = ok_json(&p.call("my-senders/list", Some(&alice), &[]).await);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["sender"], "spam@spam.example");
    assert_eq!(mine[0]["list"], "Whitelist");
    let id = mine[0]["id"].as_i64().unwrap().to_string();
    let bob = p.sign_in("bob@example.test").await;
    let a = p
        .call("my-senders/remove", Some(&bob), &[("id", &id)])
        .await;
    assert_eq!(a.status, 404, "{}", a.body);
    let a = p
        .call("my-senders/remove", Some(&alice), &[("id", &id)])
        .await;
    assert_eq!(ok_json(&a), "spam@spam.example");
    let a = p
        .call("my-senders/remove", Some(&alice), &[("id", &id)])
        .await;
    assert_eq!(a.status, 404, "{}", a.body);
    let mine = ok_json(&p.call("my-senders/list", Some(&alice), &[]).await);
    assert_eq!(mine, serde_json::json!([]));
    // Without her entry the domain's blacklist decides for her too.
    let ham = HAM.replace("ann@sender.example.org", "spam@spam.example");
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], &ham).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(
        r["data"][1]
            .as_str()
            .unwrap()
            .contains("domain's blacklist"),
        "{r}"
    );
    let audited: Vec<String> = db::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'personal_sender_%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "personal_sender_listed",
            "personal_sender_listed",
            "personal_sender_removed"
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn allowing_a_sender_that_failed_spf_asks_first() {
    let resolver = free_port();
    let _dns = Dns::start(
        resolver,
        &[("fail.example", "v=spf1 ip4:192.0.2.0/24 -all")],
    );
    let p = mail_host_with(|c| c.dns.resolver = Some(resolver)).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    // Greylisted at the defer level: its log row is there to act on.
    let r = smtplib(p.smtp, "ann@fail.example", &["alice@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 451, "{r}");
    let (row, verdict, words) = last_row(&p).await;
    assert_eq!(verdict, "greylisted");
    assert_eq!(
        words,
        "Scored 6.0: the sender's server is not allowed by its SPF record."
    );
    let alice = p.sign_in("alice@example.test").await;
    let dora = p.sign_in("dora@example.test").await;
    let log = ok_json(&p.call("mail-log/page", Some(&alice), &[]).await);
    assert_eq!(log["page"]["rows"][0]["spf_failed"], true, "{log}");

    for (who, scope) in [(&alice, "me"), (&dora, "domain")] {
        let a = fix(&p, who, "log", row, "whitelist", scope, false).await;
        let e = error_of(&a);
        assert_eq!(e["Invalid"]["field"], "confirmed", "{}", a.body);
        assert!(
            e["Invalid"]["reason"]
                .as_str()
                .unwrap()
                .contains("failed SPF"),
            "{}",
            a.body
        );
        // Blocking it needs no question.
        let a = fix(&p, who, "log", row, "blacklist", scope, false).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let a = fix(&p, who, "log", row, "whitelist", scope, true).await;
        assert!(
            said(&a).contains("whitelist now (it was on the blacklist)"),
            "{}",
            a.body
        );
    }
    p.stop().await;
}
