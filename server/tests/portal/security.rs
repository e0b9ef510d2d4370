//! Login history and security incidents: countries from the real country database the
//! set-up installs, client IPs through a trusted proxy's `X-Forwarded-For`, incidents that
//! appear, are marked safe and disappear, and who may see and do what.

use crate::{
    harness::{country_db, error_of, ok_json, Portal, PASSWORD},
    smtp::domain_id,
};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const OTTO: &str = "otto@other.test";
// Addresses whose countries the installed database (DB-IP country, 2026-06) knows.
const GERMANY: &str = "193.99.144.80";
const JAPAN: &str = "133.242.0.3";
const BRAZIL: &str = "200.160.2.3";
const PROXY: &str = "127.0.0.1";

/// A portal behind a proxy on loopback, with the country database.
async fn portal() -> Portal {
    let p = Portal::start_with(|c| {
        c.country_db = Some(country_db());
        c.trusted_proxies = vec![PROXY.into()];
    })
    .await;
    p.add_domain("example.test").await;
    p.add_domain("other.test").await;
    p.add_user(ALICE, Role::MailUser).await;
    p.add_user(BOB, Role::MailUser).await;
    p.add_user(OTTO, Role::MailUser).await;
    p.add_user("admin@example.test", Role::MasterAdmin).await;
    p
}

/// Signs in through the proxy as a browser at `ip`; returns the session cookie.
async fn sign_in_from(p: &Portal, email: &str, ip: &str) -> String {
    let form = [("email", email), ("password", PASSWORD)];
    let headers = [("origin", p.base.as_str()), ("x-forwarded-for", ip)];
    let a = p.call_from("auth/sign_in", None, &form, &headers).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.session_cookie().expect("signed in")
}

/// A mail app's login as nginx's mail proxy asks about it.
async fn mail_login_from(p: &Portal, email: &str, pass: &str, ip: &str) -> String {
    let headers = [
        ("auth-method", "plain"),
        ("auth-user", email),
        ("auth-pass", pass),
        ("auth-protocol", "imap"),
        ("auth-login-attempt", "1"),
        ("client-ip", ip),
    ];
    let a = p.get_with("/auth/mail", &headers).await;
    assert_eq!(a.status, 200);
    p.backend.recorder.flush().await;
    a.header("auth-status").unwrap_or_default().to_string()
}

fn logins(v: &Value) -> Vec<(String, String, String, String)> {
    v["logins"]
        .as_array()
        .expect("logins")
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (s("ip"), s("country"), s("protocol"), s("credential"))
        })
        .collect()
}

async fn incidents(p: &Portal, cookie: &str) -> Vec<Value> {
    let a = p.call("security/incidents", Some(cookie), &[]).await;
    ok_json(&a).as_array().expect("a list").clone()
}

async fn new_incidents(p: &Portal, cookie: &str) -> bool {
    let a = p.call("security/new-incidents", Some(cookie), &[]).await;
    ok_json(&a).as_bool().expect("yes or no")
}

#[tokio::test]
async fn every_login_records_its_country_and_credential() {
    let p = portal().await;
    // Portal sign-ins: the password, then the password and an authenticator code.
    let alice = sign_in_from(&p, ALICE, GERMANY).await;
    // A mail app from Japan with the account password, and with a device password.
    assert_eq!(mail_login_from(&p, ALICE, PASSWORD, JAPAN).await, "OK");
    let device = p.new_device_password(&alice, &["imap"], "").await;
    assert_eq!(mail_login_from(&p, ALICE, &device, BRAZIL).await, "OK");
    assert_ne!(mail_login_from(&p, ALICE, "wrong", BRAZIL).await, "OK");
    let app = p.enable_totp(&alice).await;
    let form = [("email", ALICE), ("password", PASSWORD)];
    let headers = [("origin", p.base.as_str()), ("x-forwarded-for", GERMANY)];
    let a = p.call_from("auth/sign_in", None, &form, &headers).await;
    let pending = a.pending_cookie().expect("second step");
    let code = p.code(&app);
    let a = p
        .call_from(
            "auth/sign_in_code",
            Some(&pending),
            &[("code", &code)],
            &headers,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let alice = a.session_cookie().expect("signed in");

    let mine = ok_json(&p.call("account/security", Some(&alice), &[]).await);
    let rows = logins(&mine);
    let row = |ip: &str, protocol: &str, credential: &str| {
        (
            ip.to_string(),
            match ip {
                GERMANY => "Germany (DE)",
                JAPAN => "Japan (JP)",
                _ => "Brazil (BR)",
            }
            .to_string(),
            protocol.to_string(),
            credential.to_string(),
        )
    };
    // Newest first: the code step, the password step, the refused mail login, ...
    assert_eq!(
        rows,
        vec![
            row(GERMANY, "web", "password_code"),
            row(GERMANY, "web", "password"),
            row(BRAZIL, "imap", "password"),
            row(BRAZIL, "imap", "device_password"),
            row(JAPAN, "imap", "password"),
            row(GERMANY, "web", "password"),
        ]
    );
    let results: Vec<&str> = mine["logins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        [
            "success",
            "second_factor_pending",
            "bad_credentials",
            "success",
            "success",
            "success"
        ]
    );
    // Turning on 2FA and adding a device password are security changes of hers.
    let events: Vec<&str> = mine["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"Two factor enabled"), "{events:?}");
    assert!(events.contains(&"Device password created"), "{events:?}");
    // The countries she has logged in from, known for the notices to come.
    let known: Vec<String> =
        db::query_scalar("SELECT country FROM login_countries ORDER BY country")
            .fetch_all(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(known, ["BR", "DE", "JP"]);
    // Bob sees his own logins only.
    let bob = sign_in_from(&p, BOB, JAPAN).await;
    let his = ok_json(&p.call("account/security", Some(&bob), &[]).await);
    assert_eq!(logins(&his), vec![row(JAPAN, "web", "password")]);
    p.stop().await;
}

#[tokio::test]
async fn without_the_database_countries_are_unknown() {
    let p = Portal::start_with(|c| c.trusted_proxies = vec![PROXY.into()]).await;
    p.add_domain("example.test").await;
    p.add_user(ALICE, Role::MailUser).await;
    let alice = sign_in_from(&p, ALICE, GERMANY).await;
    let mine = ok_json(&p.call("account/security", Some(&alice), &[]).await);
    assert_eq!(
        logins(&mine),
        vec![(
            GERMANY.into(),
            "Unknown".into(),
            "web".into(),
            "password".into()
        )]
    );
    p.stop().await;
}

#[tokio::test]
async fn logins_from_two_countries_are_an_incident_until_marked_safe() {
    let p = portal().await;
    let master = p.sign_in("admin@example.test").await;
    assert!(incidents(&p, &master).await.is_empty());
    assert!(!new_incidents(&p, &master).await);

    // Alice: the portal from Germany, her mail app from Japan. Bob: Germany twice. Otto:
    // Germany, and a private address the database does not place.
    sign_in_from(&p, ALICE, GERMANY).await;
    p.clock().advance(60);
    assert_eq!(mail_login_from(&p, ALICE, PASSWORD, JAPAN).await, "OK");
    sign_in_from(&p, BOB, GERMANY).await;
    sign_in_from(&p, BOB, "85.214.132.117").await;
    sign_in_from(&p, OTTO, GERMANY).await;
    sign_in_from(&p, OTTO, "10.1.2.3").await;
    // A refused login from Brazil proves nothing about where she is.
    assert_ne!(mail_login_from(&p, ALICE, "wrong", BRAZIL).await, "OK");
    let alice_id: i64 = db::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(ALICE)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let now = p.clock().now();
    app::backend::store::submission::record(&p.backend.pool, alice_id, 3, now)
        .await
        .unwrap();

    // The admin home says so until the list is opened.
    assert!(new_incidents(&p, &master).await);
    let list = incidents(&p, &master).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["email"], ALICE);
    assert_eq!(list[0]["domain"], "example.test");
    assert_eq!(list[0]["sent_24h"], 1);
    assert_eq!(
        list[0]["countries"],
        serde_json::json!(["Germany (DE)", "Japan (JP)"])
    );
    assert_eq!(list[0]["new"], true);
    assert!(!new_incidents(&p, &master).await, "seen");
    assert_eq!(incidents(&p, &master).await[0]["new"], false);
    // A later login is news again.
    p.clock().advance(60);
    assert_eq!(mail_login_from(&p, ALICE, PASSWORD, JAPAN).await, "OK");
    assert!(new_incidents(&p, &master).await);

    // Her domain's admin sees it; another domain's admin neither sees nor touches it.
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("olga@other.test", Role::DomainAdmin).await;
    assign(&p, &master, "example.test", "dora@example.test").await;
    assign(&p, &master, "other.test", "olga@other.test").await;
    let dora = p.sign_in("dora@example.test").await;
    let olga = p.sign_in("olga@other.test").await;
    assert_eq!(incidents(&p, &dora).await.len(), 1);
    assert!(incidents(&p, &olga).await.is_empty());
    let a = p
        .call("security/user-logins", Some(&olga), &[("email", ALICE)])
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(
        error_of(&a)["Invalid"]["reason"],
        "No account with this address is in your domains."
    );
    let mark = |ip: &'static str, prefix: &'static str, why: &'static str| {
        [
            ("email", ALICE),
            ("ip", ip),
            ("prefix", prefix),
            ("description", why),
        ]
    };
    let a = p
        .call(
            "security/mark-safe",
            Some(&olga),
            &mark(JAPAN, "24", "Her office"),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);

    // The user's last logins, as the admin reads them.
    let seen = ok_json(
        &p.call("security/user-logins", Some(&dora), &[("email", ALICE)])
            .await,
    );
    assert_eq!(seen["email"], ALICE);
    assert_eq!(seen["logins"].as_array().unwrap().len(), 4);
    assert!(seen["trusted"].as_array().unwrap().is_empty());

    // Marking safe asks why, and takes only the offered ranges.
    for (prefix, why, field) in [
        ("24", "x", "description"),
        ("24", "  ", "description"),
        ("21", "Her office", "prefix"),
        ("16", "Her office", "prefix"),
    ] {
        let a = p
            .call("security/mark-safe", Some(&dora), &mark(JAPAN, prefix, why))
            .await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(error_of(&a)["Invalid"]["field"], field, "{}", a.body);
    }
    let a = p
        .call(
            "security/mark-safe",
            Some(&dora),
            &mark(JAPAN, "22", "Her office in Tokyo"),
        )
        .await;
    let row = ok_json(&a);
    assert_eq!(row["network"], "133.242.0.0/22");
    assert_eq!(row["created_by"], "dora@example.test");
    let a = p
        .call(
            "security/mark-safe",
            Some(&dora),
            &mark(JAPAN, "22", "Again"),
        )
        .await;
    assert_eq!(a.status, 400, "marked already: {}", a.body);

    // Japan no longer counts: one country left, no incident.
    assert!(incidents(&p, &master).await.is_empty());
    let seen = ok_json(
        &p.call("security/user-logins", Some(&dora), &[("email", ALICE)])
            .await,
    );
    let japan = seen["logins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ip"] == JAPAN)
        .unwrap()
        .clone();
    assert_eq!(japan["trusted"], "133.242.0.0/22");

    // The domain's trusted list has it; another domain's admin cannot read that list.
    let id = domain_id(&p, "example.test").await;
    let listed = ok_json(
        &p.call("security/trusted-ips", Some(&dora), &[("domain_id", &id)])
            .await,
    );
    assert_eq!(listed["rows"][0]["network"], "133.242.0.0/22");
    assert_eq!(listed["rows"][0]["email"], ALICE);
    let a = p
        .call("security/trusted-ips", Some(&olga), &[("domain_id", &id)])
        .await;
    assert_eq!(a.status, 403);
    let trusted_id = listed["rows"][0]["id"].as_i64().unwrap().to_string();
    let a = p
        .call(
            "security/trusted-ips/delete",
            Some(&olga),
            &[("id", &trusted_id)],
        )
        .await;
    assert_eq!(a.status, 403);

    // Removing it brings the incident back; both changes are in the audit log.
    let a = p
        .call(
            "security/trusted-ips/delete",
            Some(&dora),
            &[("id", &trusted_id)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(incidents(&p, &master).await.len(), 1);
    let actions: Vec<String> = db::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'trusted_ip_%' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["trusted_ip_added", "trusted_ip_removed"]);

    // A day later the logins are out of the window.
    p.clock().advance(24 * 3600);
    let master = p.sign_in("admin@example.test").await;
    assert!(incidents(&p, &master).await.is_empty());
    // A mail user has no incident list.
    let alice = p.sign_in(ALICE).await;
    assert_eq!(
        p.call("security/incidents", Some(&alice), &[]).await.status,
        403
    );
    assert!(!new_incidents(&p, &alice).await);
    p.stop().await;
}

async fn assign(p: &Portal, master: &str, domain: &str, admin: &str) {
    let id = domain_id(p, domain).await;
    let a = p
        .call(
            "domains/admins/assign",
            Some(master),
            &[("domain", &id), ("email", admin)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn a_blocked_ip_is_found_by_search_and_marking_it_safe_lifts_the_block() {
    let p = portal().await;
    let master = p.sign_in("admin@example.test").await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    assign(&p, &master, "example.test", "dora@example.test").await;
    let dora = p.sign_in("dora@example.test").await;
    // Nothing known of it yet.
    let fresh = ok_json(&search(&p, &dora, JAPAN).await);
    assert_eq!(fresh["country"], "Japan (JP)");
    assert!(fresh["blocked"].is_null());
    assert_eq!(fresh["failures"], 0);
    // A burst of wrong passwords from Japan blocks the IP, for Alice too.
    for _ in 0..30 {
        assert_ne!(mail_login_from(&p, ALICE, "wrong", JAPAN).await, "OK");
    }
    assert_ne!(mail_login_from(&p, ALICE, PASSWORD, JAPAN).await, "OK");
    let blocked = ok_json(&search(&p, &dora, JAPAN).await);
    assert!(
        blocked["blocked"][1]
            .as_str()
            .unwrap()
            .contains("refused mail logins"),
        "{blocked}"
    );
    // Past five, her account's throttle refuses them unchecked: the IP counts those few.
    assert!(blocked["failures"].as_i64().unwrap() >= 5, "{blocked}");

    // The form names the user by domain and user name; both are checked.
    let example = domain_id(&p, "example.test").await;
    let other = domain_id(&p, "other.test").await;
    let a = mark_in_domain(&p, &dora, &example, "nobody").await;
    assert_eq!(a.status, 400);
    assert_eq!(error_of(&a)["Invalid"]["field"], "username");
    assert_eq!(
        error_of(&a)["Invalid"]["reason"],
        "nobody@example.test is not a user here."
    );
    assert_eq!(mark_in_domain(&p, &dora, &other, "otto").await.status, 403);
    let a = mark_in_domain(&p, &dora, &example, "alice").await;
    assert_eq!(ok_json(&a)["network"], "133.242.0.0/24");

    // The block is lifted and the counts cleared (the IP's, and hers, whom the admin
    // vouched for): Alice's mail app gets in again.
    let after = ok_json(&search(&p, &dora, JAPAN).await);
    assert!(after["blocked"].is_null(), "{after}");
    assert!(after["throttled_secs"].is_null(), "{after}");
    assert_eq!(after["failures"], 0, "{after}");
    assert_eq!(after["trusted"][0]["email"], ALICE);
    assert_eq!(mail_login_from(&p, ALICE, PASSWORD, JAPAN).await, "OK");
    let detail: String = db::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'trusted_ip_added' ORDER BY id DESC",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert!(
        detail.ends_with("lifted the block on 133.242.0.3"),
        "{detail}"
    );
    // A search takes one address.
    let a = search(&p, &dora, "133.242.0.0/24").await;
    assert_eq!(a.status, 400);
    assert_eq!(error_of(&a)["Invalid"]["field"], "ip");
    p.stop().await;
}

async fn search(p: &Portal, cookie: &str, ip: &str) -> crate::harness::Answer {
    p.call("security/ip", Some(cookie), &[("ip", ip)]).await
}

/// "Mark as safe" from the IP search: Japan's /24 for `username` in the domain.
async fn mark_in_domain(
    p: &Portal,
    cookie: &str,
    domain: &str,
    username: &str,
) -> crate::harness::Answer {
    let form = [
        ("domain", domain),
        ("username", username),
        ("ip", JAPAN),
        ("prefix", "24"),
        ("description", "Her office"),
    ];
    p.call("security/ip/mark-safe", Some(cookie), &form).await
}

/// The security notices sent so far, as (recipient, subject), oldest first.
fn notices(p: &Portal) -> Vec<(String, String)> {
    p.outbox()
        .iter()
        .filter_map(|m| {
            let header = |name: &str| {
                m.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_string())
            };
            let subject = header("Subject: ")?;
            subject
                .starts_with("Security notice")
                .then(|| (header("To: ").unwrap_or_default(), subject))
        })
        .collect()
}

/// The notices of one subject, by recipient.
fn told(p: &Portal, subject: &str) -> Vec<String> {
    let mut to: Vec<String> = notices(p)
        .into_iter()
        .filter(|(_, s)| s == subject)
        .map(|(to, _)| to)
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn security_notices_go_to_the_mailbox_and_the_recovery_address() {
    let p = portal().await;
    let both = |a: &str, b: &str| {
        let mut to = vec![a.to_string(), b.to_string()];
        to.sort();
        to
    };
    // Setting a recovery address tells both addresses.
    let alice = p.sign_in(ALICE).await;
    let form = [
        ("current_password", PASSWORD),
        ("recovery_email", "alice.home@example.net"),
    ];
    let a = p
        .call("account/set_recovery_email", Some(&alice), &form)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        told(&p, "Security notice: your recovery email was changed"),
        both(ALICE, "alice.home@example.net")
    );
    // Her first country is where she starts; a second one is news, once.
    sign_in_from(&p, ALICE, GERMANY).await;
    let new_country = "Security notice: a login from a new country";
    assert!(told(&p, new_country).is_empty());
    assert_eq!(mail_login_from(&p, ALICE, PASSWORD, JAPAN).await, "OK");
    p.clock().advance(120);
    assert_eq!(mail_login_from(&p, ALICE, PASSWORD, JAPAN).await, "OK");
    sign_in_from(&p, ALICE, GERMANY).await;
    assert_eq!(told(&p, new_country), both(ALICE, "alice.home@example.net"));
    let message = p
        .outbox()
        .into_iter()
        .find(|m| m.contains(new_country))
        .unwrap()
        .replace("=\r\n", "")
        .replace("=3D", "=");
    assert!(
        message.contains("Where:    133.242.0.3 (Japan (JP))"),
        "{message}"
    );
    assert!(message.contains("/account/password"), "{message}");
    // A refused login from yet another country is not news.
    assert_ne!(mail_login_from(&p, ALICE, "wrong", BRAZIL).await, "OK");
    assert_eq!(told(&p, new_country).len(), 2);

    // Factors and passwords.
    p.new_device_password(&alice, &["imap"], "").await;
    assert_eq!(
        told(&p, "Security notice: a device password was added"),
        both(ALICE, "alice.home@example.net")
    );
    let app = p.enable_totp(&alice).await;
    // The code after the one that turned it on (each is taken once).
    p.clock().advance(30);
    let code = p.code(&app);
    let a = p
        .call("two_factor/disable_totp", Some(&alice), &[("code", &code)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        told(
            &p,
            "Security notice: two-factor authentication was turned off"
        ),
        both(ALICE, "alice.home@example.net")
    );
    let form = [
        ("current_password", PASSWORD),
        ("new_password", "an entirely new passphrase"),
        ("confirm", "an entirely new passphrase"),
    ];
    let a = p.call("account/change_password", Some(&alice), &form).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        told(&p, "Security notice: your password was changed"),
        both(ALICE, "alice.home@example.net")
    );
    // Changing the recovery address tells the old one as well.
    let form = [
        ("current_password", "an entirely new passphrase"),
        ("recovery_email", "alice.new@example.net"),
    ];
    let a = p
        .call("account/set_recovery_email", Some(&alice), &form)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let recovery = told(&p, "Security notice: your recovery email was changed");
    assert_eq!(
        recovery,
        [
            "alice.home@example.net",
            "alice.home@example.net",
            "alice.new@example.net",
            ALICE,
            ALICE,
        ]
    );
    // The same events are on her Security page.
    let mine = ok_json(&p.call("account/security", Some(&alice), &[]).await);
    let events: Vec<&str> = mine["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    for what in [
        "Login from new country",
        "Device password created",
        "Two factor disabled",
        "Password changed",
        "Recovery email changed",
    ] {
        assert!(events.contains(&what), "{what} in {events:?}");
    }
    p.stop().await;
}
