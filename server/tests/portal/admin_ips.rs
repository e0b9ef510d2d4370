//! The admin IP access list: restricting is refused while one's own address is not listed;
//! once restricted, an admin's sign-in and admin requests from elsewhere are refused (mail
//! users are not affected), the last entry holding one's own address cannot be removed, and
//! `mailportal admin unrestrict` on the server lets admins back in.

use crate::{
    cli::text,
    harness::{error_of, ok_json, Portal, PASSWORD},
};
use app::backend::store::db;
use app::model::Role;

const OFFICE: &str = "192.0.2.10";
const OUTSIDE: &str = "198.51.100.7";

/// Signs in through the proxy on loopback as a browser at `ip`.
async fn sign_in_from(p: &Portal, email: &str, ip: &str) -> crate::harness::Answer {
    let form = [("email", email), ("password", PASSWORD)];
    let headers = [("origin", p.base.as_str()), ("x-forwarded-for", ip)];
    p.call_from("auth/sign_in", None, &form, &headers).await
}

/// Calls a server function with a session, through the proxy from `ip`.
async fn call_at(
    p: &Portal,
    ip: &str,
    endpoint: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> crate::harness::Answer {
    let headers = [("origin", p.base.as_str()), ("x-forwarded-for", ip)];
    p.call_from(endpoint, Some(cookie), form, &headers).await
}

#[tokio::test]
async fn restricted_admin_access_refuses_other_addresses_until_the_command_line_lifts_it() {
    let p = Portal::start_with(|c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
    p.add_domain("example.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("alice@example.test", Role::MailUser).await;
    let a = sign_in_from(&p, "boss@example.test", OFFICE).await;
    let boss = a.session_cookie().expect("signed in");

    let seen = ok_json(&call_at(&p, OFFICE, "admin-ips", &boss, &[]).await);
    assert_eq!(seen["restricted"], false);
    assert_eq!(seen["your_ip"], OFFICE);
    assert!(seen["yours"].is_null());
    // Not while one's own address is missing from the list.
    let a = call_at(&p, OFFICE, "admin-ips/restrict", &boss, &[]).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("would shut you out"), "{}", a.body);
    // Entries are networks with a reason.
    for (network, description, field) in [
        ("0.0.0.0/0", "Everyone", "network"),
        ("192.0.2.300", "Office", "network"),
        ("192.0.2.0/24", "x", "description"),
    ] {
        let form = [("network", network), ("description", description)];
        let a = call_at(&p, OFFICE, "admin-ips/add", &boss, &form).await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(error_of(&a)["Invalid"]["field"], field);
    }
    let form = [("network", "192.0.2.77/24"), ("description", "Office")];
    let a = call_at(&p, OFFICE, "admin-ips/add", &boss, &form).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let seen = ok_json(&call_at(&p, OFFICE, "admin-ips", &boss, &[]).await);
    assert_eq!(seen["entries"][0]["network"], "192.0.2.0/24");
    assert_eq!(seen["yours"], "192.0.2.0/24");
    let a = call_at(&p, OFFICE, "admin-ips/restrict", &boss, &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);

    // An admin from outside is refused at sign-in, with the address named; from the
    // office, in. A mail user signs in from anywhere.
    let a = sign_in_from(&p, "dora@example.test", OUTSIDE).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(error_of(&a)["AdminIpRefused"], OUTSIDE);
    assert!(a.session_cookie().is_none());
    let refused: String = db::query_scalar(
        "SELECT result FROM login_events WHERE email = 'dora@example.test' ORDER BY id DESC",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(refused, "admin_ip_refused");
    assert_eq!(
        sign_in_from(&p, "alice@example.test", OUTSIDE).await.status,
        200
    );
    let a = sign_in_from(&p, "dora@example.test", "192.0.2.55").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let dora = a.session_cookie().unwrap();
    // Her session moved outside: every admin request is refused, and audited.
    let domains = [("search", ""), ("page", "1")];
    assert_eq!(
        call_at(&p, "192.0.2.55", "admin/domains", &dora, &domains)
            .await
            .status,
        200
    );
    let a = call_at(&p, OUTSIDE, "admin/domains", &dora, &domains).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(error_of(&a)["AdminIpRefused"], OUTSIDE);
    let denied: i64 = db::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'access_denied' AND detail LIKE '%not in the admin IP access list%'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(denied, 1);

    // The last entry holding one's own address stays while restricted.
    let id = seen["entries"][0]["id"].as_i64().unwrap().to_string();
    let a = call_at(&p, OFFICE, "admin-ips/remove", &boss, &[("id", &id)]).await;
    assert_eq!(a.status, 403, "{}", a.body);

    // Locked out: the boss is now elsewhere too. The command line lets admins back in.
    let a = sign_in_from(&p, "boss@example.test", OUTSIDE).await;
    assert_eq!(a.status, 403);
    let o = p.cli(&["admin", "unrestrict"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("no longer restricted"), "{}", text(&o));
    let a = sign_in_from(&p, "boss@example.test", OUTSIDE).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let o = p.cli(&["admin", "unrestrict"], "");
    assert!(text(&o).contains("was not restricted"), "{}", text(&o));
    let actions: Vec<String> = db::query_scalar(
        "SELECT action || ':' || coalesce(ip, '') FROM audit_log WHERE action LIKE 'admin_ip%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            format!("admin_ip_added:{OFFICE}"),
            format!("admin_ips_restricted:{OFFICE}"),
            "admin_ips_unrestricted:command line".to_string(),
        ]
    );
    p.stop().await;
}
