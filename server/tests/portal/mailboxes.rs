//! A domain's mailboxes as its admins manage them: add, search and page, edit, disable
//! and enable, set a password, delete with the typed address; and who may touch whom.

use crate::harness::{error_of, Portal, PASSWORD};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

const NEW_PASSWORD: &str = "seven orange kites drift";

/// One page of the domain's mailboxes, as the screen gets it.
async fn page(p: &Portal, cookie: &str, domain: i64, search: &str, page: i64) -> Value {
    let a = p
        .call(
            "mailboxes/list",
            Some(cookie),
            &[
                ("domain", &domain.to_string()),
                ("search", search),
                ("page", &page.to_string()),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

async fn id_of(p: &Portal, cookie: &str, domain: i64, email: &str) -> i64 {
    let found = page(p, cookie, domain, email, 1).await;
    found["page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == email)
        .unwrap_or_else(|| panic!("{email} not listed: {found}"))["id"]
        .as_i64()
        .unwrap()
}

async fn add(
    p: &Portal,
    cookie: &str,
    domain: i64,
    fields: &[(&str, &str)],
) -> crate::harness::Answer {
    let domain = domain.to_string();
    let mut form = vec![
        ("domain", domain.as_str()),
        ("display_name", ""),
        ("password", PASSWORD),
        ("quota", ""),
    ];
    for (k, v) in fields {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    p.call("mailboxes/add", Some(cookie), &form).await
}

fn field_of(a: &crate::harness::Answer) -> String {
    error_of(a)["Invalid"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_domain_admin_adds_finds_changes_and_deletes_mailboxes() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@one.test").await;

    // Added with a name and a quota; the new mailbox signs in with its password.
    let a = add(
        &p,
        &dora,
        one,
        &[
            ("local_part", "Alice"),
            ("display_name", " Alice Example "),
            ("quota", "2 GB"),
        ],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let alice = p.sign_in("alice@one.test").await;
    let listed = page(&p, &dora, one, "ALICE EX", 1).await;
    assert_eq!(listed["domain"], "one.test");
    assert_eq!(listed["page"]["total"], 1, "{listed}");
    let row = &listed["page"]["rows"][0];
    assert_eq!(row["email"], "alice@one.test");
    assert_eq!(row["display_name"], "Alice Example");
    assert_eq!(row["quota"], 2048 * 1024 * 1024_i64);
    assert_eq!(row["enabled"], true);
    let id = row["id"].as_i64().unwrap();

    // Bad input is refused field by field, and nothing is added.
    for (fields, field, says) in [
        (
            vec![("local_part", "a b")],
            "local_part",
            "may contain letters",
        ),
        (
            vec![("local_part", "bob@one.test")],
            "local_part",
            "only the part before the @",
        ),
        (
            vec![("local_part", "alice")],
            "local_part",
            "exists already",
        ),
        (
            vec![("local_part", "bob"), ("quota", "lots")],
            "quota",
            "not a size",
        ),
        (
            vec![("local_part", "bob"), ("password", "short")],
            "password",
            "at least 8",
        ),
        (
            vec![("local_part", "bob"), ("password", "password123")],
            "password",
            "commonly used",
        ),
        (
            vec![
                ("local_part", "bob"),
                ("display_name", "Bob\r\nBcc: x@evil.test"),
            ],
            "display_name",
            "line breaks",
        ),
    ] {
        let a = add(&p, &dora, one, &fields).await;
        assert_eq!(a.status, 400, "{fields:?}: {}", a.body);
        assert_eq!(field_of(&a), field, "{fields:?}: {}", a.body);
        assert!(a.body.contains(says), "{fields:?}: {}", a.body);
    }
    assert_eq!(page(&p, &dora, one, "", 1).await["page"]["total"], 2);

    // Paging: 30 more mailboxes make two pages of 25; the search narrows them.
    for i in 0..30 {
        let a = add(&p, &dora, one, &[("local_part", &format!("user{i:02}"))]).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let second = page(&p, &dora, one, "", 2).await;
    assert_eq!(second["page"]["total"], 32);
    assert_eq!(second["page"]["rows"].as_array().unwrap().len(), 7);
    assert_eq!(page(&p, &dora, one, "user1", 1).await["page"]["total"], 10);
    // `%` and `_` are searched as they are, not as wildcards.
    assert_eq!(page(&p, &dora, one, "%", 1).await["page"]["total"], 0);
    assert_eq!(page(&p, &dora, one, "user_", 1).await["page"]["total"], 0);

    // Quota usage as delivery will keep it.
    db::query("UPDATE accounts SET used_bytes = 536870912 WHERE id = $1")
        .bind(id)
        .execute(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(
        page(&p, &dora, one, "alice", 1).await["page"]["rows"][0]["used_bytes"],
        536870912
    );

    // Name and quota.
    let ids = id.to_string();
    let a = p
        .call(
            "mailboxes/edit",
            Some(&dora),
            &[("id", &ids), ("display_name", "Alice E."), ("quota", "")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let row = &page(&p, &dora, one, "alice", 1).await["page"]["rows"][0];
    assert_eq!(
        (row["display_name"].as_str(), row["quota"].as_i64()),
        (Some("Alice E."), Some(0))
    );

    // Disabled: the session ends and sign-in is refused; enabled again, it signs in.
    let a = p
        .call(
            "mailboxes/enabled",
            Some(&dora),
            &[("id", &ids), ("enabled", "false")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        p.call("account/summary", Some(&alice), &[]).await.status,
        401
    );
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "alice@one.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 401, "{}", a.body);
    let a = p
        .call(
            "mailboxes/enabled",
            Some(&dora),
            &[("id", &ids), ("enabled", "true")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let alice = p.sign_in("alice@one.test").await;

    // A new password from the admin: the old one and the old session stop working.
    let a = p
        .call(
            "mailboxes/password",
            Some(&dora),
            &[("id", &ids), ("password", "alice")],
        )
        .await;
    assert_eq!(field_of(&a), "password", "{}", a.body);
    let a = p
        .call(
            "mailboxes/password",
            Some(&dora),
            &[("id", &ids), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        p.call("account/summary", Some(&alice), &[]).await.status,
        401
    );
    p.sign_in_as("alice@one.test", NEW_PASSWORD).await;

    // Deleting asks for the address, typed.
    let a = p
        .call(
            "mailboxes/delete",
            Some(&dora),
            &[("id", &ids), ("confirm", "alice")],
        )
        .await;
    assert_eq!(
        (a.status, field_of(&a)),
        (400, "confirm".to_string()),
        "{}",
        a.body
    );
    let a = p
        .call(
            "mailboxes/delete",
            Some(&dora),
            &[("id", &ids), ("confirm", " Alice@one.test ")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(page(&p, &dora, one, "alice", 1).await["page"]["total"], 0);
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "alice@one.test"), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 401);
    let a = p
        .call(
            "mailboxes/delete",
            Some(&dora),
            &[("id", &ids), ("confirm", "alice@one.test")],
        )
        .await;
    assert_eq!(a.status, 404, "already gone: {}", a.body);

    // Every change is in the audit log, by whom.
    let actions: Vec<String> = db::query_scalar(
        "SELECT action || ': ' || detail FROM audit_log WHERE actor = 'dora@one.test' \
         AND detail LIKE 'alice@%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "account_created: alice@one.test as Mail user",
            "mailbox_changed: alice@one.test: name “Alice E.”, quota No limit",
            "mailbox_disabled: alice@one.test",
            "mailbox_enabled: alice@one.test",
            "password_changed: alice@one.test by an admin",
            "mailbox_deleted: alice@one.test",
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn admins_accounts_and_ones_own_are_out_of_a_domain_admins_reach() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("dan@one.test", Role::DomainAdmin).await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    p.add_user("mo@one.test", Role::MailUser).await;
    let dora = p.sign_in("dora@one.test").await;
    let boss = p.sign_in("boss@one.test").await;
    let mo = p.sign_in("mo@one.test").await;

    for target in ["dan@one.test", "boss@one.test", "dora@one.test"] {
        let id = id_of(&p, &dora, one, target).await.to_string();
        for (endpoint, form) in [
            (
                "mailboxes/edit",
                vec![("id", id.as_str()), ("display_name", "x"), ("quota", "")],
            ),
            (
                "mailboxes/enabled",
                vec![("id", id.as_str()), ("enabled", "false")],
            ),
            (
                "mailboxes/password",
                vec![("id", id.as_str()), ("password", NEW_PASSWORD)],
            ),
            (
                "mailboxes/delete",
                vec![("id", id.as_str()), ("confirm", target)],
            ),
        ] {
            let a = p.call(endpoint, Some(&dora), &form).await;
            assert_eq!(a.status, 403, "dora {endpoint} {target}: {}", a.body);
        }
    }
    p.sign_in("dan@one.test").await;

    // A master admin manages admins' mailboxes, but not their own here.
    let dan = id_of(&p, &boss, one, "dan@one.test").await.to_string();
    let a = p
        .call(
            "mailboxes/password",
            Some(&boss),
            &[("id", &dan), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let own = id_of(&p, &boss, one, "boss@one.test").await.to_string();
    let a = p
        .call(
            "mailboxes/delete",
            Some(&boss),
            &[("id", &own), ("confirm", "boss@one.test")],
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(error_of(&a)["NotAllowed"]
        .as_str()
        .unwrap()
        .contains("your own account"));
    let a = p
        .call(
            "mailboxes/enabled",
            Some(&boss),
            &[("id", &own), ("enabled", "false")],
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);

    // Mail users reach none of it.
    let a = p
        .call("mailboxes/list", Some(&mo), &[("domain", &one.to_string())])
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    let a = add(&p, &mo, one, &[("local_part", "eve")]).await;
    assert_eq!(a.status, 403, "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn master_admins_assign_and_remove_domain_admins() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    let two = p.add_domain("two.test").await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    p.add_user("mo@one.test", Role::MailUser).await;
    let boss = p.sign_in("boss@one.test").await;
    let admins = |cookie: String, domain: i64| {
        let p = &p;
        async move {
            let a = p
                .call(
                    "domains/admins",
                    Some(&cookie),
                    &[("domain", &domain.to_string())],
                )
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            serde_json::from_str::<Value>(&a.body).unwrap()["admins"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["email"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let assign = |domain: i64, email: &'static str| {
        let (p, boss) = (&p, boss.clone());
        async move {
            p.call(
                "domains/admins/assign",
                Some(&boss),
                &[("domain", &domain.to_string()), ("email", email)],
            )
            .await
        }
    };

    // A mail user of one domain made admin of another: the role follows.
    let a = assign(two, "mo@one.test").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(admins(boss.clone(), two).await, ["mo@one.test"]);
    let mo = p.sign_in("mo@one.test").await;
    let a = p.call("admin/domains", Some(&mo), &[]).await;
    assert!(
        a.body.contains("two.test") && !a.body.contains("one.test"),
        "{}",
        a.body
    );
    assert_eq!(admins(mo.clone(), two).await, ["mo@one.test"]);
    let a = p
        .call("domains/admins", Some(&mo), &[("domain", &one.to_string())])
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    // Only master admins assign.
    let a = p
        .call(
            "domains/admins/assign",
            Some(&mo),
            &[("domain", &two.to_string()), ("email", "mo@one.test")],
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);

    for (email, says) in [
        ("nobody@one.test", "No account has the address"),
        ("boss@one.test", "administers every domain already"),
        ("not an address", "needs an @"),
    ] {
        let a = assign(two, email).await;
        assert_eq!(a.status, 400, "{email}: {}", a.body);
        assert!(a.body.contains(says), "{email}: {}", a.body);
    }

    // Removed from its only domain, the account is a mail user again.
    let mo_id: i64 = db::query_scalar("SELECT id FROM accounts WHERE email = 'mo@one.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let a = p
        .call(
            "domains/admins/remove",
            Some(&boss),
            &[
                ("domain", &two.to_string()),
                ("account", &mo_id.to_string()),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let role: String = db::query_scalar("SELECT role FROM accounts WHERE id = $1")
        .bind(mo_id)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(role, "mailuser");
    assert_eq!(p.call("admin/domains", Some(&mo), &[]).await.status, 403);
    let audit: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE actor = 'boss@one.test' \
         AND action IN ('domain_admin_assigned', 'domain_admin_removed') AND detail = 'mo@one.test for two.test'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(audit, 2);
    p.stop().await;
}
