//! Aliases and forwards: recipients checked, the catch-all, loops refused with their path,
//! edit and delete; and a two-domain fixture that calls every per-domain admin function
//! with the other domain's identifiers.

use crate::harness::{error_of, Answer, Portal};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

async fn add(p: &Portal, cookie: &str, domain: i64, address: &str, targets: &str) -> Answer {
    p.call(
        "aliases/add",
        Some(cookie),
        &[
            ("domain", &domain.to_string()),
            ("address", address),
            ("targets", targets),
        ],
    )
    .await
}

async fn list(p: &Portal, cookie: &str, domain: i64, search: &str) -> Value {
    let a = p
        .call(
            "aliases/list",
            Some(cookie),
            &[("domain", &domain.to_string()), ("search", search)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

fn alias_id(listed: &Value, address: &str) -> i64 {
    listed["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not listed: {listed}"))["id"]
        .as_i64()
        .unwrap()
}

fn refusal(a: &Answer) -> (u16, String, String) {
    let e = error_of(a);
    (
        a.status,
        e["Invalid"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        e["Invalid"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn aliases_forward_check_their_recipients_and_refuse_loops() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    let two = p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("alice@one.test", Role::MailUser).await;
    p.add_user("bob@two.test", Role::MailUser).await;
    p.add_user("boss@two.test", Role::MasterAdmin).await;
    let dora = p.sign_in("dora@one.test").await;
    let boss = p.sign_in("boss@two.test").await;

    // To a mailbox here, and to one elsewhere (a forward), typed loosely.
    let a = add(
        &p,
        &dora,
        one,
        "Sales",
        "alice@one.test,\n Friend@Remote.example ; alice@one.test",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let listed = list(&p, &dora, one, "").await;
    let row = &listed["page"]["rows"][0];
    assert_eq!(row["address"], "sales@one.test");
    assert_eq!(
        row["targets"],
        serde_json::json!(["alice@one.test", "friend@remote.example"])
    );
    assert_eq!(
        listed["forwards"],
        serde_json::json!(["friend@remote.example"])
    );
    assert_eq!(
        list(&p, &dora, one, "remote").await["page"]["total"],
        1,
        "found by recipient"
    );

    // Refused, each with the field and a reason to act on.
    for (address, targets, field, says) in [
        ("alice", "friend@remote.example", "address", "is a mailbox"),
        ("sales", "alice@one.test", "address", "exists already"),
        (
            "info@two.test",
            "alice@one.test",
            "address",
            "must be in one.test",
        ),
        (
            "info",
            "nobody@one.test",
            "targets",
            "neither a mailbox nor an alias",
        ),
        (
            "info",
            "alice@one.test, not-an-address",
            "targets",
            "“not-an-address”",
        ),
        ("info", "", "targets", "at least one recipient"),
        ("info", "info@one.test", "targets", "to itself"),
        ("bad address", "alice@one.test", "address", "may contain"),
    ] {
        let a = add(&p, &dora, one, address, targets).await;
        let (status, f, reason) = refusal(&a);
        assert_eq!(
            (status, f.as_str()),
            (400, field),
            "{address} → {targets}: {}",
            a.body
        );
        assert!(reason.contains(says), "{address} → {targets}: {reason}");
    }

    // a → b, then b → a: refused, with the path.
    assert_eq!(add(&p, &dora, one, "a", "sales@one.test").await.status, 200);
    let a = add(&p, &dora, one, "b", "a@one.test").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let b = alias_id(&list(&p, &dora, one, "").await, "b@one.test").to_string();
    let sales = alias_id(&list(&p, &dora, one, "").await, "sales@one.test").to_string();
    let a = p
        .call(
            "aliases/edit",
            Some(&dora),
            &[("id", &sales), ("targets", "alice@one.test b@one.test")],
        )
        .await;
    let (status, field, reason) = refusal(&a);
    assert_eq!((status, field.as_str()), (400, "targets"), "{}", a.body);
    assert_eq!(
        reason,
        "This would make a loop: sales@one.test → b@one.test → a@one.test → sales@one.test. \
         Mail would go round until it bounced."
    );

    // The catch-all: a loop through it across two domains is found too.
    let a = add(&p, &dora, one, "@", "bob@two.test").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let listed = list(&p, &dora, one, "").await;
    assert!(alias_id(&listed, "@one.test") > 0);
    let a = add(&p, &boss, two, "relay", "whoever@one.test").await;
    assert_eq!(
        a.status, 200,
        "an unknown local part goes to the catch-all: {}",
        a.body
    );
    let bob_alias = add(&p, &boss, two, "back", "nobody@one.test").await;
    assert_eq!(bob_alias.status, 200, "{}", bob_alias.body);
    let catch_all = alias_id(&listed, "@one.test").to_string();
    let a = p
        .call(
            "aliases/edit",
            Some(&dora),
            &[("id", &catch_all), ("targets", "back@two.test")],
        )
        .await;
    let (_, _, reason) = refusal(&a);
    assert!(
        reason.contains("@one.test → back@two.test → nobody@one.test → @one.test"),
        "{reason}"
    );

    // Edit and delete.
    let a = p
        .call(
            "aliases/edit",
            Some(&dora),
            &[("id", &sales), ("targets", "alice@one.test")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p.call("aliases/delete", Some(&dora), &[("id", &b)]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let listed = list(&p, &dora, one, "").await;
    assert_eq!(listed["page"]["total"], 3, "{listed}");
    let a = p.call("aliases/delete", Some(&dora), &[("id", &b)]).await;
    assert_eq!(a.status, 404);

    // A mailbox cannot take an alias's address.
    let a = p
        .call(
            "mailboxes/add",
            Some(&dora),
            &[
                ("domain", &one.to_string()),
                ("local_part", "sales"),
                ("display_name", ""),
                ("password", crate::harness::PASSWORD),
                ("quota", ""),
            ],
        )
        .await;
    assert!(refusal(&a).2.contains("is an alias"), "{}", a.body);

    let logged: Vec<String> = db::query_scalar(
        "SELECT action || ' ' || detail FROM audit_log WHERE actor = 'dora@one.test' \
         AND action LIKE 'alias_%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        logged,
        [
            "alias_created sales@one.test → alice@one.test, friend@remote.example",
            "alias_created a@one.test → sales@one.test",
            "alias_created b@one.test → a@one.test",
            "alias_created @one.test → bob@two.test",
            "alias_changed sales@one.test → alice@one.test",
            "alias_deleted b@one.test",
        ]
    );
    p.stop().await;
}

/// Every per-domain admin function, called by the admin of one domain with the other
/// domain's identifiers: each is refused, audited, and changes nothing.
#[tokio::test]
async fn a_domain_admin_cannot_reach_another_domain_through_any_function() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    let two = p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("tom@two.test", Role::DomainAdmin).await;
    let victim = p.add_user("vic@two.test", Role::MailUser).await;
    let tom = p.sign_in("tom@two.test").await;
    assert_eq!(add(&p, &tom, two, "team", "vic@two.test").await.status, 200);
    let alias = alias_id(&list(&p, &tom, two, "").await, "team@two.test");
    let dora = p.sign_in("dora@one.test").await;
    let before = snapshot(&p).await;

    let (two, victim, alias) = (two.to_string(), victim.to_string(), alias.to_string());
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("mailboxes/list", vec![("domain", &two)]),
        (
            "mailboxes/add",
            vec![
                ("domain", &two),
                ("local_part", "eve"),
                ("display_name", ""),
                ("password", crate::harness::PASSWORD),
                ("quota", ""),
            ],
        ),
        (
            "mailboxes/edit",
            vec![("id", &victim), ("display_name", "x"), ("quota", "")],
        ),
        (
            "mailboxes/enabled",
            vec![("id", &victim), ("enabled", "false")],
        ),
        (
            "mailboxes/password",
            vec![("id", &victim), ("password", "seven orange kites drift")],
        ),
        (
            "mailboxes/delete",
            vec![("id", &victim), ("confirm", "vic@two.test")],
        ),
        ("aliases/list", vec![("domain", &two)]),
        (
            "aliases/add",
            vec![
                ("domain", &two),
                ("address", "eve"),
                ("targets", "vic@two.test"),
            ],
        ),
        (
            "aliases/edit",
            vec![("id", &alias), ("targets", "dora@one.test")],
        ),
        ("aliases/delete", vec![("id", &alias)]),
        ("domains/verify", vec![("id", &two)]),
        ("domains/admins", vec![("domain", &two)]),
        (
            "domains/admins/assign",
            vec![("domain", &two), ("email", "dora@one.test")],
        ),
        (
            "domains/admins/remove",
            vec![("domain", &two), ("account", &victim)],
        ),
    ];
    for (endpoint, form) in &calls {
        let a = p.call(endpoint, Some(&dora), form).await;
        assert_eq!(a.status, 403, "{endpoint}: {}", a.body);
        assert!(!a.body.contains("vic@"), "{endpoint} leaks: {}", a.body);
    }
    // The mailbox-access screen answers as for an unknown address (no existence leak).
    let a = p
        .call(
            "mail_access/overview",
            Some(&dora),
            &[("mailbox", "vic@two.test")],
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(
        a.body
            .contains("No account with this address is in your domains"),
        "{}",
        a.body
    );

    assert_eq!(snapshot(&p).await, before, "nothing changed");
    let refused: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND actor = 'dora@one.test'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(refused as usize, calls.len(), "each refusal is audited");
    p.stop().await;
}

/// What a forbidden call could have changed.
async fn snapshot(p: &Portal) -> Vec<String> {
    db::query_scalar(
        "SELECT 'account ' || email || ' ' || role || ' ' || enabled || ' ' || display_name || ' ' || password_hash FROM accounts \
         UNION ALL SELECT 'alias ' || address FROM aliases \
         UNION ALL SELECT 'target ' || target FROM alias_targets \
         UNION ALL SELECT 'admin ' || account_id || ' ' || domain_id FROM domain_admins \
         UNION ALL SELECT 'verified ' || name || ' ' || COALESCE(verified_at, 0) FROM domains \
         ORDER BY 1",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap()
}
