//! Sign-in: hashing at work, the same answer for unknown and wrong, throttling.

use crate::harness::{error_of, Portal, PASSWORD};
use app::backend::store::db;
use app::{
    backend::store::login_events::{self, LoginResult},
    model::Role,
};
use std::time::Instant;

#[tokio::test]
async fn unknown_address_and_wrong_password_get_the_same_answer_in_similar_time() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    let mut times = [Vec::new(), Vec::new()];
    let mut answers = Vec::new();
    for round in 0..4 {
        for (i, email) in ["alice@example.test", &format!("nobody{round}@example.test")]
            .into_iter()
            .enumerate()
        {
            let started = Instant::now();
            let a = p
                .call(
                    "auth/sign_in",
                    None,
                    &[("email", email), ("password", "wrong password")],
                )
                .await;
            times[i].push(started.elapsed().as_secs_f64());
            answers.push((a.status, a.body));
        }
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 401);
    assert!(answers[0].1.contains("BadCredentials"));
    let mean = |v: &Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let (known, unknown) = (mean(&times[0]), mean(&times[1]));
    // Both verify one argon2id hash; only noise may separate them.
    assert!(
        unknown > known * 0.5 && unknown < known * 2.0,
        "known {known:.3}s, unknown {unknown:.3}s"
    );
    p.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_hardened_and_the_password_stored_as_argon2id() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "Alice@Example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let cookie = a
        .set_cookie
        .iter()
        .find(|c| c.starts_with("mailportal_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("mailportal_session=");
    assert_eq!(token.len(), 43, "256 random bits");

    let stored: (String, String) = db::query_as("SELECT a.password_hash, s.token_hash FROM accounts a JOIN sessions s ON s.account_id = a.id")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert!(stored.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert_ne!(stored.1, token, "only the token's hash is stored");
    assert_eq!(stored.1, app::backend::auth::token::hash(token));
    p.stop().await;
}

#[tokio::test]
async fn failures_are_throttled_per_account_and_success_resets_the_count() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("tess@example.test", Role::MailUser).await;
    let p = &p;
    let try_password = |pw: &'static str| async move {
        p.call(
            "auth/sign_in",
            None,
            &[("email", "tess@example.test"), ("password", pw)],
        )
        .await
    };
    for _ in 0..5 {
        assert_eq!(try_password("wrong guess").await.status, 401);
    }
    // The right password must wait too: otherwise the wait would reveal it.
    let a = try_password(PASSWORD).await;
    assert_eq!(a.status, 429, "{}", a.body);
    assert_eq!(error_of(&a)["Throttled"]["retry_after_secs"], 30);

    p.clock().advance(30);
    assert_eq!(try_password(PASSWORD).await.status, 200, "the wait is over");
    // Success cleared the account's counter: five more free failures.
    for _ in 0..5 {
        assert_eq!(try_password("wrong again").await.status, 401);
    }
    assert_eq!(try_password("wrong again").await.status, 429);

    let pool = &p.backend.pool;
    assert_eq!(
        login_events::count(pool, "tess@example.test", LoginResult::BadCredentials)
            .await
            .unwrap(),
        10
    );
    assert_eq!(
        login_events::count(pool, "tess@example.test", LoginResult::Throttled)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        login_events::count(pool, "tess@example.test", LoginResult::Success)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_unknown_address_is_throttled_like_a_known_one() {
    let p = Portal::start().await;
    for _ in 0..5 {
        let a = p
            .call(
                "auth/sign_in",
                None,
                &[("email", "ghost@example.test"), ("password", "guess")],
            )
            .await;
        assert_eq!(a.status, 401);
    }
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "ghost@example.test"), ("password", "guess")],
        )
        .await;
    assert_eq!(a.status, 429);
    p.stop().await;
}

#[tokio::test]
async fn over_long_passwords_are_refused_without_hashing_them() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    let huge = "x".repeat(1_000_000);
    let started = Instant::now();
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "alice@example.test"), ("password", &huge)],
        )
        .await;
    assert_eq!(a.status, 401);
    assert!(started.elapsed().as_secs() < 5);
    p.stop().await;
}

#[tokio::test]
async fn empty_fields_are_explained_per_field() {
    let p = Portal::start().await;
    let a = p
        .call("auth/sign_in", None, &[("email", ""), ("password", "x")])
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(error_of(&a)["Invalid"]["field"], "email");
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "a@example.test"), ("password", "")],
        )
        .await;
    assert_eq!(error_of(&a)["Invalid"]["field"], "password");
    p.stop().await;
}

#[tokio::test]
async fn one_address_guessing_across_many_accounts_is_throttled_by_ip() {
    let p = Portal::start().await;
    // Twenty failures spread over twenty addresses: no account reaches its own limit...
    for i in 0..20 {
        let email = format!("guess{i}@example.test");
        let a = p
            .call(
                "auth/sign_in",
                None,
                &[("email", &email), ("password", "guess")],
            )
            .await;
        assert_eq!(a.status, 401);
    }
    // ...but the client's address has used its free failures.
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "fresh@example.test"), ("password", "guess")],
        )
        .await;
    assert_eq!(a.status, 429, "{}", a.body);
    p.clock().advance(30);
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", "fresh@example.test"), ("password", "guess")],
        )
        .await;
    assert_eq!(a.status, 401, "the wait is over");
    p.stop().await;
}

/// The IPs of the web sign-in events, oldest first.
async fn sign_in_ips(p: &Portal) -> Vec<String> {
    db::query_scalar("SELECT ip FROM login_events WHERE protocol = 'web' ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

/// Signs alice in with a client's claim and a proxy's entry in `X-Forwarded-For`.
async fn sign_in_forwarded(p: &Portal) -> String {
    let form = [("email", "alice@example.test"), ("password", PASSWORD)];
    let headers = [
        ("origin", p.base.as_str()),
        ("x-forwarded-for", "192.0.2.66, 203.0.113.9"),
    ];
    let a = p.call_from("auth/sign_in", None, &form, &headers).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.session_cookie().expect("signed in")
}

#[tokio::test]
async fn x_forwarded_for_names_the_client_only_from_a_trusted_proxy() {
    // Nobody is trusted: the header is a stranger's claim, the socket tells the address.
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    let cookie = sign_in_forwarded(&p).await;
    assert_eq!(sign_in_ips(&p).await, ["127.0.0.1"]);
    let sessions = p.call("account/sessions", Some(&cookie), &[]).await;
    assert!(!sessions.body.contains("203.0.113.9"), "{}", sessions.body);
    p.stop().await;

    // Behind a trusted proxy on loopback: the address that proxy saw, not the client's own
    // claim further left.
    let p = Portal::start_with(|c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
    p.add_domain("example.test").await;
    p.add_user("alice@example.test", Role::MailUser).await;
    let cookie = sign_in_forwarded(&p).await;
    assert_eq!(sign_in_ips(&p).await, ["203.0.113.9"]);
    let sessions = p.call("account/sessions", Some(&cookie), &[]).await;
    assert!(sessions.body.contains("203.0.113.9"), "{}", sessions.body);
    p.stop().await;
}
