//! Schemathesis (from PyPI) reads `/api/openapi.json` and calls every admin function with
//! a read-write token, with values the description allows and values it does not: no
//! answer is a 5xx, and every answer's status, content type and body are as described.

use crate::harness::Portal;
use app::model::Role;
use std::time::Duration;
use tokio::process::Command;

/// `st`, the schemathesis command.
const ST: &str = "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'st'; sys.exit(schemathesis())";

/// The run's bound: generous for two cores, far below CI's.
const BOUND: Duration = Duration::from_secs(600);

#[tokio::test]
async fn every_answer_of_the_api_is_as_described() {
    let p = Portal::start().await;
    let domain = p.add_domain("example.test").await.to_string();
    p.add_domain("relay.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    p.add_user("dora@example.test", Role::DomainAdmin).await;
    p.add_user("mia@example.test", Role::MailUser).await;
    let boss = p.sign_in("boss@example.test").await;
    // Something in each list, so that reads find rows and ids exist to act on.
    for (endpoint, form) in [
        (
            "aliases/add",
            vec![
                ("domain", domain.as_str()),
                ("address", "team"),
                ("targets", "mia@example.test"),
            ],
        ),
        (
            "senders/add",
            vec![
                ("domain", domain.as_str()),
                ("address", "info"),
                ("users", "mia@example.test"),
            ],
        ),
        (
            "local-recipients/add",
            vec![("domain", domain.as_str()), ("address", "mia")],
        ),
    ] {
        let a = p.call(endpoint, Some(&boss), &form).await;
        assert_eq!(a.status, 200, "{endpoint}: {}", a.body);
    }
    let secret = p
        .api_token(&boss, &[("name", "schemathesis"), ("write", "true")])
        .await;
    let schema = format!("{}/api/openapi.json", p.base);
    let bearer = format!("Authorization: Bearer {secret}");
    // Its command-line entry point, run by the Python that has it (whatever PATH holds).
    let run = Command::new("python3")
        .args(["-c", ST])
        .args(["run", &schema, "--url", &p.base, "--header", &bearer])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "12",
            "--seed",
            "20261129",
            "--workers",
            "2",
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
            "--generation-database",
            "none",
            "--no-color",
        ])
        // Its cache of failures goes with the portal's data directory, not into the tree.
        .current_dir(p.data.path())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(BOUND, run)
        .await
        .expect("schemathesis ran within its bound")
        .expect("python3 with schemathesis (.ci/setup test installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The summary, for the test log.
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("passed") || l.contains("failed") || l.contains("API Operations"))
        .collect();
    println!("schemathesis: {}", summary.join(" | "));
    println!("{stdout}");
    assert!(
        out.status.success(),
        "schemathesis found answers that are not as described:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    p.stop().await;
}
