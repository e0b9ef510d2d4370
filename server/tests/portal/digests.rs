//! Quarantine digests: who gets one and what it lists (a mail user their own kept mail, a
//! domain admin the domain's, nobody who opted out, nothing from another domain), the
//! domain's daily, weekly or no digest, and the links — shown without acting, used once,
//! refused when altered, expired, used or the message is gone. Spam is kept by the real
//! pipeline (GTUBE through Python's smtplib); digests are read from the outbox.

use crate::{
    filters::save,
    harness::{error_of, ok_json, Portal},
    smtp::{code, domain_id, mail_host, maildir, smtplib, GTUBE},
};
use app::backend::store::db;
use app::{
    backend::digests::{self, Sent, When},
    model::Role,
};

/// The digests sent to `to` so far, their quoted-printable soft breaks undone.
fn digests_to(p: &Portal, to: &str) -> Vec<String> {
    p.outbox()
        .into_iter()
        .filter(|m| {
            m.contains("Quarantine digest")
                && m.lines().any(|l| l.trim_end() == format!("To: {to}"))
        })
        .map(|m| m.replace("=\r\n", "").replace("=3D", "="))
        .collect()
}

/// The link tokens of `action` ("Release" or "Delete") in a digest, in its order.
fn links(digest: &str, action: &str) -> Vec<String> {
    digest
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("{action}:")))
        .map(|l| {
            let url = l.trim();
            url.rsplit_once("/quarantine/digest/")
                .unwrap()
                .1
                .to_string()
        })
        .collect()
}

async fn keep(p: &Portal, to: &[&str], subject: &str) -> i64 {
    let message = GTUBE.replacen("Subject: ", &format!("Subject: {subject} "), 1);
    assert!(message.contains(subject), "GTUBE has a Subject line");
    let r = smtplib(p.smtp, "spam@spam.example", to, &message).await;
    assert_eq!(code(&r["data"]), 550, "kept: {r}");
    db::query_scalar("SELECT MAX(id) FROM quarantine")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

async fn send(p: &Portal, when: When) -> Sent {
    digests::send(&p.backend, when, p.clock().now())
        .await
        .unwrap()
}

async fn in_quarantine(p: &Portal, id: i64) -> Vec<String> {
    db::query_scalar("SELECT address FROM quarantine_recipients WHERE quarantine_id = $1")
        .bind(id)
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn digests_list_each_persons_new_kept_mail_with_links_that_work_once() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("carol@other.test", Role::MailUser).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    // Everyone's starting point: nothing was kept before this.
    assert_eq!(send(&p, When::Now).await, Sent::default());
    p.clock().advance(60);

    // Bob wants no digests.
    let bob = p.sign_in("bob@example.test").await;
    let choice = ok_json(&p.call("account/digest", Some(&bob), &[]).await);
    assert_eq!(choice["wanted"], true, "{choice}");
    assert_eq!(choice["domains"][0][0], "example.test", "{choice}");
    assert_eq!(choice["domains"][0][1], "Daily", "{choice}");
    ok_json(&p.call("account/digest/save", Some(&bob), &[]).await);
    let choice = ok_json(&p.call("account/digest", Some(&bob), &[]).await);
    assert_eq!(choice["wanted"], false, "{choice}");

    let both = keep(&p, &["alice@example.test", "bob@example.test"], "Prize").await;
    let alices = keep(&p, &["alice@example.test"], "Lottery").await;
    keep(&p, &["carol@other.test"], "Carols").await;

    // Not a day yet since the starting point: nothing is due.
    assert_eq!(send(&p, When::Due).await, Sent::default());
    p.clock().advance(60);
    let sent = send(&p, When::Now).await;
    assert_eq!(sent.digests, 3, "alice, dora and carol");
    assert!(digests_to(&p, "bob@example.test").is_empty());

    let alice_digest = digests_to(&p, "alice@example.test");
    assert_eq!(alice_digest.len(), 1);
    let digest = &alice_digest[0];
    assert!(
        digest.contains("Subject: Quarantine digest: 2 new messages for you"),
        "{digest}"
    );
    assert!(
        digest.contains("Prize") && digest.contains("Lottery"),
        "{digest}"
    );
    assert!(!digest.contains("Carols"), "{digest}");
    let dora_digest = &digests_to(&p, "dora@example.test")[0];
    assert!(
        dora_digest.contains("Quarantine digest for example.test: 2 new messages"),
        "{dora_digest}"
    );
    assert!(
        dora_digest.contains("bob@example.test"),
        "the domain's: {dora_digest}"
    );
    assert!(!dora_digest.contains("Carols"), "{dora_digest}");
    assert!(digests_to(&p, "carol@other.test")[0].contains("Carols"));

    // Nothing new: no second digest.
    assert_eq!(send(&p, When::Now).await, Sent::default());

    let releases = links(digest, "Release");
    let deletes = links(digest, "Delete");
    assert_eq!((releases.len(), deletes.len()), (2, 2), "{digest}");

    // Opening the link's page shows the message and changes nothing.
    let page = p
        .get(&format!("/quarantine/digest/{}", releases[0]), None)
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Release this message"), "{}", page.body);
    assert!(page.body.contains("Prize"), "{}", page.body);
    let view = ok_json(
        &p.call("digest-link", None, &[("token", &releases[0])])
            .await,
    );
    assert_eq!(view["action"], "Release", "{view}");
    assert_eq!(
        view["recipients"],
        serde_json::json!(["alice@example.test"])
    );
    assert_eq!(in_quarantine(&p, both).await.len(), 2);

    // An altered link is refused: another message, or another person.
    let altered = releases[0].replacen(&format!("-{both}-"), &format!("-{alices}-"), 1);
    assert_ne!(altered, releases[0]);
    for bad in [altered.as_str(), "release-1-1-1-00-00", "nonsense"] {
        let a = p.call("digest-link/use", None, &[("token", bad)]).await;
        assert_eq!(a.status, 410, "{}", a.body);
        assert!(error_of(&a).to_string().contains("not valid"), "{}", a.body);
    }

    // Used: alice's copy is delivered and leaves the quarantine; bob's stays.
    let used = p
        .call("digest-link/use", None, &[("token", &releases[0])])
        .await;
    let said = ok_json(&used);
    assert!(said.as_str().unwrap().contains("was released"), "{said}");
    assert_eq!(maildir(&p, "alice@example.test").len(), 1);
    assert!(maildir(&p, "bob@example.test").is_empty());
    assert_eq!(in_quarantine(&p, both).await, ["bob@example.test"]);
    let audit: Vec<(String, String)> =
        db::query_as("SELECT actor, ip FROM audit_log WHERE action = 'quarantine_released'")
            .fetch_all(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "alice@example.test");
    assert!(audit[0].1.contains("quarantine digest link"), "{audit:?}");

    // Once only; and the message's other link finds it gone.
    let again = p
        .call("digest-link/use", None, &[("token", &releases[0])])
        .await;
    assert_eq!(again.status, 410);
    assert!(
        error_of(&again).to_string().contains("used already"),
        "{}",
        again.body
    );
    let page = p
        .get(&format!("/quarantine/digest/{}", releases[0]), None)
        .await;
    assert_eq!(page.status, 410, "{}", page.body);
    let gone = p
        .call("digest-link/use", None, &[("token", &deletes[0])])
        .await;
    assert_eq!(gone.status, 410);
    assert!(
        error_of(&gone)
            .to_string()
            .contains("no longer in quarantine"),
        "{}",
        gone.body
    );

    // Two presses of one delete link at once delete once.
    let press = [("token", deletes[1].as_str())];
    let (a, b) = tokio::join!(
        p.call("digest-link/use", None, &press),
        p.call("digest-link/use", None, &press),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 410], "{} / {}", a.body, b.body);
    assert!(in_quarantine(&p, alices).await.is_empty());

    // Dora's links end with their week.
    let dora_release = links(dora_digest, "Release");
    p.clock().advance(8 * 86_400);
    let late = p
        .call("digest-link/use", None, &[("token", &dora_release[0])])
        .await;
    assert_eq!(late.status, 410);
    assert!(
        error_of(&late).to_string().contains("expired"),
        "{}",
        late.body
    );
    assert_eq!(in_quarantine(&p, both).await, ["bob@example.test"]);
    p.stop().await;
}

#[tokio::test]
async fn each_domain_sends_digests_daily_weekly_or_never() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let d = domain_id(&p, "example.test").await;
    let a = save(&p, &dora, &d, &[("digest", "weekly")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = save(&p, &dora, &d, &[("digest", "hourly")]).await;
    assert_eq!(a.status, 400);
    assert_eq!(error_of(&a)["Invalid"]["field"], "digest", "{}", a.body);
    assert_eq!(send(&p, When::Due).await, Sent::default(), "first round");
    p.clock().advance(60);

    keep(&p, &["alice@example.test"], "First").await;
    p.clock().advance(86_400);
    assert_eq!(
        send(&p, When::Due).await,
        Sent::default(),
        "a day is not a week"
    );
    p.clock().advance(6 * 86_400);
    let sent = send(&p, When::Due).await;
    assert_eq!((sent.digests, sent.messages), (2, 2), "alice's and dora's");

    // The next week lists only what came after.
    keep(&p, &["bob@example.test"], "Second").await;
    p.clock().advance(7 * 86_400);
    let sent = send(&p, When::Due).await;
    assert_eq!((sent.digests, sent.messages), (2, 2), "bob's and dora's");
    let dora_digests = digests_to(&p, "dora@example.test");
    assert_eq!(dora_digests.len(), 2);
    assert!(dora_digests[1].contains("Second") && !dora_digests[1].contains("First"));
    assert!(
        dora_digests[1].contains("1 new message"),
        "{}",
        dora_digests[1]
    );

    // Off: nobody gets one, even when asked at once.
    let dora = p.sign_in("dora@example.test").await;
    assert_eq!(save(&p, &dora, &d, &[("digest", "off")]).await.status, 200);
    keep(&p, &["alice@example.test"], "Third").await;
    p.clock().advance(60);
    assert_eq!(send(&p, When::Now).await, Sent::default());
    let choice = ok_json(&p.call("account/digest", Some(&dora), &[]).await);
    assert_eq!(choice["domains"][0][1], "Off", "{choice}");
    p.stop().await;
}
