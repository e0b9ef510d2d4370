//! Authenticated submission, spoken to by a real client (Python's smtplib): AUTH PLAIN and
//! LOGIN with each kind of credential, decided by the mail access gate's rules; the send-as
//! rules in the envelope and the From header; delivery to mailboxes here and the queue for
//! elsewhere; and the hourly limit that blocks a sender until an admin unblocks them.

use crate::{
    harness::{error_of, ok_json, Portal},
    quarantine::denied,
    smtp::{code, domain_id, mail_host, maildir, python_json, queued, smtplib, HAM},
};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

/// One message through the submission listener, step by step; the replies as JSON:
/// `{"auth_offered": bool, "auth": [code, text], "mail": …, "rcpt": {…}, "data": …}`.
/// `mechanism` is `plain` or `login` (sent without an initial response); no `user`: no
/// AUTH.
const SUBMIT: &str = r#"
import json, smtplib, sys
host, port, user, password, mechanism, sender, rcpts = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], json.loads(sys.argv[7])
message = sys.stdin.buffer.read()
out = {"rcpt": {}}
s = smtplib.SMTP(host, port, timeout=20)
s.ehlo("laptop.example.org")
out["auth_offered"] = s.has_extn("auth")
if user:
    s.user, s.password = user, password
    try:
        if mechanism == "login":
            code, text = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
        else:
            code, text = s.auth("PLAIN", s.auth_plain)
    except smtplib.SMTPAuthenticationError as e:
        code, text = e.smtp_code, e.smtp_error
    out["auth"] = [code, text.decode()]
code, text = s.mail(sender)
out["mail"] = [code, text.decode()]
accepted = 0
if code == 250:
    for r in rcpts:
        code, text = s.rcpt(r)
        out["rcpt"][r] = [code, text.decode()]
        accepted += code == 250
if accepted:
    try:
        code, text = s.data(message)
    except smtplib.SMTPDataError as e:
        code, text = e.smtp_code, e.smtp_error
    out["data"] = [code, text.decode()]
s.quit()
print(json.dumps(out))
"#;

struct Send<'a> {
    user: &'a str,
    password: &'a str,
    mechanism: &'a str,
    sender: &'a str,
    to: &'a [&'a str],
    message: &'a str,
}

async fn submit(p: &Portal, s: Send<'_>) -> Value {
    let args = [
        p.submission.ip().to_string(),
        p.submission.port().to_string(),
        s.user.to_string(),
        s.password.to_string(),
        s.mechanism.to_string(),
        s.sender.to_string(),
        serde_json::to_string(s.to).unwrap(),
    ];
    python_json(SUBMIT, &args, s.message).await
}

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const PASSWORD: &str = crate::harness::PASSWORD;

/// A message from `from` with its own subject.
fn message(from: &str, subject: &str) -> String {
    format!(
        "From: {from}\r\nTo: someone\r\nSubject: {subject}\r\nMessage-ID: <{}@laptop.example.org>\r\n\r\nSee you at noon.\r\n",
        subject.replace(' ', ".")
    )
}

/// alice sends `subject` to `to` with `password` (PLAIN).
async fn alice_sends(p: &Portal, password: &str, to: &[&str], subject: &str) -> Value {
    submit(
        p,
        Send {
            user: ALICE,
            password,
            mechanism: "plain",
            sender: ALICE,
            to,
            message: &message(ALICE, subject),
        },
    )
    .await
}

fn got(p: &Portal, address: &str, subject: &str) -> Vec<String> {
    maildir(p, address)
        .into_iter()
        .filter(|m| m.contains(subject))
        .collect()
}

#[tokio::test]
async fn each_kind_of_credential_is_taken_as_the_login_check_takes_it() {
    let p = mail_host().await;
    // The account password, before 2FA: mail to a mailbox here, and to elsewhere queued.
    let r = alice_sends(&p, PASSWORD, &[BOB, "friend@elsewhere.example"], "Lunch").await;
    assert_eq!(r["auth_offered"], true, "{r}");
    assert_eq!(code(&r["auth"]), 235, "{r}");
    assert_eq!(code(&r["data"]), 250, "{r}");
    let copies = got(&p, BOB, "Subject: Lunch");
    assert_eq!(copies.len(), 1);
    assert!(
        copies[0].contains("with ESMTPA id")
            && copies[0].contains("(authenticated as alice@example.test)"),
        "{}",
        copies[0]
    );
    let waiting = queued(&p).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].0, "friend@elsewhere.example");

    // A wrong password, and no AUTH at all.
    let r = alice_sends(&p, "not the password", &[BOB], "Wrong").await;
    assert_eq!(code(&r["auth"]), 535, "{r}");
    assert_eq!(code(&r["mail"]), 530, "{r}");
    let r = submit(
        &p,
        Send {
            user: "",
            password: "",
            mechanism: "plain",
            sender: ALICE,
            to: &[BOB],
            message: &message(ALICE, "Anonymous"),
        },
    )
    .await;
    assert_eq!(code(&r["mail"]), 530, "{r}");

    // With 2FA on, the account password is refused; a device password for SMTP is taken
    // (here by AUTH LOGIN), one for IMAP only is not.
    let alice = p.sign_in(ALICE).await;
    p.enable_totp(&alice).await;
    let r = alice_sends(&p, PASSWORD, &[BOB], "After 2FA").await;
    assert_eq!(code(&r["auth"]), 535, "{r}");
    let smtp_device = p.new_device_password(&alice, &["smtp"], "").await;
    let imap_device = p.new_device_password(&alice, &["imap"], "").await;
    let by_login = |password: String, subject: &'static str| {
        let p = &p;
        async move {
            let message = message(ALICE, subject);
            submit(
                p,
                Send {
                    user: ALICE,
                    password: &password,
                    mechanism: "login",
                    sender: ALICE,
                    to: &[BOB],
                    message: &message,
                },
            )
            .await
        }
    };
    let r = by_login(smtp_device.clone(), "Device").await;
    assert_eq!(code(&r["auth"]), 235, "{r}");
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = by_login(imap_device, "Imap only").await;
    assert_eq!(code(&r["auth"]), 535, "{r}");

    // Non-webmail access off: even the device password is refused.
    ok_json(
        &p.call("mail_access/set_switch", Some(&alice), &[("open", "false")])
            .await,
    );
    let r = by_login(smtp_device, "Closed").await;
    assert_eq!(code(&r["auth"]), 535, "{r}");
    assert_eq!(got(&p, BOB, "Subject: Device").len(), 1);
    assert!(got(&p, BOB, "Subject: Closed").is_empty());

    // Each attempt is a login event of the login check.
    let events: i64 = db::query_scalar(
        "SELECT count(*) FROM login_events WHERE protocol = 'smtp' AND email = $1",
    )
    .bind(ALICE)
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert!(events >= 6, "{events} login events");
    // The MX port offers no AUTH.
    let r = smtplib(p.smtp, ALICE, &[BOB], HAM).await;
    assert!(!r["ehlo"][1].as_str().unwrap().contains("AUTH"), "{r}");
    p.stop().await;
}

#[tokio::test]
async fn a_user_sends_as_themselves_and_their_granted_addresses_only() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let domain = domain_id(&p, "example.test").await;
    ok_json(
        &p.call(
            "senders/add",
            Some(&dora),
            &[
                ("domain", domain.as_str()),
                ("address", "sales"),
                ("users", ALICE),
            ],
        )
        .await,
    );
    let send_as = |sender: &'static str, from: &'static str, subject: &'static str| {
        let p = &p;
        async move {
            let message = message(from, subject);
            submit(
                p,
                Send {
                    user: ALICE,
                    password: PASSWORD,
                    mechanism: "plain",
                    sender,
                    to: &[BOB],
                    message: &message,
                },
            )
            .await
        }
    };
    let r = send_as(ALICE, ALICE, "Own").await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = send_as(
        "sales@example.test",
        "Sales <sales@example.test>",
        "Granted",
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    // bob's address, in the envelope and in the From header.
    let r = send_as(BOB, BOB, "Envelope").await;
    assert_eq!(code(&r["mail"]), 553, "{r}");
    let r = send_as(ALICE, "Bob <bob@example.test>", "Header").await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(
        r["data"][1]
            .as_str()
            .unwrap()
            .contains("You may not send as bob@example.test"),
        "{r}"
    );
    let r = send_as(ALICE, "ceo@elsewhere.example", "Forged").await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert_eq!(got(&p, BOB, "Subject: Own").len(), 1);
    assert_eq!(got(&p, BOB, "Subject: Granted").len(), 1);
    for subject in ["Envelope", "Header", "Forged"] {
        assert!(got(&p, BOB, &format!("Subject: {subject}")).is_empty());
    }
    p.stop().await;
}

#[tokio::test]
async fn going_over_the_hourly_limit_blocks_until_an_admin_unblocks() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("olga@other.test", Role::DomainAdmin).await;
    let dora = p.sign_in("dora@example.test").await;
    let domain = domain_id(&p, "example.test").await;
    let settings = |limit: &'static str| {
        vec![
            ("domain", domain.clone()),
            ("contact_email", String::new()),
            ("notify_from", String::new()),
            ("timezone", String::new()),
            ("log_days", String::new()),
            ("retry_days", String::new()),
            ("rejected_local_chars", String::new()),
            ("send_limit", limit.to_string()),
        ]
    };
    let form = settings("0");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = p.call("domains/settings/save", Some(&dora), &form).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(error_of(&a).to_string().contains("from 1 to"), "{}", a.body);
    let form = settings("2");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ok_json(&p.call("domains/settings/save", Some(&dora), &form).await);

    for n in 1..=2 {
        let r = alice_sends(&p, PASSWORD, &[BOB], &format!("Message {n}")).await;
        assert_eq!(code(&r["data"]), 250, "{r}");
    }
    let r = alice_sends(&p, PASSWORD, &[BOB], "Message 3").await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(
        r["data"][1]
            .as_str()
            .unwrap()
            .contains("blocked from sending"),
        "{r}"
    );
    // Blocked now: refused at MAIL, whatever the hour.
    p.clock().advance(3601);
    let r = alice_sends(&p, PASSWORD, &[BOB], "Message 4").await;
    assert_eq!(code(&r["mail"]), 550, "{r}");
    assert!(got(&p, BOB, "Subject: Message 3").is_empty());

    // On the admin's list, with what was sent in 24 hours; another domain's admin can
    // neither see nor unblock it.
    let dora = p.sign_in("dora@example.test").await;
    let list = ok_json(&p.call("blocked-senders/list", Some(&dora), &[]).await);
    assert_eq!(list[0]["email"], ALICE, "{list}");
    assert_eq!(list[0]["hourly_limit"], 2);
    assert_eq!(list[0]["sent_day"], 2);
    let account = list[0]["account_id"].as_i64().unwrap().to_string();
    let olga = p.sign_in("olga@other.test").await;
    let theirs = ok_json(&p.call("blocked-senders/list", Some(&olga), &[]).await);
    assert_eq!(theirs, serde_json::json!([]));
    let before = denied(&p, "olga@other.test").await;
    let a = p
        .call(
            "blocked-senders/unblock",
            Some(&olga),
            &[("account", &account)],
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(denied(&p, "olga@other.test").await, before + 1);
    let alice = p.sign_in(ALICE).await;
    let a = p.call("blocked-senders/list", Some(&alice), &[]).await;
    assert_eq!(a.status, 403, "a mail user: {}", a.body);

    let a = p
        .call(
            "blocked-senders/unblock",
            Some(&dora),
            &[("account", &account)],
        )
        .await;
    assert_eq!(ok_json(&a), ALICE);
    let r = alice_sends(&p, PASSWORD, &[BOB], "Message 5").await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let audit: Vec<String> = db::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'sender_%blocked' ORDER BY id",
    )
    .fetch_all(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(audit, ["sender_blocked", "sender_unblocked"]);
    p.stop().await;
}
