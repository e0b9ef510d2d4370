//! Rights: each server function checks the caller's role itself, refusals are audited,
//! and a domain admin sees only their own domains.

use crate::harness::Portal;
use app::backend::store::db;
use app::model::Role;

#[tokio::test]
async fn a_mail_user_gets_403_from_admin_functions_and_an_audit_entry() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_user("user@one.test", Role::MailUser).await;
    let cookie = p.sign_in("user@one.test").await;
    for endpoint in ["admin/domains", "admin/audit"] {
        let a = p.call(endpoint, Some(&cookie), &[]).await;
        assert_eq!(a.status, 403, "{endpoint}: {}", a.body);
    }
    let denied: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND actor = 'user@one.test'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(denied, 2);
    let a = p.call("admin/domains", None, &[]).await;
    assert_eq!(a.status, 401, "not signed in");
    p.stop().await;
}

#[tokio::test]
async fn a_domain_admin_sees_only_their_domains() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_domain("two.test").await;
    p.add_user("admin@one.test", Role::DomainAdmin).await;
    p.add_user("admin@two.test", Role::DomainAdmin).await;
    p.add_user("boss@elsewhere.test", Role::MasterAdmin).await;

    let one = p.sign_in("admin@one.test").await;
    let a = p.call("admin/domains", Some(&one), &[]).await;
    let names: Vec<String> = serde_json::from_str::<serde_json::Value>(&a.body).unwrap()["page"]
        ["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["one.test"]);

    let boss = p.sign_in("boss@elsewhere.test").await;
    let a = p.call("admin/domains", Some(&boss), &[]).await;
    assert!(a.body.contains("one.test") && a.body.contains("two.test"));
    let a = p.call("admin/audit", Some(&boss), &[]).await;
    assert_eq!(a.status, 200);
    p.stop().await;
}

#[tokio::test]
async fn a_page_above_the_callers_role_answers_403() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_user("user@one.test", Role::MailUser).await;
    let cookie = p.sign_in("user@one.test").await;
    let a = p.get("/admin/audit", Some(&cookie)).await;
    assert_eq!(a.status, 403);
    assert!(a.body.contains("No access"));
    // Asked by the page in the browser (client-side navigation), the answer itself is a
    // success the page can read; only the rendered page carries the 403.
    let form = [("required", "MasterAdmin"), ("page", "/admin/audit")];
    let a = p.call("auth/page_access", Some(&cookie), &form).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.body.contains("\"allowed\":false"), "{}", a.body);
    let a = p.get("/account", Some(&cookie)).await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("user@one.test"));
    let a = p.get("/account", None).await;
    assert_eq!(a.status, 302, "signed out: sent to sign in");
    p.stop().await;
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let p = Portal::start().await;
    let a = p.get("/sign-in", None).await;
    assert_eq!(a.status, 200);
    let res = reqwest::get(format!("{}/sign-in", p.base)).await.unwrap();
    let h = res.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let a = p.get("/no/such/page", None).await;
    assert_eq!(a.status, 404);
    p.stop().await;
}

#[tokio::test]
async fn the_front_page_sends_each_visitor_where_they_belong() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_user("user@one.test", Role::MailUser).await;
    let cookie = p.sign_in("user@one.test").await;
    let res = |cookie: Option<String>| {
        let mut req = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}/", p.base))
            .header("accept", "text/html");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let signed_out = res(None).await.unwrap();
    assert_eq!(signed_out.status(), 302);
    assert_eq!(signed_out.headers()["location"], "/sign-in");
    let signed_in = res(Some(cookie)).await.unwrap();
    assert_eq!(signed_in.status(), 302);
    assert_eq!(signed_in.headers()["location"], "/account");
    p.stop().await;
}

#[tokio::test]
async fn an_oversized_request_body_is_refused_before_it_is_read() {
    let p = Portal::start().await;
    p.add_domain("one.test").await;
    p.add_user("dora@one.test", Role::DomainAdmin).await;
    let cookie = p.sign_in("dora@one.test").await;
    let huge = "a".repeat(server::web::MAX_BODY_BYTES + 1);
    let form = [("dataset", "mailboxes"), ("csv", huge.as_str())];
    let a = p.call("transfer/import", Some(&cookie), &form).await;
    assert_eq!(a.status, 413, "{}", &a.body[..a.body.len().min(200)]);
    // A large honest import (1 MB of file) still gets through to its checks.
    let file = format!("address\n{}", "x".repeat(1024 * 1024 - 9));
    let form = [
        ("dataset", "mailboxes"),
        ("domain", "1"),
        ("csv", file.as_str()),
    ];
    let a = p.call("transfer/import", Some(&cookie), &form).await;
    assert_ne!(a.status, 413);
    p.stop().await;
}
