//! Filter settings and blocked attachments, set through the portal and met by the next
//! message a real SMTP client (Python's smtplib) sends: spam kept in quarantine or refused,
//! the subject tag, executables however their names are written, the size limit, the
//! line-length limit, and SPF against a real DNS server (dnsmasq on loopback).

use crate::{
    dns::{free_port, Dns},
    harness::{error_of, Answer, Portal},
    smtp::{
        code, domain_id, last_evidence, mail_host, mail_host_with, maildir, smtplib, verdicts,
        GTUBE, HAM,
    },
};
use app::backend::store::db;
use app::model::Role;

/// Saves the filter settings: the defaults, then `fields` (a check box is on when given).
pub(crate) async fn save(
    p: &Portal,
    cookie: &str,
    domain: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let mut form = vec![
        ("domain", domain),
        ("quarantine", "on"),
        ("quarantine_days", "28"),
        ("quarantine_reply", "refuse"),
        ("spf_exempt", ""),
        ("subject_tag", ""),
        ("size_limit", ""),
        ("oversize", "refuse"),
    ];
    for (k, v) in fields {
        form.retain(|(name, _)| name != k);
        if !v.is_empty() || !matches!(*k, "quarantine" | "skip_spf" | "skip_line_length") {
            form.push((k, v));
        }
    }
    p.call("filter-settings/save", Some(cookie), &form).await
}

async fn quarantined(p: &Portal) -> Vec<(String, Option<f64>, String)> {
    db::query_as("SELECT queue_id, score, reason FROM quarantine ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

async fn dora(p: &Portal) -> (String, String) {
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let cookie = p.sign_in("dora@example.test").await;
    (cookie, domain_id(p, "example.test").await)
}

#[tokio::test]
async fn spam_at_the_reject_level_is_kept_or_refused_as_the_domain_says() {
    let p = mail_host().await;
    let (dora, d) = dora(&p).await;

    // The defaults: kept in quarantine, the sender told 5xx.
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let kept = quarantined(&p).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1, Some(1000.0));
    let file = std::fs::read_to_string(p.data.path().join("quarantine").join(&kept[0].0)).unwrap();
    assert!(
        file.starts_with("Received: from client.example.org"),
        "{file}"
    );
    assert!(
        file.contains("X-Spam-Score: 1000.0 (GTUBE=1000)\r\nX-Spam: yes\r\n"),
        "{file}"
    );
    assert!(file.contains("GTUBE-STANDARD"), "{file}");
    let recipients: Vec<String> = db::query_scalar("SELECT address FROM quarantine_recipients")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(recipients, ["alice@example.test"]);

    // Accept-and-quarantine: 250, and still nothing in the mailbox.
    let a = save(
        &p,
        &dora,
        &d,
        &[("quarantine_reply", "accept"), ("quarantine_days", "7")],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert!(maildir(&p, "alice@example.test").is_empty());
    let (at, expires): (i64, i64) =
        db::query_as("SELECT at, expires_at FROM quarantine ORDER BY id DESC LIMIT 1")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(expires - at, 7 * 86_400);

    // Quarantine off: refused, nothing kept.
    let a = save(&p, &dora, &d, &[("quarantine", "")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert_eq!(quarantined(&p).await.len(), 2);
    assert_eq!(
        verdicts(&p).await,
        ["quarantined", "quarantined", "rejected"]
    );

    // Tagged mail gets the subject tag once.
    let a = p
        .call(
            "antispam/thresholds/save",
            Some(&dora),
            &[
                ("domain", &d),
                ("defer", "999"),
                ("tag", "6"),
                ("reject", "999"),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = save(&p, &dora, &d, &[("subject_tag", "[SPAM]")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let no_subject = GTUBE.replace("Subject: test\r\n", "");
    let r = smtplib(
        p.smtp,
        "spam@spam.example",
        &["alice@example.test"],
        &no_subject,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    // Ham is never tagged.
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    // Maildir names sort by a random queue id: the messages are told apart by content.
    let inbox = maildir(&p, "alice@example.test");
    let find = |words: &str| inbox.iter().find(|m| m.contains(words)).cloned();
    assert!(find("\r\nSubject: [SPAM] test\r\n").is_some(), "{inbox:?}");
    let untitled = find("Subject: [SPAM]\r\n").expect("a subject is added");
    assert_eq!(untitled.matches("Subject:").count(), 1, "{untitled}");
    assert!(find("Subject: Lunch on Friday\r\n").is_some(), "{inbox:?}");

    // Bad values are refused field by field.
    for (field, value, words) in [
        ("quarantine_days", "0", "from 1 to 365"),
        ("spf_exempt", "010.0.0.1", "leading zero"),
        ("subject_tag", "[SPAM]\r\nBcc: x@evil.example", "one line"),
        ("size_limit", "100 MB", "up to 25 MB"),
        ("quarantine_reply", "maybe", "Choose"),
    ] {
        let a = save(&p, &dora, &d, &[(field, value)]).await;
        assert_eq!(a.status, 400, "{field}: {}", a.body);
        assert_eq!(error_of(&a)["Invalid"]["field"], field, "{}", a.body);
        assert!(a.body.contains(words), "{field}: {}", a.body);
    }
    let audit: i64 =
        db::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'filter_settings_changed'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(audit, 3);
    p.stop().await;
}

/// A message with one attachment whose Content-Disposition is `disposition`.
fn with_attachment(disposition: &str) -> String {
    format!(
        "From: ann@sender.example.org\r\nTo: alice@example.test\r\nSubject: invoice\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n\
         --b1\r\nContent-Type: application/octet-stream\r\n{disposition}\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b1--\r\n"
    )
}

#[tokio::test]
async fn blocked_attachments_are_found_however_their_names_are_written() {
    let p = mail_host().await;
    let (dora, d) = dora(&p).await;
    for disposition in [
        "Content-Disposition: attachment; filename=\"invoice.pdf.exe\"",
        "Content-Disposition: attachment; filename*=utf-8''INVOICE%2EEXE",
        "Content-Disposition: attachment; filename=\"=?utf-8?B?aW52b2ljZS5leGU=?=\"",
        "Content-Disposition: attachment; filename=\"invoice.exe. \"",
        "Content-Disposition: inline; filename*0=\"invoice.e\"; filename*1=\"xe\"",
    ] {
        let r = smtplib(
            p.smtp,
            "ann@sender.example.org",
            &["alice@example.test"],
            &with_attachment(disposition),
        )
        .await;
        assert_eq!(code(&r["data"]), 550, "{disposition}: {r}");
        assert!(r["data"][1].as_str().unwrap().contains(".exe"), "{r}");
    }
    let fine = with_attachment("Content-Disposition: attachment; filename=\"report.exe.txt\"");
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &fine,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");

    // The domain admin unblocks .exe: taken from the next message; the reset blocks it again.
    let exe = with_attachment("Content-Disposition: attachment; filename=\"setup.exe\"");
    let a = p
        .call(
            "attachments/remove",
            Some(&dora),
            &[("domain", &d), ("extension", ".EXE")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &exe,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let a = p
        .call(
            "attachments/add",
            Some(&dora),
            &[("domain", &d), ("extension", "*.txt")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &fine,
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let a = p
        .call(
            "attachments/add",
            Some(&dora),
            &[("domain", &d), ("extension", "txt")],
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains(".txt is blocked already"), "{}", a.body);
    let a = p
        .call("attachments/reset", Some(&dora), &[("domain", &d)])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &exe,
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    let evidence = last_evidence(&p).await;
    assert!(
        evidence.contains("“setup.exe”: .exe attachments are blocked"),
        "{evidence}"
    );
    p.stop().await;
}

#[tokio::test]
async fn oversize_mail_and_long_lines_meet_the_domains_limits() {
    let p = mail_host().await;
    let (dora, d) = dora(&p).await;
    let big = format!(
        "{HAM}{}",
        "0123456789abcdef0123456789abcdef\r\n".repeat(48 * 1024)
    );
    let a = save(&p, &dora, &d, &[("size_limit", "1 MB")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &big,
    )
    .await;
    assert_eq!(code(&r["data"]), 552, "{r}");
    assert!(quarantined(&p).await.is_empty());
    let a = save(
        &p,
        &dora,
        &d,
        &[("size_limit", "1 MB"), ("oversize", "quarantine")],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &big,
    )
    .await;
    assert_eq!(code(&r["data"]), 552, "{r}");
    let kept = quarantined(&p).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1, None, "kept before scoring");
    assert!(
        kept[0].2.contains("larger than the domain's limit of 1 MB"),
        "{kept:?}"
    );

    // Lines over 998 characters: refused unless the domain takes them; a line past the
    // listener's own bound is refused whatever the domain says.
    let long = format!("{HAM}{}\r\n", "y".repeat(1200));
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &long,
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(r["data"][1].as_str().unwrap().contains("5.6.0"), "{r}");
    let a = save(&p, &dora, &d, &[("skip_line_length", "on")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &long,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let huge = format!("{HAM}{}\r\n", "y".repeat(70_000));
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        &huge,
    )
    .await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert_eq!(
        verdicts(&p).await,
        [
            "rejected",
            "quarantined",
            "rejected",
            "delivered",
            "rejected"
        ]
    );
    p.stop().await;
}

/// SECURITY, SMTP limits: hostile structures end in a bounded 5xx, and the listener goes
/// on serving.
#[tokio::test]
async fn hostile_structures_end_in_bounded_refusals() {
    let p = mail_host().await;
    let send = |message: String| {
        let addr = p.smtp;
        async move {
            let started = std::time::Instant::now();
            let r = smtplib(
                addr,
                "ann@sender.example.org",
                &["alice@example.test"],
                &message,
            )
            .await;
            assert!(
                started.elapsed().as_secs() < 20,
                "took {:?}",
                started.elapsed()
            );
            r
        }
    };
    let big_header = format!(
        "Subject: x\r\nX-Pad: {}\r\n\r\nbody\r\n",
        "p".repeat(1024 * 1024)
    );
    let r = send(big_header).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(r["data"][1].as_str().unwrap().contains("5.6.0"), "{r}");

    let mut fields = String::from("Subject: many fields\r\n");
    for n in 0..10_000 {
        fields.push_str(&format!("X-Filler-{n}: value\r\n"));
    }
    let r = send(format!("{fields}\r\nbody\r\n")).await;
    assert_eq!(code(&r["data"]), 550, "{r}");

    let mut deep = String::from("Subject: deep\r\n");
    for level in 0..1000 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
    for level in (0..1000).rev() {
        deep.push_str(&format!("--b{level}--\r\n"));
    }
    let r = send(deep).await;
    assert_eq!(code(&r["data"]), 550, "{r}");
    assert!(
        r["data"][1].as_str().unwrap().contains("too complex"),
        "{r}"
    );

    let r = send(HAM.to_string()).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    assert_eq!(
        verdicts(&p).await,
        ["rejected", "rejected", "rejected", "delivered"]
    );
    p.stop().await;
}

/// Sends HAM from `sender` with `subject`, and returns the delivered copy.
async fn delivered_from(p: &Portal, sender: &str, subject: &str) -> String {
    let message = HAM.replace("Lunch on Friday", subject);
    let r = smtplib(p.smtp, sender, &["alice@example.test"], &message).await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    maildir(p, "alice@example.test")
        .into_iter()
        .find(|m| m.contains(subject))
        .unwrap_or_else(|| panic!("{subject} was not delivered"))
}

#[tokio::test]
async fn spf_scores_the_next_message_unless_the_domain_skips_it_or_exempts_the_client() {
    let resolver = free_port();
    let _dns = Dns::start(
        resolver,
        &[
            ("pass.example", "v=spf1 ip4:127.0.0.0/8 -all"),
            ("fail.example", "v=spf1 ip4:192.0.2.0/24 -all"),
            ("soft.example", "v=spf1 ~all"),
            ("broken.example", "v=spf1 ip4:300.1.1.1 -all"),
        ],
    );
    let p = mail_host_with(|c| c.dns.resolver = Some(resolver)).await;
    let (dora, d) = dora(&p).await;

    let m = delivered_from(&p, "ann@pass.example", "spf pass").await;
    assert!(m.contains("X-Spam-Score: 0.0\r\n"), "{m}");
    assert!(
        last_evidence(&p).await.contains("pass for pass.example"),
        "{}",
        last_evidence(&p).await
    );

    // With the default thresholds a fail is greylisted like any mail at the defer level
    // (4), and its retry tagged (6): never refused.
    let r = smtplib(p.smtp, "ann@fail.example", &["alice@example.test"], HAM).await;
    assert_eq!(code(&r["data"]), 451, "{r}");
    p.backend.clock.advance(301);
    let m = delivered_from(&p, "ann@fail.example", "spf fail").await;
    assert!(
        m.contains("X-Spam-Score: 6.0 (SPF_FAIL=6)\r\nX-Spam: yes\r\n"),
        "{m}"
    );
    let evidence = last_evidence(&p).await;
    assert!(evidence.contains("fail for fail.example"), "{evidence}");
    assert!(evidence.contains("SPF_FAIL +6"), "{evidence}");

    let m = delivered_from(&p, "ann@soft.example", "spf softfail").await;
    assert!(m.contains("X-Spam-Score: 2.0 (SPF_SOFTFAIL=2)\r\n"), "{m}");
    assert!(!m.contains("X-Spam: yes"), "{m}");
    let m = delivered_from(&p, "ann@broken.example", "spf permerror").await;
    assert!(m.contains("X-Spam-Score: 1.0 (SPF_PERMERROR=1)\r\n"), "{m}");

    // DNS has nothing to say about this one (the server refuses): temperror adds nothing.
    let m = delivered_from(&p, "ann@elsewhere.example", "spf temperror").await;
    assert!(m.contains("X-Spam-Score: 0.0\r\n"), "{m}");
    assert!(last_evidence(&p)
        .await
        .contains("temperror for elsewhere.example"));

    // The domain skips SPF: the failing sender's next message is not checked.
    let a = save(&p, &dora, &d, &[("skip_spf", "on")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let m = delivered_from(&p, "ann@fail.example", "spf skipped").await;
    assert!(m.contains("X-Spam-Score: 0.0\r\n"), "{m}");
    assert!(last_evidence(&p)
        .await
        .contains("not checked: the domain skips SPF"));

    // Checked again, but this client is one of the domain's exempt forwarders.
    let a = save(&p, &dora, &d, &[("spf_exempt", "127.0.0.0/8")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let m = delivered_from(&p, "ann@fail.example", "spf exempt").await;
    assert!(m.contains("X-Spam-Score: 0.0\r\n"), "{m}");
    assert!(
        last_evidence(&p)
            .await
            .contains("not checked: the client is in the exempt 127.0.0.0/8"),
        "{}",
        last_evidence(&p).await
    );
    let a = save(&p, &dora, &d, &[("spf_exempt", "192.0.2.0/24")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let m = delivered_from(&p, "ann@fail.example", "spf again").await;
    assert!(m.contains("(SPF_FAIL=6)"), "{m}");
}
