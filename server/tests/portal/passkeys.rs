//! Passkeys against webauthn-rs's software authenticator, over HTTP like the browser:
//! adding, passwordless sign-in, and the refusals (another origin, a replayed answer, a
//! counter that went back, a deleted or duplicate credential, an expired ceremony).

use crate::harness::{error_of, Answer, Portal, PASSWORD};
use app::backend::store::db;
use app::{backend::auth::passkey, model::Role};
use url::Url;
use webauthn_authenticator_rs::{softpasskey::SoftPasskey, WebauthnAuthenticator};
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

const ALICE: &str = "alice@example.test";

/// A person's device: a software passkey and the credential it made.
struct Device {
    authenticator: WebauthnAuthenticator<SoftPasskey>,
    /// The credential it made, as a request names it.
    credential: Option<AllowCredentials>,
}

impl Device {
    fn new() -> Self {
        Device {
            // true: the authenticator reports user verification, which passkeys require.
            authenticator: WebauthnAuthenticator::new(SoftPasskey::new(true)),
            credential: None,
        }
    }
}

async fn portal_with_alice() -> (Portal, String) {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user(ALICE, Role::MailUser).await;
    let cookie = p.sign_in(ALICE).await;
    (p, cookie)
}

fn refusal(a: &Answer) -> String {
    error_of(a)["PasskeyRefused"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Asks the portal for registration options; answers the ceremony id and the options.
async fn begin_adding(p: &Portal, cookie: &str, name: &str) -> (String, CreationChallengeResponse) {
    let a = p
        .call("passkeys/begin_adding", Some(cookie), &[("name", name)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    (
        v["id"].as_str().unwrap().to_string(),
        serde_json::from_value(v["options"].clone()).unwrap(),
    )
}

async fn finish_adding(
    p: &Portal,
    cookie: &str,
    id: &str,
    reg: &RegisterPublicKeyCredential,
) -> Answer {
    let body = serde_json::json!({ "ceremony": id, "credential": reg });
    p.call_json("passkeys/finish_adding", Some(cookie), &body)
        .await
}

/// Adds a passkey on `device` as the browser would.
async fn add(p: &Portal, cookie: &str, device: &mut Device, name: &str) {
    let (id, options) = begin_adding(p, cookie, name).await;
    let reg = device
        .authenticator
        .do_registration(Url::parse(&p.base).unwrap(), options)
        .expect("the authenticator registers");
    device.credential = Some(AllowCredentials {
        type_: "public-key".into(),
        id: reg.raw_id.clone(),
        transports: None,
    });
    let a = finish_adding(p, cookie, &id, &reg).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

async fn begin_sign_in(p: &Portal) -> (String, RequestChallengeResponse) {
    let a = p
        .call("auth/passkey_begin", None, &[("conditional", "false")])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    (
        v["id"].as_str().unwrap().to_string(),
        serde_json::from_value(v["options"].clone()).unwrap(),
    )
}

/// The device's answer to a sign-in, made at `origin`. The software passkey signs only for
/// credentials named in the request and returns no user handle, so the test names its
/// credential and adds the account's handle, as a browser's discoverable passkey would
/// (the handle is not signed).
async fn answer_sign_in(
    p: &Portal,
    device: &mut Device,
    mut options: RequestChallengeResponse,
    origin: &str,
) -> PublicKeyCredential {
    options.public_key.allow_credentials =
        vec![device.credential.clone().expect("a registered device")];
    let mut answer = device
        .authenticator
        .do_authentication(Url::parse(origin).unwrap(), options)
        .expect("the authenticator signs");
    let handle: Vec<u8> = db::query_scalar("SELECT webauthn_handle FROM accounts WHERE email = $1")
        .bind(ALICE)
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    answer.response.user_handle = Some(handle.into());
    answer
}

async fn finish_sign_in(p: &Portal, id: &str, answer: &PublicKeyCredential) -> Answer {
    let body = serde_json::json!({ "ceremony": id, "credential": answer });
    p.call_json("auth/passkey_finish", None, &body).await
}

async fn sign_in(p: &Portal, device: &mut Device) -> Answer {
    let (id, options) = begin_sign_in(p).await;
    let answer = answer_sign_in(p, device, options, &p.base.clone()).await;
    finish_sign_in(p, &id, &answer).await
}

#[tokio::test]
async fn a_passkey_signs_in_without_password_or_code() {
    let (p, cookie) = portal_with_alice().await;
    p.enable_totp(&cookie).await;
    let mut laptop = Device::new();
    let (_, options) = begin_adding(&p, &cookie, "Laptop").await;
    let challenge = serde_json::to_value(&options).unwrap()["publicKey"]["challenge"]
        .as_str()
        .unwrap()
        .len();
    assert!(
        challenge >= 11,
        "at least 64 bits of challenge (base64url): {challenge}"
    );
    add(&p, &cookie, &mut laptop, "Laptop").await;
    // Its owner is told (a security notice).
    let told = p
        .outbox()
        .into_iter()
        .filter(|m| m.contains("Subject: Security notice: a passkey was added"))
        .count();
    assert_eq!(told, 1);

    let a = sign_in(&p, &mut laptop).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, "\"/account\"", "no code step after a passkey");
    let session = a.session_cookie().expect("a session");
    let list = p.call("passkeys/overview", Some(&session), &[]).await;
    assert!(list.body.contains("\"name\":\"Laptop\""), "{}", list.body);
    assert!(
        !list.body.contains("\"last_used_at\":null"),
        "last use recorded: {}",
        list.body
    );
    p.stop().await;
}

#[tokio::test]
async fn an_answer_counts_once() {
    let (p, cookie) = portal_with_alice().await;
    let mut device = Device::new();
    add(&p, &cookie, &mut device, "Phone").await;
    let (id, options) = begin_sign_in(&p).await;
    let answer = answer_sign_in(&p, &mut device, options, &p.base.clone()).await;
    assert_eq!(finish_sign_in(&p, &id, &answer).await.status, 200);
    let again = finish_sign_in(&p, &id, &answer).await;
    assert_eq!(again.status, 400);
    assert!(
        refusal(&again).contains("already answered"),
        "{}",
        again.body
    );
    let (other, _) = begin_sign_in(&p).await;
    let replayed = finish_sign_in(&p, &other, &answer).await;
    assert_eq!(replayed.status, 400, "another challenge: {}", replayed.body);
    assert!(replayed.session_cookie().is_none());
    p.stop().await;
}

#[tokio::test]
async fn answers_made_for_another_origin_are_refused() {
    let (p, cookie) = portal_with_alice().await;
    let mut device = Device::new();
    let elsewhere = "http://localhost:1";
    let (id, options) = begin_adding(&p, &cookie, "Phone").await;
    let reg = device
        .authenticator
        .do_registration(Url::parse(elsewhere).unwrap(), options)
        .unwrap();
    let a = finish_adding(&p, &cookie, &id, &reg).await;
    assert_eq!(a.status, 400);
    assert!(refusal(&a).contains("another site"), "{}", a.body);

    add(&p, &cookie, &mut device, "Phone").await;
    let (id, options) = begin_sign_in(&p).await;
    let answer = answer_sign_in(&p, &mut device, options, elsewhere).await;
    let a = finish_sign_in(&p, &id, &answer).await;
    assert_eq!(a.status, 400);
    assert!(refusal(&a).contains("another site"), "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn a_signature_counter_that_goes_back_is_refused() {
    let (p, cookie) = portal_with_alice().await;
    let mut device = Device::new();
    add(&p, &cookie, &mut device, "Key").await;
    // Two answers made in order (counter 1, then 2), delivered in the other order: the
    // first one then carries a counter the portal has seen surpassed, as a copy would.
    let (first_id, first_options) = begin_sign_in(&p).await;
    let (second_id, second_options) = begin_sign_in(&p).await;
    let first = answer_sign_in(&p, &mut device, first_options, &p.base.clone()).await;
    let second = answer_sign_in(&p, &mut device, second_options, &p.base.clone()).await;
    assert_eq!(finish_sign_in(&p, &second_id, &second).await.status, 200);
    let a = finish_sign_in(&p, &first_id, &first).await;
    assert_eq!(a.status, 400);
    assert!(refusal(&a).contains("counter went backwards"), "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn a_deleted_passkey_no_longer_signs_in() {
    let (p, cookie) = portal_with_alice().await;
    let mut device = Device::new();
    add(&p, &cookie, &mut device, "Old phone").await;
    let id: i64 = db::query_scalar("SELECT id FROM passkeys")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let a = p
        .call("passkeys/delete", Some(&cookie), &[("id", &id.to_string())])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = sign_in(&p, &mut device).await;
    assert_eq!(a.status, 400);
    assert!(refusal(&a).contains("not registered here"), "{}", a.body);
    p.stop().await;
}

#[tokio::test]
async fn a_credential_is_registered_to_one_account_only() {
    let (p, cookie) = portal_with_alice().await;
    let mut device = Device::new();
    add(&p, &cookie, &mut device, "Phone").await;
    let bob = p.add_user("bob@example.test", Role::MailUser).await;
    let stored: String = db::query_scalar("SELECT passkey FROM passkeys")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let alices = serde_json::from_str(&stored).unwrap();
    let r = passkey::store_new(&p.backend, bob, "Stolen", &alices, p.clock().now()).await;
    assert!(format!("{r:?}").contains("registered already"), "{r:?}");
    p.stop().await;
}

#[tokio::test]
async fn ceremonies_expire_and_need_a_recent_password() {
    let (p, cookie) = portal_with_alice().await;
    let mut device = Device::new();
    let (id, options) = begin_adding(&p, &cookie, "Phone").await;
    let reg = device
        .authenticator
        .do_registration(Url::parse(&p.base).unwrap(), options)
        .unwrap();
    p.clock().advance(5 * 60);
    let a = finish_adding(&p, &cookie, &id, &reg).await;
    assert!(refusal(&a).contains("expired"), "{}", a.body);
    p.clock().advance(6 * 60);
    let a = p
        .call("passkeys/begin_adding", Some(&cookie), &[("name", "Phone")])
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(error_of(&a), serde_json::json!("ReauthRequired"));
    let a = p
        .call("passkeys/begin_adding", Some(&cookie), &[("name", " ")])
        .await;
    assert_eq!(a.status, 403, "re-authentication comes first");
    p.stop().await;
}

#[tokio::test]
async fn passkey_only_needs_two_passkeys_and_then_refuses_the_password() {
    let (p, cookie) = portal_with_alice().await;
    let (mut laptop, mut phone) = (Device::new(), Device::new());
    add(&p, &cookie, &mut laptop, "Laptop").await;
    let off = [("allowed", "false")];
    let a = p
        .call("passkeys/set_password_sign_in", Some(&cookie), &off)
        .await;
    assert_eq!(a.status, 400);
    assert!(refusal(&a).contains("at least 2 passkeys"), "{}", a.body);
    add(&p, &cookie, &mut phone, "Phone").await;
    let a = p
        .call("passkeys/set_password_sign_in", Some(&cookie), &off)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);

    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", ALICE), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("passkey only"), "{}", a.body);
    assert!(a.session_cookie().is_none());
    let a = p
        .call(
            "auth/sign_in",
            None,
            &[("email", ALICE), ("password", "not the password")],
        )
        .await;
    assert_eq!(a.status, 401, "a wrong password tells nothing more");

    // Deleting down to one passkey is refused while passwords are off.
    let id: i64 = db::query_scalar("SELECT MIN(id) FROM passkeys")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let a = p
        .call("passkeys/delete", Some(&cookie), &[("id", &id.to_string())])
        .await;
    assert_eq!(a.status, 400, "{}", a.body);

    // Back on: the password cannot confirm it; a passkey can.
    p.clock().advance(11 * 60);
    let session = sign_in(&p, &mut phone).await.session_cookie().unwrap();
    p.clock().advance(11 * 60);
    let on = [("allowed", "true")];
    let a = p
        .call("passkeys/set_password_sign_in", Some(&session), &on)
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    let a = p
        .call(
            "two_factor/confirm_identity",
            Some(&session),
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    let a = p.call("passkeys/begin_confirm", Some(&session), &[]).await;
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let mut options: RequestChallengeResponse =
        serde_json::from_value(v["options"].clone()).unwrap();
    let phone_id = phone.credential.as_ref().map(|c| c.id.clone());
    options
        .public_key
        .allow_credentials
        .retain(|c| Some(&c.id) == phone_id.as_ref());
    let answer = phone
        .authenticator
        .do_authentication(Url::parse(&p.base).unwrap(), options)
        .unwrap();
    let body = serde_json::json!({ "ceremony": v["id"], "credential": answer });
    let a = p
        .call_json("passkeys/finish_confirm", Some(&session), &body)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = p
        .call("passkeys/set_password_sign_in", Some(&session), &on)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    p.sign_in(ALICE).await;
    p.stop().await;
}

#[test]
fn the_relying_party_comes_from_the_public_url() {
    assert!(passkey::relying_party("https://mail.example.org", None)
        .unwrap()
        .is_some());
    assert!(
        passkey::relying_party("https://mail.example.org", Some("example.org"))
            .unwrap()
            .is_some()
    );
    assert!(passkey::relying_party("https://mail.example.org", Some("other.org")).is_err());
    assert!(passkey::relying_party("https://mail.example.org", Some("ail.example.org")).is_err());
    assert!(passkey::relying_party("http://localhost:3000", None)
        .unwrap()
        .is_some());
    assert!(
        passkey::relying_party("http://127.0.0.1:3000", None)
            .unwrap()
            .is_none(),
        "no passkeys on an IP"
    );
}
