//! SECURITY.md, access control: a domain admin calling any admin server function with
//! another domain's identifiers is refused (403, or 404 for what a domain admin may not even
//! learn exists), the refusal is audited, and nothing in the other domain changes.

use crate::harness::{Caller, Portal, PASSWORD};
use app::backend::store::db;
use app::model::Role;

/// What the other domain holds, as rows counted and settings read: equal before and after.
async fn snapshot(p: &Portal, two: i64) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT string_agg(email || ':' || enabled || ':' || display_name || ':' || quota_bytes || ':' || password_hash, ',' ORDER BY email || ':' || enabled || ':' || display_name || ':' || quota_bytes || ':' || password_hash) FROM accounts WHERE domain_id = $1",
        "SELECT string_agg(a.address || '>' || t.target, ',' ORDER BY a.address || '>' || t.target) FROM aliases a JOIN alias_targets t ON t.alias_id = a.id WHERE a.domain_id = $1",
        "SELECT string_agg(s.address || '>' || u.account_id, ',' ORDER BY s.address || '>' || u.account_id) FROM sender_addresses s JOIN sender_address_users u ON u.sender_id = s.id WHERE s.domain_id = $1",
        "SELECT string_agg(name || ':' || COALESCE(CAST(verified_at AS TEXT), '') || ':' || sdr_enabled || ':' || COALESCE(timezone, '') || ':' || COALESCE(CAST(spam_defer AS TEXT), '') || ':' || COALESCE(CAST(spam_reject AS TEXT), ''), ',' ORDER BY name) FROM domains WHERE id = $1 OR alias_of = $1",
        "SELECT spam_defer || ':' || spam_tag || ':' || spam_reject FROM antispam_global WHERE $1 = $1",
        "SELECT string_agg(destination || '@' || position, ',' ORDER BY destination || '@' || position) FROM domain_routes",
        "SELECT string_agg(pattern || ':' || list || ':' || description, ',' ORDER BY pattern || ':' || list || ':' || description) FROM sender_list_entries WHERE domain_id = $1 OR domain_id IS NULL",
        "SELECT string_agg(quarantine || ':' || subject_tag || ':' || size_limit || ':' || blocked_extensions, ',' ORDER BY quarantine || ':' || subject_tag || ':' || size_limit || ':' || blocked_extensions) FROM filter_settings WHERE domain_id = $1",
        "SELECT string_agg(address, ',' ORDER BY address) FROM local_recipients WHERE domain_id = $1",
        "SELECT 'callouts ' || recipient_callouts FROM domains WHERE id = $1",
        "SELECT string_agg(q.subject || ':' || r.address, ',' ORDER BY q.subject || ':' || r.address) FROM quarantine q JOIN quarantine_recipients r ON r.quarantine_id = q.id WHERE q.domain_id = $1",
        "SELECT string_agg(t.network || ':' || t.description, ',' ORDER BY t.network || ':' || t.description) FROM trusted_login_ips t JOIN accounts a ON a.id = t.account_id WHERE a.domain_id = $1",
    ] {
        let v: Option<String> = db::query_scalar(sql)
            .bind(two)
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
        out.push(v.unwrap_or_default());
    }
    out
}

async fn id(p: &Portal, sql: &str) -> String {
    let id: i64 = db::query_scalar(sql)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    id.to_string()
}

#[tokio::test]
async fn a_domain_admin_reaches_nothing_of_another_domain() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    let two = p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("tom@two.test", Role::DomainAdmin).await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@one.test").await;
    let two_s = two.to_string();
    // The other domain's things, made by a master admin.
    for (endpoint, form) in [
        (
            "mailboxes/add",
            vec![
                ("domain", two_s.as_str()),
                ("local_part", "bob"),
                ("display_name", "Bob"),
                ("password", PASSWORD),
                ("quota", "1 GB"),
            ],
        ),
        (
            "aliases/add",
            vec![
                ("domain", two_s.as_str()),
                ("address", "team"),
                ("targets", "bob@two.test"),
            ],
        ),
        (
            "senders/add",
            vec![
                ("domain", two_s.as_str()),
                ("address", "info"),
                ("users", "bob@two.test"),
            ],
        ),
        (
            "domains/aliases/add",
            vec![("domain", two_s.as_str()), ("name", "two-alias.test")],
        ),
        (
            "domains/add",
            vec![
                ("name", "relay.test"),
                ("kind", "relay"),
                ("destination", "mx.relay.example"),
            ],
        ),
        (
            "attachments/add",
            vec![("domain", two_s.as_str()), ("extension", "js")],
        ),
        (
            "local-recipients/add",
            vec![("domain", two_s.as_str()), ("address", "listed")],
        ),
        (
            "sender-lists/add",
            vec![
                ("domain", two_s.as_str()),
                ("list", "whitelist"),
                ("sender", "partner.example"),
                ("description", ""),
                ("expires", ""),
            ],
        ),
        (
            "sender-lists/add",
            vec![
                ("list", "blacklist"),
                ("sender", "192.0.2.0/24"),
                ("description", ""),
                ("expires", ""),
            ],
        ),
        (
            "security/mark-safe",
            vec![
                ("email", "bob@two.test"),
                ("ip", "192.0.2.1"),
                ("prefix", "32"),
                ("description", "Office"),
            ],
        ),
    ] {
        let a = p.call(endpoint, Some(&boss), &form).await;
        assert_eq!(a.status, 200, "{endpoint}: {}", a.body);
    }
    let trusted = id(&p, "SELECT id FROM trusted_login_ips").await;
    let relay = id(&p, "SELECT id FROM domains WHERE name = 'relay.test'").await;
    let mailbox = id(&p, "SELECT id FROM accounts WHERE email = 'bob@two.test'").await;
    let tom = id(&p, "SELECT id FROM accounts WHERE email = 'tom@two.test'").await;
    let alias = id(&p, "SELECT id FROM aliases WHERE address = 'team@two.test'").await;
    let sender = id(
        &p,
        "SELECT id FROM sender_addresses WHERE address = 'info@two.test'",
    )
    .await;
    let domain_alias = id(&p, "SELECT id FROM domains WHERE name = 'two-alias.test'").await;
    let route = id(&p, "SELECT id FROM domain_routes").await;
    let listed = id(
        &p,
        "SELECT id FROM sender_list_entries WHERE domain_id IS NOT NULL",
    )
    .await;
    let global = id(
        &p,
        "SELECT id FROM sender_list_entries WHERE domain_id IS NULL",
    )
    .await;
    let recipient = id(&p, "SELECT id FROM local_recipients").await;
    // A message kept for two.test (as the pipeline keeps one; its file is not needed to
    // be refused).
    let kept: i64 = db::query_scalar(
        "INSERT INTO quarantine (queue_id, domain_id, at, expires_at, sender, from_header, \
         subject, score, reason, size) VALUES ('kept-two', $1, 0, 9999999999, 'x@spam.example', \
         'x@spam.example', 'Spam', 1000, 'spam', 10) RETURNING id",
    )
    .bind(two)
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    db::query(
        "INSERT INTO quarantine_recipients (quarantine_id, address) VALUES ($1, 'bob@two.test')",
    )
    .bind(kept)
    .execute(&p.backend.pool)
    .await
    .unwrap();
    let kept = kept.to_string();
    // A log row of mail to two.test.
    let logged: i64 = db::query_scalar(
        "INSERT INTO mail_log (at, queue_id, client_ip, helo, sender, from_header, subject, size, \
         verdict, reply, evidence) VALUES (0, 'logged-two', '192.0.2.9', 'x', 'x@spam.example', \
         'x@spam.example', 'Spam', 10, 'delivered', '250', '[]') RETURNING id",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    db::query(
        "INSERT INTO mail_log_recipients (log_id, address, domain_id, accepted) \
         VALUES ($1, 'bob@two.test', $2, TRUE)",
    )
    .bind(logged)
    .bind(two)
    .execute(&p.backend.pool)
    .await
    .unwrap();
    let logged = logged.to_string();
    let before = snapshot(&p, two).await;

    let dora = p.sign_in("dora@one.test").await;
    let d = two_s.as_str();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("mailboxes/list", vec![("domain", d)]),
        ("security/trusted-ips", vec![("domain_id", d)]),
        ("admin-ips", vec![]),
        (
            "admin-ips/add",
            vec![("network", "198.51.100.0/24"), ("description", "Mine")],
        ),
        ("admin-ips/remove", vec![("id", "1")]),
        ("admin-ips/restrict", vec![]),
        ("admin-ips/unrestrict", vec![]),
        ("security/trusted-ips/delete", vec![("id", &trusted)]),
        (
            "mailboxes/add",
            vec![
                ("domain", d),
                ("local_part", "evil"),
                ("display_name", ""),
                ("password", PASSWORD),
                ("quota", ""),
            ],
        ),
        (
            "mailboxes/edit",
            vec![("id", &mailbox), ("display_name", "Evil"), ("quota", "")],
        ),
        (
            "mailboxes/enabled",
            vec![("id", &mailbox), ("enabled", "false")],
        ),
        (
            "mailboxes/password",
            vec![("id", &mailbox), ("password", "evil horse battery staple")],
        ),
        (
            "mailboxes/delete",
            vec![("id", &mailbox), ("confirm", "bob@two.test")],
        ),
        ("aliases/list", vec![("domain", d)]),
        (
            "aliases/add",
            vec![
                ("domain", d),
                ("address", "evil"),
                ("targets", "dora@one.test"),
            ],
        ),
        (
            "aliases/edit",
            vec![("id", &alias), ("targets", "dora@one.test")],
        ),
        ("aliases/delete", vec![("id", &alias)]),
        ("senders/list", vec![("domain", d)]),
        (
            "senders/add",
            vec![
                ("domain", d),
                ("address", "evil"),
                ("users", "dora@one.test"),
            ],
        ),
        (
            "senders/edit",
            vec![("id", &sender), ("users", "dora@one.test")],
        ),
        ("senders/delete", vec![("id", &sender)]),
        ("domains/settings", vec![("domain", d)]),
        (
            "domains/settings/save",
            vec![
                ("domain", d),
                ("contact_email", "dora@one.test"),
                ("notify_from", ""),
                ("timezone", "UTC"),
                ("log_days", "1"),
                ("retry_days", "1"),
                ("rejected_local_chars", ""),
            ],
        ),
        ("domains/settings/reset", vec![("domain", d)]),
        ("domains/verify", vec![("id", d)]),
        ("domains/admins", vec![("domain", d)]),
        (
            "domains/admins/assign",
            vec![("domain", d), ("email", "dora@one.test")],
        ),
        (
            "domains/admins/remove",
            vec![("domain", d), ("account", &tom)],
        ),
        ("domains/aliases", vec![("domain", d)]),
        (
            "domains/aliases/add",
            vec![("domain", d), ("name", "evil.test")],
        ),
        ("domains/aliases/delete", vec![("id", &domain_alias)]),
        ("domains/add", vec![("name", "evil.test")]),
        ("routes/list", vec![("domain", &relay)]),
        (
            "routes/add",
            vec![("domain", &relay), ("destination", "mx.evil.example")],
        ),
        ("routes/delete", vec![("id", &route)]),
        ("routes/move", vec![("id", &route), ("direction", "up")]),
        ("routes/test", vec![("id", &route)]),
        ("routes/allow_local", vec![("allow", "true")]),
        ("sdr/get", vec![("domain", d)]),
        ("antispam/thresholds", vec![("domain", d)]),
        (
            "antispam/thresholds/save",
            vec![
                ("domain", d),
                ("defer", "999"),
                ("tag", "999"),
                ("reject", "999"),
            ],
        ),
        ("antispam/thresholds/reset", vec![("domain", d)]),
        ("filter-settings", vec![("domain", d)]),
        (
            "filter-settings/save",
            vec![
                ("domain", d),
                ("quarantine_days", "1"),
                ("quarantine_reply", "accept"),
                ("spf_exempt", ""),
                ("subject_tag", "x"),
                ("size_limit", "1 MB"),
                ("oversize", "refuse"),
            ],
        ),
        ("filter-settings/reset", vec![("domain", d)]),
        ("attachments/add", vec![("domain", d), ("extension", "txt")]),
        (
            "attachments/remove",
            vec![("domain", d), ("extension", "exe")],
        ),
        ("attachments/reset", vec![("domain", d)]),
        ("local-recipients/list", vec![("domain", d)]),
        (
            "local-recipients/add",
            vec![("domain", d), ("address", "evil")],
        ),
        ("local-recipients/delete", vec![("id", &recipient)]),
        ("local-recipients/clear", vec![("domain", d)]),
        (
            "local-recipients/callouts",
            vec![("domain", d), ("enabled", "on")],
        ),
        ("local-recipients/clear-cache", vec![("domain", d)]),
        (
            "transfer/import",
            vec![
                ("dataset", "local-recipients"),
                ("domain", d),
                ("csv", "address\nevil\n"),
            ],
        ),
        ("quarantine/message", vec![("id", &kept)]),
        ("quarantine/release", vec![("ids[0]", &kept)]),
        ("quarantine/delete", vec![("ids[0]", &kept)]),
        ("mail-log/report", vec![("id", &logged), ("class", "spam")]),
        (
            "sender-fix",
            vec![
                ("source", "log"),
                ("id", &logged),
                ("list", "blacklist"),
                ("scope", "domain"),
            ],
        ),
        (
            "quarantine/delete-by-score",
            vec![("domain", d), ("side", "above"), ("score", "1")],
        ),
        ("sender-lists/list", vec![("domain", d)]),
        ("sender-lists/list", vec![]),
        (
            "sender-lists/add",
            vec![
                ("domain", d),
                ("list", "blacklist"),
                ("sender", "partner.example"),
                ("description", ""),
                ("expires", ""),
            ],
        ),
        (
            "sender-lists/add",
            vec![
                ("list", "whitelist"),
                ("sender", "192.0.2.1"),
                ("description", ""),
                ("expires", ""),
            ],
        ),
        ("sender-lists/delete", vec![("id", &listed)]),
        ("sender-lists/delete", vec![("id", &global)]),
        (
            "transfer/import",
            vec![
                ("dataset", "sender-lists"),
                ("domain", d),
                ("csv", "sender,list\npartner.example,blacklist\n"),
            ],
        ),
        (
            "transfer/import",
            vec![
                ("dataset", "global-sender-lists"),
                ("csv", "sender,list\n192.0.2.0/24,whitelist\n"),
            ],
        ),
        ("antispam/global", vec![]),
        (
            "antispam/global/save",
            vec![("defer", "999"), ("tag", "999"), ("reject", "999")],
        ),
        (
            "sdr/set",
            vec![
                ("domain", d),
                ("enabled", "true"),
                ("destination", "mx.evil.example"),
            ],
        ),
        (
            "transfer/import",
            vec![
                ("dataset", "aliases"),
                ("domain", d),
                ("csv", "address,recipients\nevil,dora@one.test\n"),
            ],
        ),
        (
            "transfer/import",
            vec![("dataset", "domains"), ("csv", "domain\nevil.test\n")],
        ),
    ];
    // The same calls by dora's session, by a token of hers, and by a token a master admin
    // made for one.test only: each reaches exactly as far.
    let dora_token = p
        .api_token(&dora, &[("name", "dora's"), ("write", "true")])
        .await;
    let one_only = [
        ("name", "one.test"),
        ("write", "true"),
        ("domains", "one.test"),
    ];
    let boss_token = p.api_token(&boss, &one_only).await;
    let callers = [
        ("dora@one.test", Caller::Session(dora.clone())),
        ("dora@one.test", Caller::Token(dora_token)),
        ("boss@one.test", Caller::Token(boss_token)),
    ];
    for (actor, caller) in &callers {
        let denied_before = denied(&p, actor).await;
        let mut refused = 0;
        for (endpoint, form) in &calls {
            let a = p.call_as(endpoint, caller, form).await;
            assert_eq!(a.status, 403, "{caller:?} {endpoint}: {}", a.body);
            refused += 1;
        }
        for path in [
            format!("/export/mailboxes?domain={two}"),
            "/export/domains".to_string(),
            format!("/export/sender-lists?domain={two}"),
            "/export/global-sender-lists".to_string(),
            format!("/export/local-recipients?domain={two}"),
        ] {
            let a = p.get_as(&path, caller).await;
            assert_eq!(a.status, 403, "{caller:?} {path}");
            refused += 1;
        }
        // Mailboxes named by address (mail access, 2FA unlock) answer like unknown ones.
        for (endpoint, form) in [
            ("mail_access/overview", vec![("mailbox", "bob@two.test")]),
            (
                "mail_access/set_switch",
                vec![("open", "false"), ("mailbox", "bob@two.test")],
            ),
            ("two_factor/unlock", vec![("email", "bob@two.test")]),
            ("security/user-logins", vec![("email", "bob@two.test")]),
            (
                "security/mark-safe",
                vec![
                    ("email", "bob@two.test"),
                    ("ip", "198.51.100.1"),
                    ("prefix", "24"),
                    ("description", "Mine now"),
                ],
            ),
        ] {
            let a = p.call_as(endpoint, caller, &form).await;
            assert!(
                a.status == 400 && a.body.contains("in your domains"),
                "{caller:?} {endpoint}: {} {}",
                a.status,
                a.body
            );
        }
        // The audit log says who tried what.
        assert_eq!(
            denied(&p, actor).await - denied_before,
            refused,
            "every refusal of {caller:?} is audited"
        );
    }
    assert_eq!(
        snapshot(&p, two).await,
        before,
        "nothing of two.test changed"
    );
    p.stop().await;
}

/// Refusals on record for `actor`.
async fn denied(p: &Portal, actor: &str) -> i64 {
    db::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND actor = $1")
        .bind(actor)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}
