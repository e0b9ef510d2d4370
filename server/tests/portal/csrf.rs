//! Cross-site requests with a valid session cookie are refused before they reach the
//! server function; same-origin ones pass.

use crate::harness::{Portal, PASSWORD};
use app::backend::store::db;
use app::model::Role;

#[tokio::test]
async fn cross_site_requests_are_refused_with_403() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    let cookie = p.sign_in("alice@example.test").await;
    let form = [
        ("current_password", PASSWORD),
        ("recovery_email", "evil@attacker.test"),
    ];

    let a = p
        .call_from(
            "account/set_recovery_email",
            Some(&cookie),
            &form,
            &[("origin", "https://attacker.test")],
        )
        .await;
    assert_eq!(a.status, 403);
    let a = p
        .call_from(
            "account/set_recovery_email",
            Some(&cookie),
            &form,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(a.status, 403);
    let a = p
        .call_from(
            "account/set_recovery_email",
            Some(&cookie),
            &form,
            &[("origin", "null")],
        )
        .await;
    assert_eq!(a.status, 403);
    let stored: Option<String> = db::query_scalar("SELECT recovery_email FROM accounts")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(stored, None, "nothing was changed");

    let origin = p.base.clone();
    let headers = [
        ("origin", origin.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    let a = p
        .call_from("account/set_recovery_email", Some(&cookie), &form, &headers)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    p.stop().await;
}

#[test]
fn no_server_function_uses_a_get_encoding() {
    // GET requests pass the cross-site check, so nothing that changes state may use one.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/api");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // `#[server(default)]` marks an argument, not a function; `admin_fn!`'s own
        // definition (with `$` placeholders, and its example) is not one either.
        let functions = text.lines().filter(|l| {
            l.contains("#[server")
                && !l.contains("#[server(default)]")
                && !l.contains('$')
                && !l.trim_start().starts_with("///")
        });
        for line in functions {
            checked += 1;
            assert!(
                line.contains("endpoint = \""),
                "{}: a fixed endpoint: {line}",
                path.display()
            );
            assert!(
                !line.contains("GetUrl") && !line.contains("input = Get"),
                "{}: {line}",
                path.display()
            );
        }
    }
    assert!(checked >= 10, "found {checked} server functions");
    // And as registered: every one is a POST.
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        assert_eq!(method, axum::http::Method::POST, "{path}");
    }
}
