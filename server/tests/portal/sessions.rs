//! Sessions: rotation at sign-in, server-side sign-out, idle and absolute expiry, and
//! signing out other sessions.

use crate::harness::{Portal, PASSWORD};
use app::backend::store::db;
use app::model::Role;

async fn portal_with_alice() -> Portal {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    p
}

async fn signed_in(p: &Portal, cookie: &str) -> bool {
    let a = p.call("account/sessions", Some(cookie), &[]).await;
    assert!(a.status == 200 || a.status == 401, "{a:?}");
    a.status == 200
}

#[tokio::test]
async fn signing_in_again_replaces_the_session_and_the_old_id_is_refused() {
    let p = portal_with_alice().await;
    let before = p.sign_in("alice@example.test").await;
    let a = p
        .call(
            "auth/sign_in",
            Some(&before),
            &[("email", "alice@example.test"), ("password", PASSWORD)],
        )
        .await;
    let after = a.session_cookie().unwrap();
    assert_ne!(before, after);
    assert!(!signed_in(&p, &before).await, "the pre-sign-in id is dead");
    assert!(signed_in(&p, &after).await);
    p.stop().await;
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in("alice@example.test").await;
    let a = p.call("auth/sign_out", Some(&cookie), &[]).await;
    assert_eq!(a.status, 200);
    assert!(
        a.set_cookie.iter().any(|c| c.contains("Max-Age=0")),
        "the browser is told to forget it"
    );
    assert!(
        !signed_in(&p, &cookie).await,
        "a replayed cookie is refused"
    );
    p.stop().await;
}

#[tokio::test]
async fn a_session_ends_after_30_idle_minutes() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in("alice@example.test").await;
    p.clock().advance(29 * 60);
    assert!(signed_in(&p, &cookie).await, "29 minutes idle");
    p.clock().advance(30 * 60);
    assert!(!signed_in(&p, &cookie).await, "30 minutes idle");
    p.stop().await;
}

#[tokio::test]
async fn a_busy_session_still_ends_after_12_hours() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in("alice@example.test").await;
    for _ in 0..35 {
        p.clock().advance(20 * 60);
        assert!(signed_in(&p, &cookie).await);
    }
    p.clock().advance(20 * 60); // 12 h after sign-in
    assert!(!signed_in(&p, &cookie).await);
    p.stop().await;
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_at_once() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in("alice@example.test").await;
    db::query("UPDATE accounts SET enabled = FALSE")
        .execute(&p.backend.pool)
        .await
        .unwrap();
    assert!(!signed_in(&p, &cookie).await);
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "alice@example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 401, "a disabled account cannot sign in");
    p.stop().await;
}

#[tokio::test]
async fn the_session_list_shows_own_sessions_and_revokes_one() {
    let p = portal_with_alice().await;
    p.add_user("bob@example.test", Role::MailUser).await;
    let laptop = p.sign_in("alice@example.test").await;
    let phone = p.sign_in("alice@example.test").await;
    let bob = p.sign_in("bob@example.test").await;
    let a = p.call("account/sessions", Some(&laptop), &[]).await;
    let rows: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "bob's session is not listed: {rows:?}");
    assert_eq!(rows.iter().filter(|r| r["current"] == true).count(), 1);
    let phone_id = rows.iter().find(|r| r["current"] == false).unwrap()["id"].to_string();

    // Bob cannot end Alice's session; it looks as if it did not exist.
    let a = p
        .call("account/revoke_session", Some(&bob), &[("id", &phone_id)])
        .await;
    assert_eq!(a.status, 404);
    assert!(signed_in(&p, &phone).await);

    let a = p
        .call(
            "account/revoke_session",
            Some(&laptop),
            &[("id", &phone_id)],
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(!signed_in(&p, &phone).await);
    assert!(signed_in(&p, &laptop).await);
    p.stop().await;
}

#[tokio::test]
async fn changing_the_password_can_sign_out_every_other_session() {
    let p = portal_with_alice().await;
    let here = p.sign_in("alice@example.test").await;
    let elsewhere = p.sign_in("alice@example.test").await;
    let new = "amber kettle forest lantern";
    let form = [
        ("current_password", PASSWORD),
        ("new_password", new),
        ("confirm", new),
        ("sign_out_others", "on"),
    ];
    let a = p.call("account/change_password", Some(&here), &form).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(signed_in(&p, &here).await);
    assert!(!signed_in(&p, &elsewhere).await);
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "alice@example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 401, "the old password is gone");
    p.stop().await;
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_counts_as_a_failure() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in("alice@example.test").await;
    let new = "amber kettle forest lantern";
    let form = [
        ("current_password", "nope nope"),
        ("new_password", new),
        ("confirm", new),
    ];
    for _ in 0..5 {
        let a = p
            .call("account/change_password", Some(&cookie), &form)
            .await;
        assert_eq!(a.status, 400);
        assert!(a.body.contains("current_password"), "{}", a.body);
    }
    let a = p
        .call("account/change_password", Some(&cookie), &form)
        .await;
    assert_eq!(a.status, 429, "the same counter as sign-in");
    p.stop().await;
}

#[tokio::test]
async fn changing_the_recovery_email_can_sign_out_every_other_session() {
    let p = portal_with_alice().await;
    let here = p.sign_in("alice@example.test").await;
    let elsewhere = p.sign_in("alice@example.test").await;
    let form = [
        ("current_password", PASSWORD),
        ("recovery_email", "alice@elsewhere.test"),
        ("sign_out_others", "on"),
    ];
    let a = p
        .call("account/set_recovery_email", Some(&here), &form)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(signed_in(&p, &here).await);
    assert!(!signed_in(&p, &elsewhere).await);
    p.stop().await;
}
