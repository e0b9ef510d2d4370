//! Password reset through the recovery email: same answer for everyone, link in the
//! outbox, single use under concurrency, every session signed out.

use crate::harness::{error_of, Portal, PASSWORD};
use std::path::Path;

/// The outbox's messages but the security notices (setting the recovery address and
/// resetting the password send those; `security.rs` tests them).
fn outbox_messages(dir: &Path) -> Vec<String> {
    let outbox = dir.join("outbox");
    let Ok(entries) = std::fs::read_dir(outbox) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .filter(|m| !m.contains("Subject: Security notice"))
        .collect()
}

/// Waits (up to five seconds) until the outbox holds `n` messages, then a little longer so
/// that a wrongly sent extra one would show; returns them oldest first.
async fn mail_after_requests(dir: &Path, n: usize) -> Vec<String> {
    for _ in 0..100 {
        if outbox_messages(dir).len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    outbox_messages(dir)
}

fn reset_token(message: &str) -> String {
    let body = message.replace("=\r\n", "").replace("=3D", "=");
    let start = body.find("/reset-password/").expect("a reset link") + "/reset-password/".len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn portal_with_recovery() -> (Portal, String) {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    let cookie = p
        .add_user_with_recovery("rita@example.test", "rita@elsewhere.test")
        .await;
    (p, cookie)
}

#[tokio::test]
async fn a_reset_request_answers_alike_for_known_and_unknown_addresses() {
    let (p, _) = portal_with_recovery().await;
    let known = p
        .call("reset/request", None, &[("email", "rita@example.test")])
        .await;
    let unknown = p
        .call("reset/request", None, &[("email", "nobody@example.test")])
        .await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let mail = mail_after_requests(p.data.path(), 1).await;
    assert_eq!(mail.len(), 1, "only the real account got mail");
    assert!(mail[0].contains("To: rita@elsewhere.test"));
    assert!(mail[0].contains("Subject: Reset your mail password"));
    // A malformed address is a field error, which tells nothing about accounts.
    let bad = p
        .call("reset/request", None, &[("email", "not an address")])
        .await;
    assert_eq!(error_of(&bad)["Invalid"]["field"], "email");
    p.stop().await;
}

#[tokio::test]
async fn a_reset_link_works_once_even_when_used_twice_at_the_same_moment() {
    let (p, cookie) = portal_with_recovery().await;
    p.call("reset/request", None, &[("email", "rita@example.test")])
        .await;
    let token = reset_token(&mail_after_requests(p.data.path(), 1).await[0]);
    assert_eq!(token.len(), 43);

    let new = "harbour pencil orbit meadow";
    let form = [
        ("token", token.as_str()),
        ("password", new),
        ("confirm", new),
    ];
    let (a, b) = tokio::join!(
        p.call("reset/complete", None, &form),
        p.call("reset/complete", None, &form)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 410], "{a:?} {b:?}");

    // Every session was signed out; the new password works, the old does not.
    assert_eq!(
        p.call("account/sessions", Some(&cookie), &[]).await.status,
        401
    );
    let ok = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "rita@example.test"), ("password", new)],
        )
        .await;
    assert_eq!(ok.status, 200);
    let old = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "rita@example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status, 401);
    p.stop().await;
}

#[tokio::test]
async fn a_reset_link_expires_after_30_minutes() {
    let (p, _) = portal_with_recovery().await;
    p.call("reset/request", None, &[("email", "rita@example.test")])
        .await;
    let token = reset_token(&mail_after_requests(p.data.path(), 1).await[0]);
    p.clock().advance(30 * 60);
    let status = p
        .call("reset/link_status", None, &[("token", &token)])
        .await;
    assert_eq!(status.body, "false");
    let new = "harbour pencil orbit meadow";
    let a = p
        .call(
            "reset/complete",
            None,
            &[("token", &token), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(a.status, 410);
    p.stop().await;
}

#[tokio::test]
async fn a_weak_new_password_keeps_the_link_usable() {
    let (p, _) = portal_with_recovery().await;
    p.call("reset/request", None, &[("email", "rita@example.test")])
        .await;
    let token = reset_token(&mail_after_requests(p.data.path(), 1).await[0]);
    let a = p
        .call(
            "reset/complete",
            None,
            &[
                ("token", &token),
                ("password", "password1"),
                ("confirm", "password1"),
            ],
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(error_of(&a)["Invalid"]["field"], "password");
    let status = p
        .call("reset/link_status", None, &[("token", &token)])
        .await;
    assert_eq!(
        status.body, "true",
        "nothing half-done: the link still works"
    );
    p.stop().await;
}

#[tokio::test]
async fn repeated_requests_do_not_flood_the_recovery_mailbox() {
    let (p, _) = portal_with_recovery().await;
    for _ in 0..5 {
        p.call("reset/request", None, &[("email", "rita@example.test")])
            .await;
    }
    assert_eq!(mail_after_requests(p.data.path(), 1).await.len(), 1);
    p.clock().advance(61);
    p.call("reset/request", None, &[("email", "rita@example.test")])
        .await;
    let mail = mail_after_requests(p.data.path(), 2).await;
    assert_eq!(mail.len(), 2);
    // The newer link voided the older one.
    let old = reset_token(&mail[0]);
    assert_eq!(
        p.call("reset/link_status", None, &[("token", &old)])
            .await
            .body,
        "false"
    );
    assert_eq!(
        p.call(
            "reset/link_status",
            None,
            &[("token", &reset_token(&mail[1]))]
        )
        .await
        .body,
        "true"
    );
    p.stop().await;
}
