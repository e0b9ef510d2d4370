//! The Delivery queue screen's server side: who sees which waiting copy, with its route,
//! attempts and last error; a forced retry that the queue takes up at once; deletion, with
//! the spool file kept while another copy of the message waits, and reported as spam when
//! asked. Copies wait for real:
//! aiosmtpd routes answer every RCPT with 451.

use crate::{
    harness::{error_of, ok_json, Portal},
    smtp::{code, mail_host, smtplib, Peer, HAM},
};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;
use std::time::Duration;

/// The copies `who` sees: (id, recipient, the whole row).
async fn listed(p: &Portal, who: &str, search: &str) -> Vec<(i64, String, Value)> {
    let page = ok_json(&p.call("queue/list", Some(who), &[("search", search)]).await);
    page["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["recipient"].as_str().unwrap().to_string(),
                r.clone(),
            )
        })
        .collect()
}

/// Waits until every queued copy was tried `n` times.
async fn tried(p: &Portal, n: i64) {
    for _ in 0..200 {
        let least: Option<i64> = db::query_scalar("SELECT MIN(attempts) FROM mail_queue")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
        if least.is_some_and(|a| a >= n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the queued copies were not tried {n} times");
}

async fn audited(p: &Portal, action: &str) -> Vec<String> {
    db::query_scalar("SELECT detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn admins_see_their_domains_copies_and_retry_or_delete_them() {
    let p = mail_host().await;
    let busy = Peer::start("defer").await;
    let also_busy = Peer::start("defer").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let dora_id = p.add_user("dora@example.test", Role::DomainAdmin).await;
    let boss = p.sign_in("boss@example.test").await;
    ok_json(
        &p.call("routes/allow_local", Some(&boss), &[("allow", "true")])
            .await,
    );
    for (name, peer) in [("later.test", &busy), ("away.test", &also_busy)] {
        ok_json(
            &p.call(
                "domains/add",
                Some(&boss),
                &[
                    ("name", name),
                    ("kind", "relay"),
                    ("destination", &peer.route()),
                ],
            )
            .await,
        );
    }
    // dora runs example.test and the relay domain later.test, not away.test.
    let later: i64 = db::query_scalar("SELECT id FROM domains WHERE name = 'later.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let mut conn = p.backend.pool.acquire().await.unwrap();
    app::backend::store::accounts::make_domain_admin(&mut conn.conn(), dora_id, later)
        .await
        .unwrap();
    drop(conn);
    // Two messages: one transaction carries the recipients of one domain.
    for to in [&["x@later.test", "x2@later.test"][..], &["y@away.test"]] {
        let r = smtplib(p.smtp, "ann@sender.example.org", to, HAM).await;
        assert_eq!(code(&r["data"]), 250, "{r}");
    }
    tried(&p, 1).await;
    let dora = p.sign_in("dora@example.test").await;

    // Each admin sees their domains' copies, with where they go and what they met.
    let seen = listed(&p, &dora, "").await;
    let to: Vec<&str> = seen.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(to, ["x@later.test", "x2@later.test"]);
    let (x, _, ref row) = seen[0];
    let x2 = seen[1].0;
    assert_eq!(row["sender"], "ann@sender.example.org");
    assert_eq!(
        row["route"],
        format!("routes of later.test: {}", busy.route()),
        "{row}"
    );
    assert_eq!(row["attempts"], 1);
    assert!(
        row["last_error"]
            .as_str()
            .unwrap()
            .contains("451 4.3.0 Try again later"),
        "{row}"
    );
    let now = p.clock().now();
    assert!(row["next_attempt_at"].as_i64().unwrap() > now, "{row}");
    assert!(row["expires_at"].as_i64().unwrap() > now + 86_400, "{row}");
    let all = listed(&p, &boss, "").await;
    assert_eq!(all.len(), 3, "{all:?}");
    let y = all.iter().find(|c| c.1 == "y@away.test").unwrap().0;
    let found = listed(&p, &boss, "AWAY.test").await;
    assert_eq!(found.iter().map(|c| c.0).collect::<Vec<_>>(), [y]);
    let by_error = listed(&p, &boss, "try again").await;
    assert_eq!(by_error.len(), 3, "the last error is searched too");

    // A mail user has no queue; another domain's copy is refused, and audited.
    let alice = p.sign_in("alice@example.test").await;
    assert_eq!(p.call("queue/list", Some(&alice), &[]).await.status, 403);
    let other = p
        .call("queue/retry", Some(&dora), &[("ids[0]", &y.to_string())])
        .await;
    assert_eq!(other.status, 403, "{}", other.body);
    let denied: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND detail LIKE '%queued copy%'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(denied, 1);
    let none = p.call("queue/delete", Some(&dora), &[]).await;
    assert_eq!(none.status, 400, "{}", none.body);
    assert!(error_of(&none)
        .to_string()
        .contains("Tick the messages first"));

    // Retry now: the queue takes the copy up at once, not in a minute.
    let retried = ok_json(
        &p.call("queue/retry", Some(&dora), &[("ids[0]", &x.to_string())])
            .await,
    );
    assert_eq!(retried, 1);
    let mut attempts: i64 = 0;
    for _ in 0..100 {
        attempts = db::query_scalar("SELECT attempts FROM mail_queue WHERE id = $1")
            .bind(x)
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
        if attempts == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(attempts, 2, "retried without waiting for the back-off");
    assert_eq!(
        audited(&p, "queue_retried").await,
        [format!(
            "retried the delivery of {} from ann@sender.example.org to x@later.test now",
            row["queue_id"].as_str().unwrap()
        )]
    );

    // Deleting one copy keeps the message for the other; the last takes the spool file.
    let queue_id = row["queue_id"].as_str().unwrap().to_string();
    let spool = p.data.path().join("spool").join(&queue_id);
    assert!(spool.exists());
    let deleted = ok_json(
        &p.call("queue/delete", Some(&dora), &[("ids[0]", &x.to_string())])
            .await,
    );
    assert_eq!(deleted["count"], 1);
    assert_eq!(deleted["note"], "", "nothing reported unless asked");
    let left: Vec<i64> = listed(&p, &dora, "").await.iter().map(|c| c.0).collect();
    assert_eq!(left, [x2]);
    assert!(spool.exists(), "x2@later.test still waits for it");
    let gone_again = p
        .call("queue/delete", Some(&boss), &[("ids[0]", &x.to_string())])
        .await;
    assert_eq!(gone_again.status, 403, "{}", gone_again.body);
    assert!(
        error_of(&gone_again)
            .to_string()
            .contains("has left the queue"),
        "{}",
        gone_again.body
    );
    let both = ok_json(
        &p.call(
            "queue/delete",
            Some(&boss),
            &[
                ("ids[0]", &x2.to_string()),
                ("ids[1]", &y.to_string()),
                ("spam", "true"),
            ],
        )
        .await,
    );
    // Deleted and reported: the spam filter learned the message, by its reporter. Both
    // were one message (HAM's Message-ID, subject and body), so it is learned once.
    assert_eq!(both["count"], 2);
    assert_eq!(
        both["note"],
        "Learned 1 message as spam; 1 message was learned as spam before."
    );
    let learned: Vec<String> =
        db::query_scalar("SELECT learned_by FROM bayes_messages WHERE class = 'spam'")
            .fetch_all(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(learned, ["boss@example.test"]);
    assert!(!spool.exists(), "the last copy took the spool file");
    let deleted = audited(&p, "queue_deleted").await;
    assert_eq!(deleted.len(), 3);
    assert!(deleted[1].ends_with(", reported as spam"), "{deleted:?}");
    assert!(listed(&p, &boss, "").await.is_empty());
    // Nothing reached either peer, and the sender was not told.
    assert_eq!(crate::smtp::delivered_anywhere(&p), 0);
    p.stop().await;
}
