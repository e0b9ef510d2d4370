//! Spam and not-spam reports from the mail log, the quarantine and uploaded files: the
//! classifier learns them, a reader's report on their own mail puts its sender on their own
//! list (so their marks override the domain's lists for them), reports are taken only on
//! one's own mail, and each person's are limited per hour. Mail goes through the real
//! listener (Python's smtplib), the store is a real SQLite file.

use crate::{
    harness::{error_of, ok_json, Answer, Portal},
    quarantine::denied,
    smtp::{code, domain_id, mail_host, maildir, smtplib, GTUBE, HAM},
};
use app::backend::store::db;
use app::model::Role;

/// The last log row's id.
async fn last_row(p: &Portal) -> i64 {
    db::query_scalar("SELECT id FROM mail_log ORDER BY id DESC LIMIT 1")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

async fn report(p: &Portal, who: &str, id: i64, class: &str) -> Answer {
    let id = id.to_string();
    p.call(
        "mail-log/report",
        Some(who),
        &[("id", &id), ("class", class)],
    )
    .await
}

async fn upload(p: &Portal, who: &str, name: &str, message: &str, class: &str) -> Answer {
    p.call(
        "learning/upload",
        Some(who),
        &[("name", name), ("message", message), ("class", class)],
    )
    .await
}

fn said(a: &Answer) -> String {
    ok_json(a).as_str().unwrap().to_string()
}

fn refusal(a: &Answer) -> String {
    error_of(a).to_string()
}

/// (list, sender) of the account's own entries.
async fn own_entries(p: &Portal, email: &str) -> Vec<(String, String)> {
    db::query_as(
        "SELECT e.list, e.pattern FROM personal_sender_entries e \
         JOIN accounts a ON a.id = e.account_id WHERE a.email = $1 ORDER BY e.id",
    )
    .bind(email)
    .fetch_all(&p.backend.pool)
    .await
    .unwrap()
}

async fn learned(p: &Portal) -> Vec<(String, String)> {
    db::query_as("SELECT class, learned_by FROM bayes_messages ORDER BY learned_at, digest")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

async fn audited(p: &Portal, action: &str) -> Vec<String> {
    db::query_scalar("SELECT detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

/// A message from `from` to alice, with its own subject and body.
fn message(from: &str, subject: &str) -> String {
    format!(
        "From: {from}\r\nTo: alice@example.test\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@sender.example.org>\r\n\r\nAbout {subject}, as we said.\r\n"
    )
}

#[tokio::test]
async fn a_report_from_the_log_teaches_the_filter_and_the_readers_own_list_overrides_the_domains() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let alice = p.sign_in("alice@example.test").await;
    let bob = p.sign_in("bob@example.test").await;
    // The domain lets the sender's mail skip the spam checks.
    let domain = domain_id(&p, "example.test").await;
    ok_json(
        &p.call(
            "sender-lists/add",
            Some(&dora),
            &[
                ("domain", domain.as_str()),
                ("list", "whitelist"),
                ("sender", "news@shop.example"),
                ("description", "the shop's newsletter"),
                ("expires", ""),
            ],
        )
        .await,
    );
    let to_both = ["alice@example.test", "bob@example.test"];
    let first = message("news@shop.example", "offers");
    let r = smtplib(p.smtp, "news@shop.example", &to_both, &first).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let row = last_row(&p).await;
    let log = ok_json(&p.call("mail-log/page", Some(&alice), &[]).await);
    assert_eq!(log["page"]["rows"][0]["learnable"], true, "{log}");

    // alice reports it as spam: learned, and the sender is blocked for her alone.
    let a = report(&p, &alice, row, "spam").await;
    assert_eq!(
        said(&a),
        "Learned 1 message as spam. news@shop.example is on your blacklist now."
    );
    assert_eq!(
        learned(&p).await,
        [("spam".into(), "alice@example.test".into())]
    );
    assert_eq!(
        own_entries(&p, "alice@example.test").await,
        [("blacklist".into(), "news@shop.example".into())]
    );
    assert_eq!(audited(&p, "messages_reported").await.len(), 1);
    // Again: learned already, nothing new.
    let a = report(&p, &alice, row, "spam").await;
    assert!(
        said(&a).starts_with("1 message was learned as spam before."),
        "{}",
        a.body
    );

    // The next one: bob (the domain's whitelist) gets it, alice (her own blacklist) not.
    let second = message("news@shop.example", "more offers");
    let r = smtplib(p.smtp, "news@shop.example", &to_both, &second).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let got = |who: &str| {
        maildir(&p, who)
            .iter()
            .filter(|m| m.contains("more offers"))
            .count()
    };
    assert_eq!((got("alice@example.test"), got("bob@example.test")), (0, 1));

    // bob says "not spam" of the first: it moves, and his own whitelist holds the sender.
    let a = report(&p, &bob, row, "ham").await;
    assert_eq!(
        said(&a),
        "Learned 1 message as not spam (1 had been learned as the opposite). \
         news@shop.example is on your whitelist now."
    );
    assert_eq!(
        learned(&p).await,
        [("ham".into(), "bob@example.test".into())]
    );
    // The domain admin's report teaches the filter; the mail was not to dora, so no list.
    let a = report(&p, &dora, row, "spam").await;
    assert_eq!(
        said(&a),
        "Learned 1 message as spam (1 had been learned as the opposite)."
    );
    assert!(own_entries(&p, "dora@example.test").await.is_empty());
    assert_eq!(audited(&p, "messages_reported").await.len(), 3);
    p.stop().await;
}

#[tokio::test]
async fn reports_are_taken_only_on_ones_own_mail_and_only_while_the_log_holds_it() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("carol@other.test", Role::MailUser).await;
    p.add_user("olga@other.test", Role::DomainAdmin).await;
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let row = last_row(&p).await;
    let bob = p.sign_in("bob@example.test").await;
    let olga = p.sign_in("olga@other.test").await;

    // Another person's message and another domain's: refused and audited, nothing learned.
    for (who, email) in [(&bob, "bob@example.test"), (&olga, "olga@other.test")] {
        let before = denied(&p, email).await;
        let a = report(&p, who, row, "spam").await;
        assert_eq!(a.status, 403, "{}", a.body);
        assert_eq!(denied(&p, email).await, before + 1);
    }
    let alice = p.sign_in("alice@example.test").await;
    let a = report(&p, &alice, row, "maybe").await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(learned(&p).await.is_empty());

    let a = report(&p, &alice, 999_999, "spam").await;
    assert_eq!(a.status, 404, "{}", a.body);

    // After a week the log keeps the row, not what learning needs of it.
    p.clock().advance(8 * 86_400);
    app::backend::mail_log::purge_expired(&p.backend, p.clock().now())
        .await
        .unwrap();
    let alice = p.sign_in("alice@example.test").await;
    let log = ok_json(&p.call("mail-log/page", Some(&alice), &[]).await);
    assert_eq!(log["page"]["rows"][0]["learnable"], false, "{log}");
    let a = report(&p, &alice, row, "spam").await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(
        refusal(&a).contains("upload the message as a file instead"),
        "{}",
        a.body
    );
    p.stop().await;
}

#[tokio::test]
async fn uploaded_files_are_learned_when_they_are_the_readers_own_mail() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let alice = p.sign_in("alice@example.test").await;
    let dora = p.sign_in("dora@example.test").await;
    // An alias that delivers to alice: mail to it is hers.
    ok_json(
        &p.call(
            "aliases/add",
            Some(&dora),
            &[
                ("domain", &domain_id(&p, "example.test").await),
                ("address", "sales"),
                ("targets", "alice@example.test"),
            ],
        )
        .await,
    );

    let mine = message("promo@spam.example", "prizes");
    let a = upload(&p, &alice, "prizes.eml", &mine, "spam").await;
    assert_eq!(said(&a), "Learned 1 message as spam.");
    let by_alias = mine
        .replace("To: alice@", "To: sales@")
        .replace("prizes", "alias prizes");
    let a = upload(&p, &alice, "alias.eml", &by_alias, "spam").await;
    assert_eq!(said(&a), "Learned 1 message as spam.", "{}", a.body);
    // Saved from a mailbox after a Bcc: the store's Delivered-To names her.
    let bcc = format!(
        "Delivered-To: alice@example.test\r\n{}",
        message("a@b.example", "bcc")
            .replace("To: alice@example.test\r\n", "To: someone@else.example\r\n")
    );
    assert_eq!(
        said(&upload(&p, &alice, "bcc.eml", &bcc, "ham").await),
        "Learned 1 message as not spam."
    );
    assert_eq!(audited(&p, "messages_reported").await.len(), 3);
    // Uploads teach the filter only: no list changes.
    assert!(own_entries(&p, "alice@example.test").await.is_empty());

    // bob's mail, another domain's, and a file that is no message.
    let bobs = message("promo@spam.example", "bobs").replace("To: alice@", "To: bob@");
    let a = upload(&p, &alice, "bob.eml", &bobs, "spam").await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(
        refusal(&a).contains("“bob.eml” was not addressed to you"),
        "{}",
        a.body
    );
    let elsewhere = message("x@y.example", "other").replace("example.test", "other.test");
    let a = upload(&p, &dora, "other.eml", &elsewhere, "spam").await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(
        refusal(&a).contains("not addressed to one of your domains"),
        "{}",
        a.body
    );
    // dora may report her domain's mail, bob's included.
    assert_eq!(
        said(&upload(&p, &dora, "bob.eml", &bobs, "spam").await),
        "Learned 1 message as spam."
    );
    let a = upload(&p, &alice, "notes.txt", "just some notes\r\n", "spam").await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(
        refusal(&a).contains("is not an email message"),
        "{}",
        a.body
    );
    let big = format!("{mine}{}", "x".repeat(1024 * 1024));
    let a = upload(&p, &alice, "big.eml", &big, "spam").await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(learned(&p).await.len(), 4);
    p.stop().await;
}

#[tokio::test]
async fn a_persons_reports_are_limited_per_hour() {
    let p = mail_host().await;
    let alice = p.sign_in("alice@example.test").await;
    // 100 reports this hour already (a mail user's allowance).
    let now = p.clock().now();
    for n in 0..100 {
        db::query(
            "INSERT INTO bayes_messages (digest, class, learned_by, learned_at) \
             VALUES ($1, 'spam', 'alice@example.test', $2)",
        )
        .bind(format!("earlier-{n}"))
        .bind(now - 60)
        .execute(&p.backend.pool)
        .await
        .unwrap();
    }
    let status = ok_json(&p.call("learning/status", Some(&alice), &[]).await);
    assert_eq!(
        (status["per_hour"].as_i64(), status["left"].as_i64()),
        (Some(100), Some(0))
    );
    let a = upload(
        &p,
        &alice,
        "one.eml",
        &message("a@b.example", "limit"),
        "spam",
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(
        refusal(&a).contains("as many messages as one person may in an hour"),
        "{}",
        a.body
    );

    // Releasing with "not spam" still releases; only the learning waits.
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let id: i64 = db::query_scalar("SELECT id FROM quarantine")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let a = p
        .call(
            "quarantine/release",
            Some(&alice),
            &[("ids[0]", &id.to_string()), ("not_spam", "true")],
        )
        .await;
    let done = ok_json(&a);
    assert_eq!(done["count"], 1);
    assert!(
        done["note"]
            .as_str()
            .unwrap()
            .starts_with("1 message not learned"),
        "{done}"
    );
    assert!(own_entries(&p, "alice@example.test").await.is_empty());

    // An hour on, she may report again.
    p.clock().advance(3600);
    let alice = p.sign_in("alice@example.test").await;
    let a = upload(
        &p,
        &alice,
        "one.eml",
        &message("a@b.example", "limit"),
        "spam",
    )
    .await;
    assert_eq!(said(&a), "Learned 1 message as spam.");
    p.stop().await;
}

#[tokio::test]
async fn marks_in_the_quarantine_put_the_sender_on_the_readers_own_list() {
    let p = mail_host().await;
    let spam = GTUBE.replace(
        "From: spam@spam.example",
        "From: Prize <prize@spam.example>",
    );
    let r = smtplib(p.smtp, "prize@spam.example", &["alice@example.test"], &spam).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let second = spam.replace("Subject: test", "Subject: again");
    let r = smtplib(
        p.smtp,
        "prize@spam.example",
        &["alice@example.test"],
        &second,
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let ids: Vec<i64> = db::query_scalar("SELECT id FROM quarantine ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    let alice = p.sign_in("alice@example.test").await;
    let a = p
        .call(
            "quarantine/release",
            Some(&alice),
            &[("ids[0]", &ids[0].to_string()), ("not_spam", "true")],
        )
        .await;
    assert_eq!(
        ok_json(&a)["note"],
        "Learned 1 message as not spam. prize@spam.example is on your whitelist now."
    );
    let a = p
        .call(
            "quarantine/delete",
            Some(&alice),
            &[("ids[0]", &ids[1].to_string()), ("spam", "true")],
        )
        .await;
    assert_eq!(
        ok_json(&a)["note"],
        "Learned 1 message as spam. prize@spam.example is on your blacklist now (it was on \
         the whitelist)."
    );
    assert_eq!(
        own_entries(&p, "alice@example.test").await,
        [("blacklist".into(), "prize@spam.example".into())]
    );
    p.stop().await;
}
