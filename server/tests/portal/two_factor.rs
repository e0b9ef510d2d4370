//! TOTP two-factor authentication and recovery codes: enrolment, the second sign-in step,
//! replay, clock skew, throttling, lockout, the admin requirement, and secrecy at rest.

use crate::harness::{error_of, Authenticator, Portal, PASSWORD};
use app::backend::store::db;
use app::{
    backend::{
        auth::totp::{self, Proof, Stage},
        request::RequestMeta,
        store,
    },
    model::{EmailAddress, Role},
};

const ALICE: &str = "alice@example.test";

async fn portal_with_alice() -> Portal {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user(ALICE, Role::MailUser).await;
    p
}

/// Alice with TOTP on, signed out again.
async fn alice_with_totp(p: &Portal) -> Authenticator {
    let cookie = p.sign_in(ALICE).await;
    p.enable_totp(&cookie).await
}

fn reason(a: &crate::harness::Answer) -> String {
    let e = error_of(a);
    e["Invalid"]["reason"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| e.to_string())
}

async fn account(p: &Portal, email: &str) -> store::accounts::Account {
    let address = EmailAddress::parse(email).unwrap();
    store::accounts::find_by_email(&p.backend.pool, &address)
        .await
        .unwrap()
        .unwrap()
}

/// One check of a typed code for `account` at the portal's current time.
async fn check(
    p: &Portal,
    account: &store::accounts::Account,
    code: &str,
) -> Result<Proof, app::error::AppError> {
    let meta = RequestMeta {
        ip: "192.0.2.1".into(),
        ..Default::default()
    };
    totp::check(
        &p.backend,
        &meta,
        account,
        code,
        Stage::Enabled,
        p.clock().now(),
    )
    .await
}

/// Checks `code` for Alice `n` times at once, from as many client addresses; answers how
/// many checks succeeded.
async fn concurrent_successes(p: &Portal, code: &str, n: u8) -> usize {
    let alice = account(p, ALICE).await;
    let now = p.clock().now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (backend, alice, code) = (p.backend.clone(), alice.clone(), code.to_string());
            tokio::spawn(async move {
                let meta = RequestMeta {
                    ip: format!("192.0.2.{i}"),
                    ..Default::default()
                };
                totp::check(&backend, &meta, &alice, &code, Stage::Enabled, now).await
            })
        })
        .collect();
    let mut successes = 0;
    for t in tasks {
        successes += usize::from(t.await.unwrap().is_ok());
    }
    successes
}

#[tokio::test]
async fn changes_need_a_password_proved_in_the_last_ten_minutes() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in(ALICE).await;
    p.clock().advance(11 * 60);
    let a = p.call("two_factor/offer_totp", Some(&cookie), &[]).await;
    assert_eq!(a.status, 403);
    assert_eq!(error_of(&a), serde_json::json!("ReauthRequired"));
    let a = p
        .call(
            "two_factor/confirm_identity",
            Some(&cookie),
            &[("password", "wrong password here")],
        )
        .await;
    assert_eq!(a.status, 400);
    let a = p
        .call(
            "two_factor/confirm_identity",
            Some(&cookie),
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p.call("two_factor/offer_totp", Some(&cookie), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.cache_control.as_deref(),
        Some("no-store"),
        "the key is never cached"
    );
    p.stop().await;
}

#[tokio::test]
async fn the_offer_is_a_160_bit_key_with_a_qr_code() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in(ALICE).await;
    let a = p.call("two_factor/offer_totp", Some(&cookie), &[]).await;
    let offer: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let key = offer["key_groups"].as_str().unwrap().replace(' ', "");
    assert_eq!(crate::harness::base32_decode(&key).len(), 20, "160 bits");
    let uri = offer["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Mail%20Portal:alice%40example.test?secret="),
        "{uri}"
    );
    assert!(offer["qr_svg"].as_str().unwrap().contains("<svg"));
    // A wrong code leaves it off, and says what to check.
    let a = p
        .call(
            "two_factor/enable_totp",
            Some(&cookie),
            &[("code", "000000")],
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(reason(&a).contains("clock"), "{}", a.body);
    let s = p.call("two_factor/status", Some(&cookie), &[]).await;
    assert!(s.body.contains("\"totp_enabled_at\":null"), "{}", s.body);
    p.stop().await;
}

#[tokio::test]
async fn sign_in_asks_for_the_code_and_no_session_exists_before_it() {
    let p = portal_with_alice().await;
    let app = alice_with_totp(&p).await;
    assert_eq!(app.recovery_codes.len(), 10);

    let pending = p.password_step(ALICE).await;
    let a = p.call("account/summary", Some(&pending), &[]).await;
    assert_eq!(a.status, 401, "the ticket is not a session");
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", "123456")])
        .await;
    assert_eq!(a.status, 400);
    assert!(reason(&a).contains("clock"), "{}", a.body);

    let code = p.code(&app);
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let session = a.session_cookie().expect("a session");
    assert_eq!(
        p.call("account/summary", Some(&session), &[]).await.status,
        200
    );
    assert!(
        a.set_cookie
            .iter()
            .any(|c| c.starts_with("mailportal_pending=;")),
        "the ticket cookie is cleared"
    );

    // The ticket was used up; a ticket also ends after five minutes.
    p.clock().advance(30);
    let code = p.code(&app);
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 401);
    assert_eq!(error_of(&a), serde_json::json!("SignInExpired"));
    let pending = p.password_step(ALICE).await;
    p.clock().advance(5 * 60);
    let code = p.code(&app);
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 401, "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn a_code_is_good_once() {
    let p = portal_with_alice().await;
    let app = alice_with_totp(&p).await;
    let code = p.code(&app);
    let pending = p.password_step(ALICE).await;
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 200);
    let pending = p.password_step(ALICE).await;
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 400, "a replayed code is refused");
    assert!(reason(&a).contains("already used"), "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn sixteen_concurrent_checks_of_one_code_succeed_once() {
    let p = portal_with_alice().await;
    let app = alice_with_totp(&p).await;
    let code = p.code(&app);
    let successes = concurrent_successes(&p, &code, 16).await;
    assert_eq!(successes, 1);
    p.stop().await;
}

#[tokio::test]
async fn one_step_of_clock_skew_is_accepted_two_are_not() {
    let p = portal_with_alice().await;
    let app = alice_with_totp(&p).await;
    p.clock().advance(5 * 30);
    let now = p.clock().now();
    // In this order, so that each accepted step is later than the last one used.
    for (offset, status, what) in [
        (-60, 400, "two steps slow"),
        (-30, 200, "one step slow"),
        (60, 400, "two steps fast"),
        (30, 200, "one step fast"),
    ] {
        let pending = p.password_step(ALICE).await;
        let code = app.code_at(now + offset);
        let a = p
            .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
            .await;
        assert_eq!(a.status, status, "{what}: {}", a.body);
    }
    p.stop().await;
}

#[tokio::test]
async fn wrong_codes_count_toward_the_account_throttle_and_the_password_does_not_reset_it() {
    let p = portal_with_alice().await;
    alice_with_totp(&p).await;
    let pending = p.password_step(ALICE).await;
    for _ in 0..5 {
        let a = p
            .call("auth/sign_in_code", Some(&pending), &[("code", "000000")])
            .await;
        assert_eq!(a.status, 400);
    }
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", "000000")])
        .await;
    assert_eq!(a.status, 429, "{}", a.body);
    // A fresh password step from another address does not clear the counter.
    let a = p
        .call_from(
            "auth/sign_in",
            None,
            &[("email", ALICE), ("password", PASSWORD)],
            &[("origin", &p.base.clone())],
        )
        .await;
    assert_eq!(a.status, 429, "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn a_hundred_wrong_codes_lock_them_until_a_recovery_code_or_an_admin_unlocks() {
    let p = portal_with_alice().await;
    p.add_domain("other.test").await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("otto@other.test", Role::DomainAdmin).await;
    let app = alice_with_totp(&p).await;
    let alice = account(&p, ALICE).await;
    let lock = || async {
        for _ in 0..totp::LOCK_AFTER {
            // An hour apart: the throttle's window is over each time, the run of failures is not.
            p.clock().advance(3601);
            let r = check(&p, &alice, "000000").await;
            assert!(r.is_err());
        }
        p.clock().advance(3601);
    };
    lock().await;
    let r = check(&p, &alice, &p.code(&app)).await;
    assert!(format!("{r:?}").contains("locked"), "{r:?}");

    let r = check(&p, &alice, &app.recovery_codes[0]).await;
    assert_eq!(r.unwrap(), Proof::RecoveryCode { left: 9 });
    p.clock().advance(30);
    let r = check(&p, &alice, &p.code(&app)).await;
    assert_eq!(r.unwrap(), Proof::Totp, "a recovery code unlocks");

    lock().await;
    let otto = p.sign_in("otto@other.test").await;
    let a = p
        .call("two_factor/unlock", Some(&otto), &[("email", ALICE)])
        .await;
    assert_eq!(a.status, 400, "not in otto's domains: {}", a.body);
    let dora = p.sign_in("dora@example.test").await;
    let a = p
        .call("two_factor/unlock", Some(&dora), &[("email", ALICE)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p
        .call("two_factor/unlock", Some(&dora), &[("email", ALICE)])
        .await;
    assert!(reason(&a).contains("not locked"), "{}", a.body);
    p.clock().advance(30);
    let r = check(&p, &alice, &p.code(&app)).await;
    assert_eq!(r.unwrap(), Proof::Totp);
    p.stop().await;
}

#[tokio::test]
async fn recovery_codes_are_random_hashed_single_use_and_replaced_as_a_set() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in(ALICE).await;
    let app = p.enable_totp(&cookie).await;
    for code in &app.recovery_codes {
        let compact = code.replace('-', "");
        assert_eq!(compact.len(), 16, "16 base32 characters = 80 bits: {code}");
    }
    let distinct: std::collections::HashSet<_> = app.recovery_codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    let hashes: Vec<String> = db::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 10);
    assert!(hashes.iter().all(|h| h.starts_with("$argon2id$")));

    let pending = p.password_step(ALICE).await;
    let code = app.recovery_codes[3].to_uppercase();
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 200, "upper case is the same code: {}", a.body);
    let pending = p.password_step(ALICE).await;
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &code)])
        .await;
    assert_eq!(a.status, 400, "used once");

    let a = p
        .call("two_factor/regenerate_recovery_codes", Some(&cookie), &[])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let fresh: Vec<String> = serde_json::from_str(&a.body).unwrap();
    let pending = p.password_step(ALICE).await;
    let a = p
        .call(
            "auth/sign_in_code",
            Some(&pending),
            &[("code", &app.recovery_codes[5])],
        )
        .await;
    assert_eq!(a.status, 400, "the old set is void");
    let a = p
        .call("auth/sign_in_code", Some(&pending), &[("code", &fresh[5])])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn a_recovery_code_is_used_once_under_concurrency() {
    let p = portal_with_alice().await;
    let app = alice_with_totp(&p).await;
    let successes = concurrent_successes(&p, &app.recovery_codes[0], 6).await;
    assert_eq!(successes, 1);
    p.stop().await;
}

#[tokio::test]
async fn turning_it_off_needs_a_code() {
    let p = portal_with_alice().await;
    let cookie = p.sign_in(ALICE).await;
    let app = p.enable_totp(&cookie).await;
    let a = p
        .call(
            "two_factor/disable_totp",
            Some(&cookie),
            &[("code", "000000")],
        )
        .await;
    assert_eq!(a.status, 400);
    let code = p.code(&app);
    let a = p
        .call("two_factor/disable_totp", Some(&cookie), &[("code", &code)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", ALICE), ("password", PASSWORD)],
        )
        .await;
    assert!(a.session_cookie().is_some(), "no second step any more");
    let left: i64 = db::query_scalar("SELECT COUNT(*) FROM recovery_codes")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "the recovery codes went with it");
    p.stop().await;
}

#[tokio::test]
async fn admins_can_be_required_to_use_two_factor() {
    let p = portal_with_alice().await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let master = p.sign_in("admin@example.test").await;
    let on = [("require_for_admins", "on")];
    let a = p.call("two_factor/set_policy", Some(&master), &on).await;
    assert_eq!(a.status, 400, "not without a factor of one's own");
    assert!(reason(&a).contains("your own account first"), "{}", a.body);
    let master_app = p.enable_totp(&master).await;
    let a = p.call("two_factor/set_policy", Some(&master), &on).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p.call("two_factor/policy", Some(&master), &[]).await;
    assert!(
        a.body.contains("dora@example.test") && !a.body.contains("\"admin@example.test\""),
        "{}",
        a.body
    );

    // Dora has no factor: signed in, sent to set one up, admin rights closed until then.
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "dora@example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.location.as_deref(), Some("/account/two-factor"), "{a:?}");
    let dora = a.session_cookie().unwrap();
    let a = p.call("admin/domains", Some(&dora), &[]).await;
    assert_eq!(a.status, 403);
    assert_eq!(error_of(&a), serde_json::json!("SecondFactorRequired"));
    let page = p.get("/admin/domains", Some(&dora)).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/account/two-factor"),
        "{}",
        page.status
    );
    let dora_app = p.enable_totp(&dora).await;
    assert_eq!(p.call("admin/domains", Some(&dora), &[]).await.status, 200);
    let code = p.code(&dora_app);
    let a = p
        .call("two_factor/disable_totp", Some(&dora), &[("code", &code)])
        .await;
    assert_eq!(a.status, 400, "admins keep it while the policy holds");

    // Mail users are not concerned.
    let alice = p.sign_in(ALICE).await;
    assert_eq!(
        p.call("account/summary", Some(&alice), &[]).await.status,
        200
    );
    let _ = master_app;
    p.stop().await;
}
