//! Local recipients: with a list, a relay domain's (and SDR's) mail is taken only for the
//! listed addresses; every other address gets 550 at RCPT, before anything is queued.

use crate::{
    harness::{error_of, Answer, Portal},
    smtp::{codes, mail_host, raw, Peer},
};
use app::backend::store::db;
use app::model::Role;

/// The RCPT replies for `rcpts`, in one transaction that is then abandoned.
async fn rcpt_codes(p: &Portal, rcpts: &[&str]) -> Vec<String> {
    let mut input =
        String::from("EHLO client.example.org\r\nMAIL FROM:<ann@sender.example.org>\r\n");
    for r in rcpts {
        input.push_str(&format!("RCPT TO:<{r}>\r\n"));
    }
    input.push_str("QUIT\r\n");
    let transcript = raw(p.smtp, input.as_bytes()).await;
    let all = codes(&transcript);
    // Greeting, EHLO, MAIL, then one per RCPT.
    all[3..3 + rcpts.len()]
        .iter()
        .map(|c| c.to_string())
        .collect()
}

fn ok(a: Answer) {
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn relayed_mail_is_taken_only_for_listed_addresses() {
    let p = mail_host().await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("admin@example.test").await;
    ok(p.call(
        "domains/add",
        Some(&boss),
        &[
            ("name", "relay.test"),
            ("kind", "relay"),
            ("destination", "mx.relay.example"),
        ],
    )
    .await);
    let example: i64 = db::query_scalar("SELECT id FROM domains WHERE name = 'example.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let relay: i64 = db::query_scalar("SELECT id FROM domains WHERE name = 'relay.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    ok(p.call(
        "sdr/set",
        Some(&boss),
        &[
            ("domain", &example.to_string()),
            ("enabled", "true"),
            ("destination", "mx.sdr.example"),
        ],
    )
    .await);

    // No list: any address is relayed. (A transaction carries one domain's recipients.)
    assert_eq!(rcpt_codes(&p, &["anyone@relay.test"]).await, ["250"]);
    let got = rcpt_codes(&p, &["nobody@example.test", "alice@example.test"]).await;
    assert_eq!(got, ["250", "250"]);

    // A list: only its addresses; a mailbox here is not affected.
    let relay_s = relay.to_string();
    let example_s = example.to_string();
    for (domain, address) in [
        (relay_s.as_str(), "Known"),
        (example_s.as_str(), "remote@EXAMPLE.test"),
    ] {
        ok(p.call(
            "local-recipients/add",
            Some(&boss),
            &[("domain", domain), ("address", address)],
        )
        .await);
    }
    let got = rcpt_codes(&p, &["known@relay.test", "anyone@relay.test"]).await;
    assert_eq!(got, ["250", "550"]);
    let got = rcpt_codes(
        &p,
        &[
            "remote@example.test",
            "nobody@example.test",
            "alice@example.test",
        ],
    )
    .await;
    assert_eq!(got, ["250", "550", "250"]);

    // Bad and repeated entries are refused with a reason.
    for (address, words) in [
        ("known", "on the list already"),
        ("x@other.test", "not an address of relay.test"),
        ("a b", ""),
    ] {
        let a = p
            .call(
                "local-recipients/add",
                Some(&boss),
                &[("domain", &relay_s), ("address", address)],
            )
            .await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(error_of(&a)["Invalid"]["field"], "address");
        assert!(a.body.contains(words), "{}", a.body);
    }

    // The list moves in and out as CSV; an import only adds.
    let a = p
        .call(
            "transfer/import",
            Some(&boss),
            &[
                ("dataset", "local-recipients"),
                ("domain", &relay_s),
                ("csv", "address\nsales\nknown@relay.test\n"),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("sales@relay.test"), "{}", a.body);
    let a = p
        .get(
            &format!("/export/local-recipients?domain={relay}"),
            Some(&boss),
        )
        .await;
    assert_eq!(
        a.body.trim_start_matches('\u{feff}'),
        "address\nknown@relay.test\nsales@relay.test\n"
    );

    // Emptied, the domain takes every address again.
    ok(p.call(
        "local-recipients/clear",
        Some(&boss),
        &[("domain", &relay_s)],
    )
    .await);
    let got = rcpt_codes(&p, &["anyone@relay.test"]).await;
    assert_eq!(got, ["250"]);
    let actions: Vec<String> = db::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'local_recipient%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "local_recipient_added",
            "local_recipient_added",
            "local_recipient_added",
            "local_recipients_cleared"
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn callouts_refuse_recipients_the_destination_does_not_know() {
    let p = mail_host().await;
    let destination = Peer::start("users:known@relay.test").await;
    let busy = Peer::start("defer").await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("admin@example.test").await;
    ok(
        p.call("routes/allow_local", Some(&boss), &[("allow", "true")])
            .await,
    );
    for (name, route) in [
        ("relay.test", destination.route()),
        ("busy.test", busy.route()),
    ] {
        ok(p.call(
            "domains/add",
            Some(&boss),
            &[("name", name), ("kind", "relay"), ("destination", &route)],
        )
        .await);
    }
    let id = |name: &'static str| {
        let pool = p.backend.pool.clone();
        async move {
            let id: i64 = db::query_scalar("SELECT id FROM domains WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap();
            id.to_string()
        }
    };
    let (relay, busy_id) = (id("relay.test").await, id("busy.test").await);

    // Off (the default): nobody is asked.
    assert_eq!(rcpt_codes(&p, &["stranger@relay.test"]).await, ["250"]);
    assert!(destination.asked().is_empty());

    for d in [&relay, &busy_id] {
        ok(p.call(
            "local-recipients/callouts",
            Some(&boss),
            &[("domain", d), ("enabled", "on")],
        )
        .await);
    }
    let got = rcpt_codes(
        &p,
        &[
            "known@relay.test",
            "stranger@relay.test",
            "stranger@relay.test",
        ],
    )
    .await;
    assert_eq!(got, ["250", "550", "550"]);
    assert_eq!(
        destination.asked(),
        ["known@relay.test", "stranger@relay.test"],
        "the second question about the stranger is answered from the cache"
    );
    let cached: i64 = db::query_scalar("SELECT COUNT(*) FROM callout_cache")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(cached, 2);

    // Cleared, the destination is asked again.
    ok(p.call(
        "local-recipients/clear-cache",
        Some(&boss),
        &[("domain", &relay)],
    )
    .await);
    assert_eq!(rcpt_codes(&p, &["stranger@relay.test"]).await, ["550"]);
    assert_eq!(destination.asked().len(), 3);

    // A destination that cannot answer now (4xx) leaves the recipient taken, unremembered.
    assert_eq!(rcpt_codes(&p, &["anyone@busy.test"]).await, ["250"]);
    let remembered: i64 =
        db::query_scalar("SELECT COUNT(*) FROM callout_cache WHERE address = 'anyone@busy.test'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(remembered, 0);

    // Off again: taken without asking.
    ok(p.call(
        "local-recipients/callouts",
        Some(&boss),
        &[("domain", &relay)],
    )
    .await);
    assert_eq!(rcpt_codes(&p, &["stranger@relay.test"]).await, ["250"]);
    assert_eq!(destination.asked().len(), 3);
    p.stop().await;
}
