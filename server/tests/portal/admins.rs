//! Sub-admins (Security → Admins): a master admin makes admins whose rights are a set of
//! areas, read-only or not, and some or all domains. Every server function holds them to
//! it, the menus show only their areas, and each change is in the audit log.

use crate::harness::{error_of, ok_json, Caller, Portal, PASSWORD};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

/// Adds an admin as `cookie` with `rights` (areas, write, domains).
async fn add_admin(p: &Portal, cookie: &str, email: &str, rights: &[(&str, &str)]) -> i64 {
    let mut form = vec![("email", email), ("password", PASSWORD)];
    form.extend_from_slice(rights);
    let a = p.call("admins/add", Some(cookie), &form).await;
    assert_eq!(a.status, 200, "{email}: {}", a.body);
    ok_json(&a).as_i64().unwrap()
}

async fn admins(p: &Portal, cookie: &str) -> Vec<Value> {
    let a = p.call("admins/list", Some(cookie), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    ok_json(&a)["admins"].as_array().unwrap().clone()
}

async fn status(p: &Portal, caller: &Caller, endpoint: &str, form: &[(&str, &str)]) -> u16 {
    p.call_as(endpoint, caller, form).await.status
}

#[tokio::test]
async fn a_sub_admin_for_quarantine_and_logs_of_one_domain_reaches_only_those() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await.to_string();
    let two = p.add_domain("two.test").await.to_string();
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@one.test").await;
    let rights = [
        ("areas", "quarantine,logs"),
        ("write", "true"),
        ("domains", "one.test"),
    ];
    add_admin(&p, &boss, "qa@one.test", &rights).await;
    let row = admins(&p, &boss)
        .await
        .into_iter()
        .find(|a| a["email"] == "qa@one.test")
        .unwrap();
    assert_eq!(row["role"], "DomainAdmin");
    assert_eq!(
        row["rights"]["areas"],
        serde_json::json!(["quarantine", "logs"])
    );
    assert_eq!(row["domains"], serde_json::json!(["one.test"]));

    let qa = Caller::Session(p.sign_in("qa@one.test").await);
    // The menus know the areas.
    let me = p.call_as("auth/who_am_i", &qa, &[]).await;
    assert_eq!(
        ok_json(&me)["rights"]["areas"],
        serde_json::json!(["quarantine", "logs"])
    );
    assert_eq!(status(&p, &qa, "quarantine/list", &[]).await, 200);
    assert_eq!(status(&p, &qa, "mail-log/page", &[]).await, 200);
    assert_eq!(
        status(&p, &qa, "stats/read", &[("domain", &one)]).await,
        200
    );
    assert_eq!(
        status(&p, &qa, "stats/read", &[("domain", &two)]).await,
        403
    );
    for (endpoint, form) in [
        ("mailboxes/list", vec![("domain", one.as_str())]),
        (
            "aliases/add",
            vec![
                ("domain", &one),
                ("address", "x"),
                ("targets", "qa@one.test"),
            ],
        ),
        ("antispam/thresholds", vec![("domain", &one)]),
        ("queue/list", vec![]),
        ("security/incidents", vec![]),
        ("admins/list", vec![]),
    ] {
        assert_eq!(status(&p, &qa, endpoint, &form).await, 403, "{endpoint}");
    }
    // Their own account is still theirs.
    assert_eq!(status(&p, &qa, "account/sessions", &[]).await, 200);
    // A token of theirs gets at most their rights.
    let Caller::Session(qa_cookie) = &qa else {
        unreachable!()
    };
    let token = Caller::Token(
        p.api_token(qa_cookie, &[("name", "mine"), ("write", "true")])
            .await,
    );
    assert_eq!(status(&p, &token, "quarantine/list", &[]).await, 200);
    assert_eq!(
        status(&p, &token, "mailboxes/list", &[("domain", &one)]).await,
        403
    );
    let wider = p
        .call(
            "api-tokens/create",
            Some(qa_cookie),
            &[("name", "wider"), ("areas", "domains")],
        )
        .await;
    assert_eq!(
        error_of(&wider)["Invalid"]["field"],
        "areas",
        "{}",
        wider.body
    );
    p.stop().await;
}

#[tokio::test]
async fn security_only_and_read_only_admins_and_changing_their_rights() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@one.test").await;
    add_admin(
        &p,
        &boss,
        "sec@one.test",
        &[("areas", "security"), ("write", "true")],
    )
    .await;
    let ro = add_admin(&p, &boss, "ro@one.test", &[]).await;

    let sec = Caller::Session(p.sign_in("sec@one.test").await);
    assert_eq!(status(&p, &sec, "admin-ips", &[]).await, 200);
    let add_ip = [("network", "192.0.2.0/24"), ("description", "Office")];
    assert_eq!(status(&p, &sec, "admin-ips/add", &add_ip).await, 200);
    assert_eq!(status(&p, &sec, "admin/domains", &[]).await, 403);
    assert_eq!(status(&p, &sec, "quarantine/list", &[]).await, 403);
    // They hand on no more than they have.
    let Caller::Session(sec_cookie) = &sec else {
        unreachable!()
    };
    let form = [
        ("email", "more@one.test"),
        ("password", PASSWORD),
        ("areas", "quarantine"),
    ];
    let more = p.call("admins/add", Some(sec_cookie), &form).await;
    assert_eq!(
        error_of(&more)["Invalid"]["field"],
        "areas",
        "{}",
        more.body
    );

    // Read-only everything: reads all, changes nothing.
    let ro_session = Caller::Session(p.sign_in("ro@one.test").await);
    assert_eq!(status(&p, &ro_session, "admin/domains", &[]).await, 200);
    assert_eq!(status(&p, &ro_session, "antispam/global", &[]).await, 200);
    let add = [("name", "new.test")];
    assert_eq!(status(&p, &ro_session, "domains/add", &add).await, 403);

    // Given write, the same session changes things from its next request.
    let id = ro.to_string();
    let changed = p
        .call(
            "admins/rights",
            Some(&boss),
            &[("id", &id), ("write", "true")],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(status(&p, &ro_session, "domains/add", &add).await, 200);
    // Nobody changes their own rights.
    let boss_id: i64 = db::query_scalar("SELECT id FROM accounts WHERE email = 'boss@one.test'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let own = p
        .call(
            "admins/rights",
            Some(&boss),
            &[("id", &boss_id.to_string()), ("areas", "logs")],
        )
        .await;
    assert_eq!(own.status, 403, "{}", own.body);
    let details: Vec<String> = db::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'admin_rights_changed' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(details.len(), 3, "{details:?}");
    assert!(
        details[0].contains("sec@one.test") && details[0].contains("Security"),
        "{details:?}"
    );
    assert!(
        details[2].contains("ro@one.test") && details[2].contains("Read and change"),
        "{details:?}"
    );
    p.stop().await;
}
