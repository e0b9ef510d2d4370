//! CSV export and import: the files, the all-or-nothing import with numbered problems,
//! and who may move which list.

use crate::harness::{error_of, Answer, Portal};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

async fn export(p: &Portal, cookie: &str, what: &str) -> Answer {
    p.get(&format!("/export/{what}"), Some(cookie)).await
}

async fn import(p: &Portal, cookie: &str, dataset: &str, domain: i64, csv: &str) -> Answer {
    let domain = domain.to_string();
    let form = [
        ("dataset", dataset),
        ("domain", domain.as_str()),
        ("csv", csv),
    ];
    p.call("transfer/import", Some(cookie), &form).await
}

fn report(a: &Answer) -> Value {
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

#[tokio::test]
async fn mailboxes_go_out_and_come_back_with_edits() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("alice@one.test", Role::MailUser).await;
    let dora = p.sign_in("dora@one.test").await;

    let a = export(&p, &dora, &format!("mailboxes?domain={one}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = a.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"mailboxes-one.test-"),
        "{disposition}"
    );
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let text = a.body.strip_prefix('\u{feff}').expect("a byte-order mark");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "address,display_name,quota,enabled,password,used");
    assert_eq!(lines[1], "alice@one.test,,unlimited,yes,,0 B");

    // Edited in a spreadsheet: Alice gets a name and a quota, Bob is new; Dora's row stays.
    let edited = text.replace(
        "alice@one.test,,unlimited,yes,,0 B",
        "alice@one.test,Alice Liddell,2 GB,yes,,0 B",
    ) + "bob,'-Bob the builder,500 MB,no,correct horse battery staple,\n";
    let r = report(&import(&p, &dora, "mailboxes", one, &edited).await);
    assert_eq!(r["problems"], serde_json::json!([]), "{r}");
    assert_eq!(
        r["added"],
        serde_json::json!(["bob@one.test (quota 500 MB)"])
    );
    assert_eq!(
        r["changed"],
        serde_json::json!(["alice@one.test: name “Alice Liddell”, quota 2 GB"])
    );
    assert_eq!(r["unchanged"], 1, "{r}");
    let bob: (String, bool, i64) = db::query_as(
        "SELECT display_name, enabled, quota_bytes FROM accounts WHERE email = 'bob@one.test'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(bob, ("-Bob the builder".into(), false, 500 * 1024 * 1024));

    // Exported again, Bob's name cannot run as a formula, and it reads back the same.
    let again = export(&p, &dora, &format!("mailboxes?domain={one}")).await;
    assert!(
        again
            .body
            .contains("bob@one.test,'-Bob the builder,500 MB,no,,0 B"),
        "{}",
        again.body
    );
    let r = report(&import(&p, &dora, "mailboxes", one, &again.body).await);
    assert_eq!(
        (r["unchanged"].as_i64(), r["added"].as_array().map(Vec::len)),
        (Some(3), Some(0))
    );

    // Every change is audited in the domain's log.
    assert_eq!(
        p.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE domain_id = {one} AND actor = 'dora@one.test' \
                 AND action IN ('account_created', 'mailbox_changed', 'csv_imported')"
        ))
        .await,
        4,
        "bob, alice, and two imports"
    );
    p.stop().await;
}

#[tokio::test]
async fn an_import_with_bad_rows_applies_nothing_and_numbers_each_problem() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@one.test").await;
    let csv = "address,display_name,quota,password\n\
               good,Good,1 GB,correct horse battery staple\n\
               quota,Q,lots,correct horse battery staple\n\
               nopass,No password,,\n\
               \"multi\nline\",,,\n\
               good@one.test,Again,,\n\
               eve@two.test,,,correct horse battery staple\n\
               weak,,,short\n";
    let r = report(&import(&p, &dora, "mailboxes", one, csv).await);
    let problems: Vec<(i64, String)> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let rows: Vec<i64> = problems.iter().map(|p| p.0).collect();
    assert_eq!(rows, [3, 4, 5, 6, 7, 8], "{problems:?}");
    let reason = |row: i64| problems.iter().find(|p| p.0 == row).unwrap().1.clone();
    assert!(reason(3).contains("not a size"), "{}", reason(3));
    assert!(reason(4).contains("needs a password"), "{}", reason(4));
    assert!(reason(6).contains("row 2"), "{}", reason(6));
    assert!(
        reason(7).contains("not an address of one.test"),
        "{}",
        reason(7)
    );
    assert!(reason(8).contains("at least 8 characters"), "{}", reason(8));
    assert_eq!(r["added"], serde_json::json!([]));
    assert_eq!(
        p.count("SELECT COUNT(*) FROM accounts WHERE email = 'good@one.test'")
            .await,
        0,
        "the good row was not applied either"
    );

    // A file that is not this list's is refused as a whole.
    let a = import(&p, &dora, "mailboxes", one, "name,email\nx,y\n").await;
    assert_eq!(a.status, 400);
    let reason = error_of(&a)["Invalid"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("column “name”"), "{reason}");
    let a = import(&p, &dora, "mailboxes", one, "address\n").await;
    assert!(error_of(&a)["Invalid"]["reason"]
        .as_str()
        .unwrap()
        .contains("no rows"));
    p.stop().await;
}

#[tokio::test]
async fn aliases_and_sender_addresses_import_in_file_order_and_refuse_loops() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("alice@one.test", Role::MailUser).await;
    let dora = p.sign_in("dora@one.test").await;
    // `team` is used by `all` on the row below it; the catch-all is written as it is read.
    let csv = "address,recipients\n\
               team,alice@one.test\n\
               all,\"team@one.test, friend@elsewhere.test\"\n\
               '@one.test,alice@one.test\n";
    let r = report(&import(&p, &dora, "aliases", one, csv).await);
    assert_eq!(r["added"].as_array().unwrap().len(), 3, "{r}");
    let a = export(&p, &dora, &format!("aliases?domain={one}")).await;
    assert!(a.body.contains("'@one.test,alice@one.test"), "{}", a.body);

    let looped = "address,recipients\nteam,all@one.test\n";
    let r = report(&import(&p, &dora, "aliases", one, looped).await);
    let reason = r["problems"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("loop"), "{reason}");
    assert_eq!(r["problems"][0]["row"], 2);

    let senders = "address,users\ninfo,\"alice@one.test, dora@one.test\"\nsales,\n";
    let r = report(&import(&p, &dora, "sender-addresses", one, senders).await);
    assert_eq!(r["problems"][0]["row"], 3, "{r}");
    let senders = "address,users\ninfo,\"alice@one.test, dora@one.test\"\n";
    let r = report(&import(&p, &dora, "sender-addresses", one, senders).await);
    assert_eq!(
        r["added"],
        serde_json::json!(["info@one.test for alice@one.test, dora@one.test"])
    );
    let a = export(&p, &dora, &format!("sender-addresses?domain={one}")).await;
    assert!(
        a.body
            .contains("info@one.test,\"alice@one.test, dora@one.test\""),
        "{}",
        a.body
    );
    p.stop().await;
}

#[tokio::test]
async fn master_admins_move_domains_and_domain_admins_only_their_own_lists() {
    let p = Portal::start().await;
    let one = p.add_domain("one.test").await;
    let two = p.add_domain("two.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    p.add_user("boss@one.test", Role::MasterAdmin).await;
    let dora = p.sign_in("dora@one.test").await;

    // Another domain's lists, and the host's, are refused (403, audited).
    let a = export(&p, &dora, &format!("mailboxes?domain={two}")).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(
        import(
            &p,
            &dora,
            "aliases",
            two,
            "address,recipients\nx,dora@one.test\n"
        )
        .await
        .status,
        403
    );
    assert_eq!(export(&p, &dora, "domains").await.status, 403);
    assert_eq!(
        import(&p, &dora, "domains", one, "domain\nnew.test\n")
            .await
            .status,
        403
    );
    assert_eq!(
        p.count("SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND actor = 'dora@one.test'").await,
        4
    );
    assert_eq!(p.get("/export/domains", None).await.status, 401);
    assert_eq!(export(&p, &dora, "accounts").await.status, 404);

    let boss = p.sign_in("boss@one.test").await;
    let csv = "domain,kind,routes,alias_of\n\
               one.test,hosted,,\n\
               shop.test,relay,mx1.shop.example mx2.shop.example:2525,\n\
               other.test,,,one.test\n\
               plain.test,,,\n";
    let r = report(&import(&p, &boss, "domains", 0, csv).await);
    assert_eq!(r["problems"], serde_json::json!([]), "{r}");
    assert_eq!(r["unchanged"], 1);
    assert_eq!(
        r["added"],
        serde_json::json!([
            "shop.test (relayed to mx1.shop.example:25 mx2.shop.example:2525)",
            "other.test (alias of one.test)",
            "plain.test"
        ])
    );
    let a = export(&p, &boss, "relay-domains").await;
    let text = a.body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].starts_with("shop.test,relay,mx1.shop.example:25 mx2.shop.example:2525,,no,mailportal-verification="),
        "{text}"
    );
    // Routes replaced in order; a kind does not change; a relay needs a route; no loopback.
    let csv = "domain,kind,routes\n\
               shop.test,relay,mx2.shop.example:2525 mx1.shop.example\n\
               one.test,relay,mx.one.example\n\
               bare.test,relay,\n\
               local.test,relay,127.0.0.1:25\n";
    let r = report(&import(&p, &boss, "domains", 0, csv).await);
    let rows: Vec<i64> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4, 5], "{r}");
    let r = report(
        &import(
            &p,
            &boss,
            "relay-domains",
            0,
            "domain,routes\nshop.test,mx2.shop.example:2525 mx1.shop.example\n",
        )
        .await,
    );
    assert_eq!(
        r["changed"],
        serde_json::json!(["shop.test: routes mx2.shop.example:2525 mx1.shop.example:25"]),
        "{r}"
    );
    let _ = one;
    p.stop().await;
}
