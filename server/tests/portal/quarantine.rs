//! The Quarantine screens' server side: who reads which kept message, opening one without
//! running it, release into the mailboxes, deletion (ticked, or by score) and the purge
//! after the domain's quarantine days. Spam is kept by the real pipeline: GTUBE sent by
//! Python's smtplib.

use crate::{
    harness::{ok_json, Portal},
    smtp::{code, mail_host, maildir, smtplib, GTUBE},
};
use app::backend::store::db;
use app::model::Role;

/// Spam in HTML with everything a portal must not run or load.
const HTML_SPAM: &str = "From: spam@spam.example\r\nSubject: Prize\r\nDate: Fri, 15 Jan 2027 07:55:00 +0000\r\n\
    Message-ID: <html@spam.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
    <p onmouseover=\"steal()\">You won XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X</p>\r\n\
    <script>document.location='https://evil.example/'</script>\r\n\
    <img src=\"https://tracker.example/pixel.gif\"><a href=\"https://evil.example/claim\">Claim</a>\r\n";

/// Kept message ids and recipients as `who` lists them.
async fn listed(p: &Portal, who: &str) -> Vec<(i64, Vec<String>)> {
    let page = ok_json(&p.call("quarantine/list", Some(who), &[]).await);
    page["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let to = r["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            (r["id"].as_i64().unwrap(), to)
        })
        .collect()
}

async fn keep(p: &Portal, to: &[&str], message: &str) -> i64 {
    let r = smtplib(p.smtp, "spam@spam.example", to, message).await;
    assert_eq!(code(&r["data"]), 550, "kept, the sender told 5xx: {r}");
    db::query_scalar("SELECT MAX(id) FROM quarantine")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

fn file_of(p: &Portal, queue_id: &str) -> std::path::PathBuf {
    p.data.path().join("quarantine").join(queue_id)
}

async fn queue_id(p: &Portal, id: i64) -> String {
    db::query_scalar("SELECT queue_id FROM quarantine WHERE id = $1")
        .bind(id)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

/// How often `who` was refused something (the audit log's `access_denied` rows).
pub(crate) async fn denied(p: &Portal, who: &str) -> i64 {
    db::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND actor = $1")
        .bind(who)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_reader_sees_and_releases_only_their_own_kept_mail() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("carol@other.test", Role::MailUser).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("boss@other.test", Role::MasterAdmin).await;
    let both = keep(&p, &["alice@example.test", "bob@example.test"], GTUBE).await;
    let carols = keep(&p, &["carol@other.test"], GTUBE).await;
    let (alice, bob) = (
        p.sign_in("alice@example.test").await,
        p.sign_in("bob@example.test").await,
    );
    let (dora, boss) = (
        p.sign_in("dora@example.test").await,
        p.sign_in("boss@other.test").await,
    );

    // A mail user reads their own copy; an admin their domains'; a master admin all.
    assert_eq!(
        listed(&p, &alice).await,
        [(both, vec!["alice@example.test".to_string()])]
    );
    assert_eq!(
        listed(&p, &dora).await,
        [(
            both,
            vec![
                "alice@example.test".to_string(),
                "bob@example.test".to_string()
            ]
        )]
    );
    let all: Vec<i64> = listed(&p, &boss).await.iter().map(|r| r.0).collect();
    assert_eq!(all, [carols, both], "newest first");
    let carol = p.sign_in("carol@other.test").await;
    let searched = ok_json(
        &p.call("quarantine/list", Some(&boss), &[("search", "CAROL@")])
            .await,
    );
    assert_eq!(searched["page"]["total"], 1, "{searched}");

    // Opening: the text, the header, the source; another's message is refused and audited.
    let m = ok_json(
        &p.call(
            "quarantine/message",
            Some(&alice),
            &[("id", &both.to_string())],
        )
        .await,
    );
    assert!(
        m["text"].as_str().unwrap().contains("GTUBE-STANDARD"),
        "{m}"
    );
    assert!(m["raw"].as_str().unwrap().starts_with("Received: "), "{m}");
    assert!(
        m["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "X-Spam" && h[1] == "yes"),
        "{m}"
    );
    for who in [&alice, &dora] {
        let a = p
            .call(
                "quarantine/message",
                Some(who),
                &[("id", &carols.to_string())],
            )
            .await;
        assert_eq!(a.status, 403, "{}", a.body);
        let a = p
            .call(
                "quarantine/release",
                Some(who),
                &[("ids[0]", &carols.to_string())],
            )
            .await;
        assert_eq!(a.status, 403, "{}", a.body);
    }
    assert_eq!(denied(&p, "alice@example.test").await, 2);
    assert_eq!(denied(&p, "dora@example.test").await, 2);
    let a = p
        .call("quarantine/message", Some(&alice), &[("id", "999999")])
        .await;
    assert_eq!(a.status, 404, "{}", a.body);
    let a = p.call("quarantine/release", Some(&alice), &[]).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("Tick the messages first"), "{}", a.body);

    // Alice releases her copy: it is delivered to her alone; Bob's stays kept.
    let a = p
        .call(
            "quarantine/release",
            Some(&alice),
            &[("ids[0]", &both.to_string())],
        )
        .await;
    assert_eq!(ok_json(&a)["count"], 1);
    let got = maildir(&p, "alice@example.test");
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("X-Spam: yes\r\n"), "{}", got[0]);
    assert!(got[0].contains("GTUBE-STANDARD"), "{}", got[0]);
    assert!(maildir(&p, "bob@example.test").is_empty());
    assert!(listed(&p, &alice).await.is_empty());
    assert_eq!(
        listed(&p, &bob).await,
        [(both, vec!["bob@example.test".to_string()])]
    );
    let file = file_of(&p, &queue_id(&p, both).await);
    assert!(file.exists(), "kept for Bob");

    // Bob deletes his: the message and its file are gone.
    let a = p
        .call(
            "quarantine/delete",
            Some(&bob),
            &[("ids[0]", &both.to_string())],
        )
        .await;
    assert_eq!(ok_json(&a)["count"], 1);
    assert!(listed(&p, &dora).await.is_empty());
    assert!(!file.exists());
    assert!(maildir(&p, "bob@example.test").is_empty());

    // Several at once, ticked anywhere on the page (the form numbers what is ticked).
    let one = keep(&p, &["carol@other.test"], GTUBE).await;
    let a = p
        .call(
            "quarantine/release",
            Some(&carol),
            &[
                ("ids[0]", &carols.to_string()),
                ("ids[3]", &one.to_string()),
            ],
        )
        .await;
    assert_eq!(ok_json(&a)["count"], 2);
    assert_eq!(maildir(&p, "carol@other.test").len(), 2);
    let audit: Vec<String> = db::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'quarantine_%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        [
            "quarantine_released",
            "quarantine_deleted",
            "quarantine_released",
            "quarantine_released"
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn html_is_shown_cleaned_and_admins_delete_by_score() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let html = keep(&p, &["alice@example.test"], HTML_SPAM).await;
    let m = ok_json(
        &p.call(
            "quarantine/message",
            Some(&dora),
            &[("id", &html.to_string())],
        )
        .await,
    );
    let doc = m["html"].as_str().unwrap();
    assert!(doc.contains("You won"), "{doc}");
    for gone in ["<script", "onmouseover", "https://", "evil.example"] {
        assert!(!doc.contains(gone), "{gone} in {doc}");
    }
    assert!(doc.contains("default-src 'none'"), "{doc}");
    assert!(
        m["raw"].as_str().unwrap().contains("<script>"),
        "the source is text"
    );

    // Two kept messages, one scored lower.
    let low = keep(&p, &["bob@example.test"], GTUBE).await;
    db::query("UPDATE quarantine SET score = 20 WHERE id = $1")
        .bind(low)
        .execute(&p.backend.pool)
        .await
        .unwrap();
    let example = crate::smtp::domain_id(&p, "example.test").await;
    let other = crate::smtp::domain_id(&p, "other.test").await;
    for (score, field) in [("lots", "score"), ("5000", "score")] {
        let a = p
            .call(
                "quarantine/delete-by-score",
                Some(&dora),
                &[("domain", &example), ("side", "above"), ("score", score)],
            )
            .await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(crate::harness::error_of(&a)["Invalid"]["field"], field);
    }
    let a = p
        .call(
            "quarantine/delete-by-score",
            Some(&dora),
            &[("domain", &other), ("side", "above"), ("score", "1")],
        )
        .await;
    assert_eq!(a.status, 403, "another domain: {}", a.body);
    let a = p
        .call(
            "quarantine/delete-by-score",
            Some(&dora),
            &[("domain", &example), ("side", "above"), ("score", "500")],
        )
        .await;
    assert_eq!(ok_json(&a), 1);
    let left: Vec<i64> = listed(&p, &dora).await.iter().map(|r| r.0).collect();
    assert_eq!(left, [low]);
    let alice = p.sign_in("alice@example.test").await;
    let a = p
        .call(
            "quarantine/delete-by-score",
            Some(&alice),
            &[("domain", &example), ("side", "below"), ("score", "500")],
        )
        .await;
    assert_eq!(a.status, 403, "a mail user: {}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn kept_mail_is_purged_after_the_domains_quarantine_days() {
    let p = mail_host().await;
    let kept = keep(&p, &["alice@example.test"], GTUBE).await;
    let file = file_of(&p, &queue_id(&p, kept).await);
    let now = p.clock().now();
    let purge = |at| app::backend::quarantine::purge_expired(&p.backend, at);
    assert_eq!(purge(now + 28 * 86_400 - 1).await.unwrap(), 0);
    assert!(file.exists());
    assert_eq!(purge(now + 28 * 86_400).await.unwrap(), 1);
    assert!(!file.exists());
    let rows: i64 = db::query_scalar("SELECT COUNT(*) FROM quarantine_recipients")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    p.stop().await;
}
