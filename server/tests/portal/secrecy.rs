//! The TOTP secret is shown once and then nowhere: not in the logs, not in later answers
//! or server-rendered pages, not in the database file in clear. Runs the real binary with
//! every log level on, so that the logs are the ones an operator would keep.

use crate::harness::base32_decode;
use std::{
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

const BIN: &str = env!("CARGO_BIN_EXE_mailportal");
const PASSWORD: &str = "violet tram quietly sings";

struct Client {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

impl Client {
    async fn post(&mut self, endpoint: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("origin", &self.base)
            .form(form);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let res = req.send().await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            if !v.contains("Max-Age=0") {
                self.cookie = Some(v.split(';').next().unwrap().to_string());
            }
        }
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn page(&self, path: &str) -> String {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html");
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        req.send().await.unwrap().text().await.unwrap()
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every form the secret could take in text or bytes.
fn forms_of(secret: &[u8], key: &str) -> Vec<Vec<u8>> {
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        secret.to_vec(),
        key.as_bytes().to_vec(),
        key.to_lowercase().into_bytes(),
        hex.into_bytes(),
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_totp_secret_appears_in_no_log_later_answer_page_or_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(BIN)
            .args(args)
            .env_clear()
            .env("MAILPORTAL_DATA_DIR", data)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "mailportal {args:?}");
    };
    run(&["domain", "add", "example.test"], "");
    run(
        &["user", "add", "alice@example.test"],
        &format!("{PASSWORD}\n"),
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = data.join("portal.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("MAILPORTAL_DATA_DIR", data)
        .env("MAILPORTAL_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("MAILPORTAL_PUBLIC_URL", format!("http://localhost:{port}"))
        .env("MAILPORTAL_LOG", "trace")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the portal did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut c = Client {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: format!("http://localhost:{port}"),
        cookie: None,
    };
    let (status, _) = c
        .post(
            "auth/sign_in",
            &[("email", "alice@example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 200);
    let (status, offer) = c.post("two_factor/offer_totp", &[]).await;
    assert_eq!(status, 200, "{offer}");
    let offer: serde_json::Value = serde_json::from_str(&offer).unwrap();
    let key = offer["key_groups"].as_str().unwrap().replace(' ', "");
    let secret = base32_decode(&key);
    let code = app::backend::auth::totp::code_at(&secret, now());
    let (status, codes) = c.post("two_factor/enable_totp", &[("code", &code)]).await;
    assert_eq!(status, 200, "{codes}");
    let codes: Vec<String> = serde_json::from_str(&codes).unwrap();

    // Sign in again (with a recovery code: the app's code of this step is used up).
    c.cookie = None;
    c.post(
        "auth/sign_in",
        &[("email", "alice@example.test"), ("password", PASSWORD)],
    )
    .await;
    let (status, body) = c.post("auth/sign_in_code", &[("code", &codes[0])]).await;
    assert_eq!(status, 200, "{body}");

    let mut later = String::new();
    for endpoint in ["two_factor/status", "account/summary"] {
        let (status, body) = c.post(endpoint, &[]).await;
        assert_eq!(status, 200, "{endpoint}: {body}");
        later += &body;
    }
    for path in ["/account", "/account/two-factor"] {
        let html = c.page(path).await;
        assert!(html.contains("</html>"), "{path} rendered");
        later += &html;
    }

    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());

    let logs = std::fs::read(&log_path).unwrap();
    assert!(
        logs.len() > 1000,
        "trace logging was on: {} bytes",
        logs.len()
    );
    let mut database = std::fs::read(data.join("mailportal.db")).unwrap();
    if let Ok(wal) = std::fs::read(data.join("mailportal.db-wal")) {
        database.extend(wal);
    }
    assert!(
        contains(&database, b"totp_factors"),
        "the database was read"
    );
    for form in forms_of(&secret, &key) {
        assert!(!contains(&logs, &form), "the secret is in the logs");
        assert!(
            !contains(later.as_bytes(), &form),
            "the secret is in a later answer or page"
        );
        assert!(
            !contains(&database, &form),
            "the secret is in the database file in clear"
        );
    }
    for code in &codes {
        assert!(
            !contains(&database, code.replace('-', "").as_bytes()),
            "a recovery code in clear"
        );
    }
}
