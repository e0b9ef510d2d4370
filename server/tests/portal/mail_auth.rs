//! The mail login check (`/auth/mail`, nginx's auth_http): the rule matrix, device
//! passwords' limits, who may ask, malformed requests, and the shared failure counter.

use crate::harness::{Portal, PASSWORD};
use app::backend::store::db;
use app::{
    backend::{auth::throttle, store},
    model::Role,
};

const ALICE: &str = "alice@example.test";
const WEBMAIL: &str = "192.0.2.10";
const ELSEWHERE: &str = "198.51.100.7";

async fn portal() -> Portal {
    let p = Portal::start_with(|c| {
        c.mail_auth.webmail_ips = vec![WEBMAIL.into()];
        c.mail_auth.imap_backend = "127.0.0.1:1143".parse().unwrap();
    })
    .await;
    p.add_domain("example.test").await;
    p.add_user(ALICE, Role::MailUser).await;
    p
}

/// What nginx would ask; answers `Auth-Status` and `Auth-Wait`.
pub(crate) async fn login(
    p: &Portal,
    user: &str,
    pass: &str,
    protocol: &str,
    ip: &str,
) -> (String, Option<String>) {
    let a = mail_login(
        p,
        &[
            ("auth-method", "plain"),
            ("auth-user", user),
            ("auth-pass", pass),
            ("auth-protocol", protocol),
            ("auth-login-attempt", "1"),
            ("client-ip", ip),
        ],
    )
    .await;
    assert_eq!(a.status, 200);
    (
        a.header("auth-status").unwrap_or_default().to_string(),
        a.header("auth-wait").map(String::from),
    )
}

async fn mail_login(p: &Portal, headers: &[(&str, &str)]) -> crate::harness::Answer {
    p.get_with("/auth/mail", headers).await
}

async fn alice_id(p: &Portal) -> i64 {
    db::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(ALICE)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_rule_matrix_holds() {
    let p = portal().await;
    let cookie = p.sign_in(ALICE).await;
    let device = p
        .new_device_password(&cookie, &["imap", "pop3", "smtp"], "")
        .await;
    let id = alice_id(&p).await;
    for second_factor in [false, true] {
        if second_factor {
            let cookie = p.sign_in(ALICE).await;
            p.enable_totp(&cookie).await;
        }
        for open in [true, false] {
            store::accounts::set_mail_access(&p.backend.pool, id, open)
                .await
                .unwrap();
            for (ip, webmail) in [(ELSEWHERE, false), (WEBMAIL, true)] {
                for protocol in ["imap", "pop3", "smtp"] {
                    for (credential, pass) in [
                        ("account password", PASSWORD),
                        ("device password", &device),
                        ("wrong", "not it at all"),
                    ] {
                        // An hour apart: each check starts with a clean throttle.
                        p.clock().advance(3601);
                        let (status, _) = login(&p, ALICE, pass, protocol, ip).await;
                        let expected = (open || webmail)
                            && match credential {
                                "device password" => true,
                                "account password" => !second_factor,
                                _ => false,
                            };
                        assert_eq!(
                            status == "OK",
                            expected,
                            "2FA {second_factor}, access {open}, webmail {webmail}, {protocol}, {credential}: {status}"
                        );
                    }
                }
            }
        }
    }
    p.stop().await;
}

#[tokio::test]
async fn a_granted_login_goes_to_the_configured_backend() {
    let p = portal().await;
    let a = mail_login(
        &p,
        &[
            ("auth-method", "plain"),
            ("auth-user", "alice%40example.test"),
            ("auth-pass", "violet%20tram%20quietly%20sings"),
            ("auth-protocol", "imap"),
            ("client-ip", ELSEWHERE),
            // Request data never chooses the backend.
            ("auth-server", "203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(a.header("auth-status"), Some("OK"));
    assert_eq!(a.header("auth-server"), Some("127.0.0.1"));
    assert_eq!(a.header("auth-port"), Some("1143"));
    let (status, _) = login(&p, ALICE, PASSWORD, "smtp", ELSEWHERE).await;
    assert_eq!(status, "OK");
    p.stop().await;
}

#[tokio::test]
async fn device_passwords_keep_to_their_protocols_expiry_and_idle_limit() {
    let p = portal().await;
    let cookie = p.sign_in(ALICE).await;
    // 2027-01-20, five days after the test clock's start.
    let scanner = p
        .new_device_password(&cookie, &["smtp"], "2027-01-20")
        .await;
    assert_eq!(
        scanner.replace('-', "").len(),
        28,
        "136 bits in base32: {scanner}"
    );
    assert_eq!(login(&p, ALICE, &scanner, "smtp", ELSEWHERE).await.0, "OK");
    assert_ne!(login(&p, ALICE, &scanner, "imap", ELSEWHERE).await.0, "OK");
    let typed_plainly = scanner.replace('-', "").to_uppercase();
    assert_eq!(
        login(&p, ALICE, &typed_plainly, "smtp", ELSEWHERE).await.0,
        "OK"
    );
    p.clock().advance(6 * 86_400);
    assert_ne!(
        login(&p, ALICE, &scanner, "smtp", ELSEWHERE).await.0,
        "OK",
        "expired"
    );

    let cookie = p.sign_in(ALICE).await;
    let phone = p.new_device_password(&cookie, &["imap"], "").await;
    assert_eq!(login(&p, ALICE, &phone, "imap", ELSEWHERE).await.0, "OK");
    p.clock().advance(179 * 86_400);
    assert_eq!(
        login(&p, ALICE, &phone, "imap", ELSEWHERE).await.0,
        "OK",
        "used within 180 days"
    );
    p.backend.recorder.flush().await;
    p.clock().advance(179 * 86_400);
    assert_eq!(
        login(&p, ALICE, &phone, "imap", ELSEWHERE).await.0,
        "OK",
        "each use starts the 180 days again"
    );
    p.backend.recorder.flush().await;
    p.clock().advance(181 * 86_400);
    assert_ne!(
        login(&p, ALICE, &phone, "imap", ELSEWHERE).await.0,
        "OK",
        "180 days unused"
    );

    let cookie = p.sign_in(ALICE).await;
    let laptop = p.new_device_password(&cookie, &["imap"], "").await;
    let list = p.call("mail_access/overview", Some(&cookie), &[]).await;
    assert!(
        !list.body.contains(&laptop.replace('-', "")),
        "the secret is shown once only"
    );
    p.revoke_newest_device_password(&cookie).await;
    assert_ne!(
        login(&p, ALICE, &laptop, "imap", ELSEWHERE).await.0,
        "OK",
        "revoked"
    );
    p.stop().await;
}

#[tokio::test]
async fn every_check_is_a_login_event_and_a_use_marks_the_device_password() {
    let p = portal().await;
    let cookie = p.sign_in(ALICE).await;
    let phone = p.new_device_password(&cookie, &["imap"], "").await;
    for i in 1..=40 {
        let ip = format!("198.51.100.{i}");
        assert_eq!(login(&p, ALICE, &phone, "imap", &ip).await.0, "OK");
    }
    let wrong = [
        ("auth-method", "plain"),
        ("auth-user", ALICE),
        ("auth-pass", "wrong"),
        ("auth-protocol", "imap"),
        ("client-ip", ELSEWHERE),
        ("client-host", "host7.isp.example"),
    ];
    let a = mail_login(&p, &wrong).await;
    assert_eq!(a.header("auth-status"), Some("Invalid login or password"));
    // The rows are written in batches off the request path; a flush waits for them.
    p.backend.recorder.flush().await;
    let results: Vec<(String, String)> = db::query_as(
        "SELECT result, detail FROM login_events WHERE email = $1 AND protocol = 'imap' ORDER BY id",
    )
    .bind(ALICE)
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(results.len(), 41, "{results:?}");
    assert!(results[..40]
        .iter()
        .all(|(r, d)| r == "success" && d.starts_with("device password")));
    assert_eq!(results[0].1, "device password", "the first is a full check");
    assert_eq!(results[1].1, "device password (cached)");
    assert_eq!(
        results[40],
        ("bad_credentials".into(), "wrong password".into())
    );
    let (ip, protocol): (String, String) = db::query_as(
        "SELECT last_used_ip, last_used_protocol FROM device_passwords WHERE account_id = $1",
    )
    .bind(alice_id(&p).await)
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!((ip.as_str(), protocol.as_str()), ("198.51.100.40", "imap"));
    p.stop().await;
}

#[tokio::test]
async fn a_device_password_works_for_its_own_account_only() {
    let p = portal().await;
    p.add_user("bob@example.test", Role::MailUser).await;
    let cookie = p.sign_in(ALICE).await;
    let alices = p.new_device_password(&cookie, &["imap"], "").await;
    assert_ne!(
        login(&p, "bob@example.test", &alices, "imap", ELSEWHERE)
            .await
            .0,
        "OK"
    );
    p.stop().await;
}

#[tokio::test]
async fn creating_one_needs_a_recent_password() {
    let p = portal().await;
    let cookie = p.sign_in(ALICE).await;
    p.clock().advance(11 * 60);
    let a = p
        .call(
            "mail_access/create",
            Some(&cookie),
            &[("name", "Phone"), ("imap", "on"), ("expires", "")],
        )
        .await;
    assert_eq!(a.status, 403);
    p.stop().await;
}

#[tokio::test]
async fn only_configured_proxies_with_the_secret_are_answered() {
    let p = Portal::start_with(|c| c.mail_auth.allowed_ips = vec!["192.0.2.1".into()]).await;
    let a = mail_login(&p, &[("auth-user", "x"), ("auth-pass", "y")]).await;
    assert_eq!(a.status, 403, "127.0.0.1 is not a configured proxy");
    p.backend.recorder.flush().await;
    let events: i64 = db::query_scalar("SELECT COUNT(*) FROM login_events")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(events, 0, "refused before the store");
    p.stop().await;

    let p =
        Portal::start_with(|c| c.mail_auth.secret = Some("s3cret-shared-with-nginx".into())).await;
    p.add_domain("example.test").await;
    p.add_user(ALICE, Role::MailUser).await;
    let base = [
        ("auth-method", "plain"),
        ("auth-user", ALICE),
        ("auth-pass", PASSWORD),
        ("auth-protocol", "imap"),
        ("client-ip", ELSEWHERE),
    ];
    assert_eq!(mail_login(&p, &base).await.status, 403, "no secret");
    let mut wrong = base.to_vec();
    wrong.push(("x-mailportal-secret", "s3cret-shared-with-nginy"));
    assert_eq!(mail_login(&p, &wrong).await.status, 403, "wrong secret");
    let mut right = base.to_vec();
    right.push(("x-mailportal-secret", "s3cret-shared-with-nginx"));
    let a = mail_login(&p, &right).await;
    assert_eq!(a.header("auth-status"), Some("OK"));
    p.stop().await;
}

#[tokio::test]
async fn malformed_requests_are_refusals_and_login_events() {
    let p = portal().await;
    let long = "x".repeat(200);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("auth-method", "plain"),
            ("auth-user", "alice%40example.test%0d%0aAuth-Status: OK"),
            ("auth-pass", PASSWORD),
            ("auth-protocol", "imap"),
            ("client-ip", ELSEWHERE),
        ],
        vec![
            ("auth-method", "plain"),
            ("auth-user", ALICE),
            ("auth-pass", "pass%00word"),
            ("auth-protocol", "imap"),
            ("client-ip", ELSEWHERE),
        ],
        vec![
            ("auth-method", "plain"),
            ("auth-user", "%ff%fe"),
            ("auth-pass", PASSWORD),
            ("auth-protocol", "imap"),
            ("client-ip", ELSEWHERE),
        ],
        vec![
            ("auth-method", "plain"),
            ("auth-user", ALICE),
            ("auth-pass", ""),
            ("auth-protocol", "imap"),
            ("client-ip", ELSEWHERE),
        ],
        vec![
            ("auth-method", "none"),
            ("auth-user", ALICE),
            ("auth-pass", PASSWORD),
            ("auth-protocol", "imap"),
            ("client-ip", ELSEWHERE),
        ],
        vec![
            ("auth-method", "plain"),
            ("auth-user", ALICE),
            ("auth-pass", PASSWORD),
            ("auth-protocol", "nntp"),
            ("client-ip", ELSEWHERE),
        ],
        vec![
            ("auth-method", "plain"),
            ("auth-user", ALICE),
            ("auth-pass", PASSWORD),
            ("auth-protocol", "imap"),
        ],
        vec![
            ("auth-method", "plain"),
            ("auth-user", ALICE),
            ("auth-pass", &long),
            ("auth-protocol", "imap"),
            ("client-ip", ELSEWHERE),
        ],
        vec![
            ("auth-method", "plain"),
            ("auth-user", ALICE),
            ("auth-pass", PASSWORD),
            ("auth-protocol", "imap"),
            ("auth-login-attempt", "11"),
            ("client-ip", ELSEWHERE),
        ],
        vec![],
    ];
    for (i, headers) in cases.iter().enumerate() {
        p.clock().advance(3601);
        let a = mail_login(&p, headers).await;
        assert_eq!(a.status, 200, "case {i}");
        assert_eq!(
            a.header("auth-status"),
            Some("Invalid login or password"),
            "case {i}"
        );
        if i == 8 {
            assert_eq!(
                a.header("auth-wait"),
                None,
                "too many attempts: no wait offered"
            );
        }
    }
    p.backend.recorder.flush().await;
    let events: i64 =
        db::query_scalar("SELECT COUNT(*) FROM login_events WHERE result <> 'success'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(
        events as usize,
        cases.len(),
        "each refusal is a login event"
    );
    p.stop().await;
}

#[tokio::test]
async fn mail_failures_share_the_counter_with_web_sign_in_and_ask_to_wait() {
    let p = portal().await;
    for i in 0..5 {
        let (status, wait) = login(&p, ALICE, "wrong password here", "imap", ELSEWHERE).await;
        assert_ne!(status, "OK");
        assert_eq!(
            wait.is_some(),
            i == 4,
            "a wait once the free failures are used ({i})"
        );
    }
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", ALICE), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 429, "the web sign-in counts the same failures");
    let (status, wait) = login(&p, ALICE, PASSWORD, "imap", "203.0.113.5").await;
    assert_ne!(
        status, "OK",
        "a new IP does not reset the account's counter"
    );
    assert!(wait.is_some());
    p.stop().await;
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let p = portal().await;
    let (a, _) = login(
        &p,
        "nobody@example.test",
        "some password",
        "imap",
        ELSEWHERE,
    )
    .await;
    let (b, _) = login(&p, ALICE, "some password", "imap", "203.0.113.6").await;
    assert_eq!(a, b);
    p.backend.recorder.flush().await;
    let detail: Vec<String> = db::query_scalar("SELECT detail FROM login_events ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(detail, ["unknown or disabled account", "wrong password"]);
    p.stop().await;
}

/// True when Alice's IMAP login with `pass` from an ordinary address gets in.
async fn ok(p: &Portal, pass: &str) -> bool {
    login(p, ALICE, pass, "imap", ELSEWHERE).await.0 == "OK"
}

/// The detail of the newest login event: the credential (and "(cached)") or the reason.
async fn last_detail(p: &Portal) -> String {
    p.backend.recorder.flush().await;
    db::query_scalar("SELECT detail FROM login_events ORDER BY id DESC LIMIT 1")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_success_cache_answers_repeats_and_forgets_at_every_change() {
    let p = portal().await;
    let id = alice_id(&p).await;

    assert!(ok(&p, PASSWORD).await);
    assert_eq!(last_detail(&p).await, "account password");
    assert!(ok(&p, PASSWORD).await);
    assert_eq!(last_detail(&p).await, "account password (cached)");
    assert!(
        !ok(&p, "another password").await,
        "a different password is never a hit"
    );
    p.clock().advance(61);
    assert!(ok(&p, PASSWORD).await);
    assert_eq!(
        last_detail(&p).await,
        "account password",
        "a minute later: the full check"
    );

    // Closing mail-app access takes effect at the next login.
    store::accounts::set_mail_access(&p.backend.pool, id, false)
        .await
        .unwrap();
    assert!(!ok(&p, PASSWORD).await, "switch off");
    store::accounts::set_mail_access(&p.backend.pool, id, true)
        .await
        .unwrap();
    assert!(ok(&p, PASSWORD).await);

    // A new password: the old one stops at once.
    let cookie = p.sign_in(ALICE).await;
    let form = [
        ("current_password", PASSWORD),
        ("new_password", "amber kettle forest lantern"),
        ("confirm", "amber kettle forest lantern"),
    ];
    assert_eq!(
        p.call("account/change_password", Some(&cookie), &form)
            .await
            .status,
        200
    );
    assert!(!ok(&p, PASSWORD).await, "old password after a change");
    assert!(ok(&p, "amber kettle forest lantern").await);
    assert!(ok(&p, "amber kettle forest lantern").await);
    assert_eq!(last_detail(&p).await, "account password (cached)");

    // Turning on 2FA refuses the account password at once.
    let cookie = p.sign_in_as(ALICE, "amber kettle forest lantern").await;
    p.enable_totp(&cookie).await;
    assert!(!ok(&p, "amber kettle forest lantern").await, "2FA on");

    // A disabled account loses every mail login at once, device passwords included.
    let device = p.new_device_password(&cookie, &["imap"], "").await;
    assert_eq!(login(&p, ALICE, &device, "imap", ELSEWHERE).await.0, "OK");
    assert_eq!(login(&p, ALICE, &device, "imap", ELSEWHERE).await.0, "OK");
    assert_eq!(last_detail(&p).await, "device password (cached)");
    db::query("UPDATE accounts SET enabled = FALSE WHERE id = $1")
        .bind(id)
        .execute(&p.backend.pool)
        .await
        .unwrap();
    assert_ne!(
        login(&p, ALICE, &device, "imap", ELSEWHERE).await.0,
        "OK",
        "disabled"
    );
    p.stop().await;
}

#[tokio::test]
async fn a_domain_admin_manages_the_mail_access_of_their_domains_mailboxes_only() {
    let p = portal().await;
    p.add_domain("other.test").await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("otto@other.test", Role::DomainAdmin).await;
    p.add_user("bob@example.test", Role::MailUser).await;
    let alice = p.sign_in(ALICE).await;
    let phone = p.new_device_password(&alice, &["imap"], "").await;
    let id: i64 = db::query_scalar("SELECT MAX(id) FROM device_passwords")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let id = id.to_string();
    let calls = [
        ("mail_access/overview", vec![("mailbox", ALICE)]),
        (
            "mail_access/set_switch",
            vec![("open", "false"), ("mailbox", ALICE)],
        ),
        (
            "mail_access/revoke",
            vec![("id", id.as_str()), ("mailbox", ALICE)],
        ),
    ];

    // An admin of another domain finds no such mailbox; a mail user may not ask at all.
    let otto = p.sign_in("otto@other.test").await;
    let bob = p.sign_in("bob@example.test").await;
    for (function, form) in &calls {
        let a = p.call(function, Some(&otto), form).await;
        assert_eq!(a.status, 400, "{function}: {}", a.body);
        assert!(
            a.body
                .contains("No account with this address is in your domains"),
            "{}",
            a.body
        );
        let a = p.call(function, Some(&bob), form).await;
        assert_eq!(a.status, 403, "{function}: {}", a.body);
    }
    assert_eq!(login(&p, ALICE, &phone, "imap", ELSEWHERE).await.0, "OK");

    // Her own domain's admin sees the device password (never its secret) and the switch.
    let dora = p.sign_in("dora@example.test").await;
    let a = p.call(calls[0].0, Some(&dora), &calls[0].1).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let seen: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(seen["email"], ALICE);
    assert_eq!(seen["device_passwords"][0]["name"], "Mail app");
    assert_eq!(seen["mail_access"], true);
    assert!(!a.body.contains(&phone.replace('-', "")) && !a.body.contains(&phone));

    // Closing the switch refuses Alice's mail apps at once; the audit log names Dora.
    let a = p.call(calls[1].0, Some(&dora), &calls[1].1).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let (status, _) = login(&p, ALICE, &phone, "imap", ELSEWHERE).await;
    assert_ne!(status, "OK", "the switch is off");
    let open = [("open", "true"), ("mailbox", ALICE)];
    let a = p.call(calls[1].0, Some(&dora), &open).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(login(&p, ALICE, &phone, "imap", ELSEWHERE).await.0, "OK");

    // Revoking voids the device password at once, cached success or not.
    let a = p.call(calls[2].0, Some(&dora), &calls[2].1).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_ne!(login(&p, ALICE, &phone, "imap", ELSEWHERE).await.0, "OK");
    let a = p.call(calls[2].0, Some(&dora), &calls[2].1).await;
    assert_eq!(a.status, 404, "already revoked: {}", a.body);

    let audit: Vec<(String, String, String)> = db::query_as(
        "SELECT COALESCE(actor, ''), action, detail FROM audit_log \
         WHERE action IN ('mail_access_changed', 'device_password_revoked') ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    let dora_did = |action: &str, detail: &str| {
        (
            "dora@example.test".to_string(),
            action.to_string(),
            detail.to_string(),
        )
    };
    assert_eq!(
        audit,
        vec![
            dora_did(
                "mail_access_changed",
                "dora@example.test set non-webmail access off for alice@example.test"
            ),
            dora_did(
                "mail_access_changed",
                "dora@example.test set non-webmail access on for alice@example.test"
            ),
            dora_did(
                "device_password_revoked",
                "Mail app (of alice@example.test)"
            ),
        ]
    );
    p.stop().await;
}

#[tokio::test]
async fn a_burst_of_refused_logins_blocks_the_client_ip_for_a_while() {
    let p = portal().await;
    let attacker = "203.0.113.66";
    // Spread over addresses, so that no account's counter is what stops them; past the
    // IP's free failures the attempts are throttled, and count toward the burst all the same.
    for i in 0..throttle::BURST_ATTEMPTS {
        let user = format!("user{i}@example.test");
        assert_ne!(login(&p, &user, "guess", "imap", attacker).await.0, "OK");
    }
    let (status, wait) = login(&p, ALICE, PASSWORD, "imap", attacker).await;
    assert_ne!(
        status, "OK",
        "even the right password is refused from a blocked IP"
    );
    let wait: i64 = wait.expect("Auth-Wait").parse().unwrap();
    assert!(
        (throttle::BLOCK_SECS - 5..=throttle::BLOCK_SECS).contains(&wait),
        "{wait}"
    );
    assert_eq!(
        last_detail(&p).await,
        "client IP blocked after a burst of refused logins"
    );
    assert_eq!(
        login(&p, ALICE, PASSWORD, "imap", ELSEWHERE).await.0,
        "OK",
        "other addresses are not blocked"
    );
    let (attempts, reason): (i64, String) =
        db::query_as("SELECT attempts, reason FROM ip_blocks WHERE ip = $1")
            .bind(attacker)
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(attempts, throttle::BURST_ATTEMPTS);
    assert_eq!(reason, "30 refused mail logins within 60 seconds");

    p.clock().advance(throttle::BLOCK_SECS + 1);
    assert_eq!(
        login(&p, ALICE, PASSWORD, "imap", attacker).await.0,
        "OK",
        "the block ends by itself"
    );
    p.stop().await;
}
