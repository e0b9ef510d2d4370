//! Sender addresses (who may send as an address) and a domain's settings, with their
//! checks, the reset to defaults, and other domains' admins refused.

use crate::harness::{error_of, Answer, Portal};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

fn json(a: &Answer) -> Value {
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

fn refused(a: &Answer) -> (String, String) {
    let e = error_of(a);
    (
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
async fn sender_addresses_name_mailboxes_of_the_admins_domains() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await.to_string();
    p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("ann@one.test", Role::MailUser).await;
    p.add_user("ben@one.test", Role::MailUser).await;
    p.add_user("tom@two.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@one.test").await;
    let tom = p.sign_in("tom@two.test").await;
    let add = |address: &'static str, users: &'static str| {
        let (p, dora, one) = (&p, dora.clone(), one.clone());
        async move {
            p.call(
                "senders/add",
                Some(&dora),
                &[("domain", &one), ("address", address), ("users", users)],
            )
            .await
        }
    };

    let a = add("Info", "ann@one.test, Ben@one.test").await;
    assert_eq!(a.status, 200, "{}", a.body);
    for (address, users, field, says) in [
        (
            "info",
            "ann@one.test",
            "address",
            "is a sender address already",
        ),
        (
            "@",
            "ann@one.test",
            "address",
            "one address, not the whole domain",
        ),
        (
            "team@two.test",
            "ann@one.test",
            "address",
            "must be in one.test",
        ),
        (
            "team",
            "tom@two.test",
            "users",
            "tom@two.test is not a mailbox in your domains",
        ),
        (
            "team",
            "nobody@one.test",
            "users",
            "not a mailbox in your domains",
        ),
        ("team", "", "users", "at least one mailbox"),
    ] {
        let (f, reason) = refused(&add(address, users).await);
        assert_eq!(f, field, "{address} {users}: {reason}");
        assert!(reason.contains(says), "{address} {users}: {reason}");
    }
    let list = json(
        &p.call(
            "senders/list",
            Some(&dora),
            &[("domain", &one), ("search", "ben")],
        )
        .await,
    );
    assert_eq!(list["page"]["total"], 1);
    let row = &list["page"]["rows"][0];
    assert_eq!(row["address"], "info@one.test");
    assert_eq!(
        row["users"],
        serde_json::json!(["ann@one.test", "ben@one.test"])
    );
    let id = row["id"].as_i64().unwrap().to_string();

    let a = p
        .call(
            "senders/edit",
            Some(&dora),
            &[("id", &id), ("users", "ben@one.test")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    for (endpoint, form) in [
        ("senders/list", vec![("domain", one.as_str())]),
        (
            "senders/add",
            vec![
                ("domain", one.as_str()),
                ("address", "x"),
                ("users", "tom@two.test"),
            ],
        ),
        (
            "senders/edit",
            vec![("id", id.as_str()), ("users", "tom@two.test")],
        ),
        ("senders/delete", vec![("id", id.as_str())]),
    ] {
        let a = p.call(endpoint, Some(&tom), &form).await;
        assert_eq!(a.status, 403, "{endpoint}: {}", a.body);
    }
    let a = p.call("senders/delete", Some(&dora), &[("id", &id)]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let list = json(
        &p.call("senders/list", Some(&dora), &[("domain", &one)])
            .await,
    );
    assert_eq!(list["page"]["total"], 0);
    let logged: Vec<String> = db::query_scalar(
        "SELECT action || ' ' || detail FROM audit_log WHERE action LIKE 'sender_address_%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        logged,
        [
            "sender_address_added info@one.test for ann@one.test, ben@one.test",
            "sender_address_changed info@one.test for ben@one.test",
            "sender_address_deleted info@one.test",
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn domain_settings_are_checked_applied_and_reset() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await.to_string();
    p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("tom@two.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@one.test").await;
    let tom = p.sign_in("tom@two.test").await;
    let save = |fields: &[(&'static str, &'static str)]| {
        let mut form = vec![
            ("domain", one.clone()),
            ("contact_email", String::new()),
            ("notify_from", String::new()),
            ("timezone", String::new()),
            ("log_days", String::new()),
            ("retry_days", String::new()),
            ("rejected_local_chars", String::new()),
        ];
        for (k, v) in fields {
            form.retain(|(key, _)| key != k);
            form.push((k, v.to_string()));
        }
        let (p, dora) = (&p, dora.clone());
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            p.call("domains/settings/save", Some(&dora), &form).await
        }
    };

    for (fields, field) in [
        (vec![("contact_email", "nobody")], "contact_email"),
        (vec![("timezone", "Mars/Olympus_Mons")], "timezone"),
        (vec![("timezone", "../../etc/passwd")], "timezone"),
        (vec![("log_days", "0")], "log_days"),
        (vec![("retry_days", "99")], "retry_days"),
        (vec![("rejected_local_chars", "@")], "rejected_local_chars"),
    ] {
        let a = save(&fields).await;
        assert_eq!(
            (a.status, refused(&a).0.as_str()),
            (400, field),
            "{fields:?}: {}",
            a.body
        );
    }
    let a = save(&[
        ("contact_email", "Postmaster@one.test"),
        ("timezone", "Europe/Berlin"),
        ("log_days", "90"),
        ("rejected_local_chars", "+"),
    ])
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let s = json(
        &p.call("domains/settings", Some(&dora), &[("domain", &one)])
            .await,
    );
    assert_eq!(s["settings"]["contact_email"], "postmaster@one.test");
    assert_eq!(s["settings"]["timezone"], "Europe/Berlin");
    assert_eq!(s["settings"]["log_days"], 90);
    assert!(
        s["settings"]["retry_days"].is_null(),
        "empty is the default: {s}"
    );

    // The refused character holds for new mailboxes and aliases.
    let a = p
        .call(
            "mailboxes/add",
            Some(&dora),
            &[
                ("domain", &one),
                ("local_part", "ann+news"),
                ("display_name", ""),
                ("password", crate::harness::PASSWORD),
                ("quota", ""),
            ],
        )
        .await;
    assert!(refused(&a).1.contains("does not accept “+”"), "{}", a.body);
    let a = p
        .call(
            "aliases/add",
            Some(&dora),
            &[
                ("domain", &one),
                ("address", "sales+x"),
                ("targets", "dora@one.test"),
            ],
        )
        .await;
    assert_eq!(refused(&a).0, "address", "{}", a.body);

    for (endpoint, form) in [
        ("domains/settings", vec![("domain", one.as_str())]),
        ("domains/settings/reset", vec![("domain", one.as_str())]),
    ] {
        assert_eq!(
            p.call(endpoint, Some(&tom), &form).await.status,
            403,
            "{endpoint}"
        );
    }
    let a = p
        .call("domains/settings/reset", Some(&dora), &[("domain", &one)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let s = json(
        &p.call("domains/settings", Some(&dora), &[("domain", &one)])
            .await,
    );
    assert!(
        s["settings"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_null),
        "{s}"
    );
    p.stop().await;
}
