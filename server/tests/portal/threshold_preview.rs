//! The thresholds screen's preview: the domain's scored mail of the last 7 days, as it was
//! treated and as typed values would treat it, nothing saved. The mail is scored by the
//! real pipeline (smtplib sends ham and GTUBE).

use crate::{
    harness::{error_of, ok_json},
    smtp::{code, domain_id, mail_host, smtplib, GTUBE, HAM},
};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;

/// (treatment, got, would) rows of a preview.
fn counts(preview: &Value) -> Vec<(String, i64, i64)> {
    preview["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_i64().unwrap(),
                r[2].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_last_weeks_mail_is_recounted_with_the_typed_values() {
    let p = mail_host().await;
    p.add_domain("other.test").await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    let r = smtplib(
        p.smtp,
        "ann@sender.example.org",
        &["alice@example.test"],
        HAM,
    )
    .await;
    assert_eq!(code(&r["data"]), 250, "{r}");
    let r = smtplib(p.smtp, "spam@spam.example", &["bob@example.test"], GTUBE).await;
    assert_eq!(code(&r["data"]), 550, "quarantined: {r}");
    let ham_score: f64 = db::query_scalar("SELECT score FROM mail_log WHERE verdict = 'delivered'")
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    let dora = p.sign_in("dora@example.test").await;
    let example = domain_id(&p, "example.test").await;
    let preview = |defer: String, tag: String, reject: String| {
        let (p, dora, example) = (&p, dora.clone(), example.clone());
        async move {
            p.call(
                "antispam/thresholds/preview",
                Some(&dora),
                &[
                    ("domain", &example),
                    ("defer", &defer),
                    ("tag", &tag),
                    ("reject", &reject),
                ],
            )
            .await
        }
    };

    // The saved values treat the mail as it was treated.
    let same = ok_json(&preview("4".into(), "6".into(), "15".into()).await);
    assert_eq!(same["scored"], 2);
    assert_eq!(same["days"], 7);
    assert_eq!(
        counts(&same),
        [
            ("Delivered".into(), 1, 1),
            ("Greylisted".into(), 0, 0),
            ("Tagged".into(), 0, 0),
            ("Quarantined".into(), 1, 1),
            ("Rejected".into(), 0, 0),
        ]
    );
    // Tagging from the ham's score, rejecting never: both would have been tagged.
    let tag_all = format!("{:.1}", ham_score.max(0.0));
    let loose = ok_json(&preview("999".into(), tag_all, "999".into()).await);
    assert_eq!(
        counts(&loose),
        [
            ("Delivered".into(), 1, 0),
            ("Greylisted".into(), 0, 0),
            ("Tagged".into(), 0, 2),
            ("Quarantined".into(), 1, 0),
            ("Rejected".into(), 0, 0),
        ],
        "ham scored {ham_score}"
    );
    // Nothing was saved.
    let saved: Option<f64> = db::query_scalar("SELECT spam_tag FROM domains WHERE id = $1")
        .bind(example.parse::<i64>().unwrap())
        .fetch_one(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(saved, None);

    // Values out of order are the field's error, as on saving.
    let bad = preview("8".into(), "6".into(), "15".into()).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        error_of(&bad)
            .to_string()
            .contains("above the score for deferring"),
        "{}",
        bad.body
    );
    // Another domain's mail is not previewed.
    let other = domain_id(&p, "other.test").await;
    let refused = p
        .call(
            "antispam/thresholds/preview",
            Some(&dora),
            &[
                ("domain", &other),
                ("defer", "4"),
                ("tag", "6"),
                ("reject", "15"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    // Eight days on, the mail is out of the window.
    p.clock().advance(8 * 86_400);
    let dora = p.sign_in("dora@example.test").await;
    let later = ok_json(
        &p.call(
            "antispam/thresholds/preview",
            Some(&dora),
            &[
                ("domain", &example),
                ("defer", "4"),
                ("tag", "6"),
                ("reject", "15"),
            ],
        )
        .await,
    );
    assert_eq!(later["scored"], 0);
    assert_eq!(counts(&later)[0], ("Delivered".into(), 0, 0));
    p.stop().await;
}
