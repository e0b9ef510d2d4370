//! What `GET /metrics` shows, in Prometheus' text format: the figures an operator graphs and
//! alerts on. Counters count this instance's own work (Prometheus adds the instances up);
//! the queue's depth and age are read from the store when scraped, so every instance on a
//! shared store shows the whole queue.

use crate::backend::store::db::Db;
use crate::{
    backend::{mail::smtp::session::Mode, store, store::login_events::LoginResult},
    model::{mail_log::Verdict, time::UnixTime},
};
use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};
use std::sync::atomic::AtomicU64;

/// The content type of the text `render` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabel {
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListenerLabel {
    listener: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

/// A request's route is the router's pattern (`/api/{fn}` names one server function), never
/// the path itself: the number of series stays that of the routes, whatever is asked.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
    status: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// How a mail login check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckResult {
    Granted,
    Refused,
    /// Not asked properly (a header missing or malformed, too many attempts).
    Malformed,
    /// From a host that may not ask, or without the shared secret.
    Forbidden,
    /// The store failed; nginx was told to try later.
    Failed,
}

impl CheckResult {
    fn as_str(self) -> &'static str {
        match self {
            CheckResult::Granted => "granted",
            CheckResult::Refused => "refused",
            CheckResult::Malformed => "malformed",
            CheckResult::Forbidden => "forbidden",
            CheckResult::Failed => "failed",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    messages: Family<VerdictLabel, Counter>,
    smtp_sessions: Family<ListenerLabel, Counter>,
    smtp_open: Family<ListenerLabel, Gauge>,
    login_checks: Family<ResultLabel, Counter>,
    sign_ins: Family<ResultLabel, Counter>,
    requests: Family<RouteLabel, Histogram, fn() -> Histogram>,
    queue_depth: Gauge,
    queue_oldest: Gauge<f64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut metrics = Metrics {
            registry: Registry::with_prefix("mailportal"),
            messages: Default::default(),
            smtp_sessions: Default::default(),
            smtp_open: Default::default(),
            login_checks: Default::default(),
            sign_ins: Default::default(),
            requests: Family::new_with_constructor(latency_histogram),
            queue_depth: Default::default(),
            queue_oldest: Default::default(),
        };
        let r = &mut metrics.registry;
        r.register(
            "messages",
            "Messages received over SMTP, by verdict",
            metrics.messages.clone(),
        );
        r.register(
            "smtp_sessions",
            "SMTP connections accepted, by listener",
            metrics.smtp_sessions.clone(),
        );
        r.register(
            "smtp_sessions_open",
            "SMTP connections open now, by listener",
            metrics.smtp_open.clone(),
        );
        r.register(
            "login_checks",
            "Mail login checks (IMAP, POP3, SMTP through nginx), by result",
            metrics.login_checks.clone(),
        );
        r.register(
            "sign_ins",
            "Portal sign-in steps, by result",
            metrics.sign_ins.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to answer a portal request, by route and status class",
            metrics.requests.clone(),
        );
        r.register(
            "queue_depth",
            "Copies waiting in the delivery queue",
            metrics.queue_depth.clone(),
        );
        r.register(
            "queue_oldest_age_seconds",
            "Age of the oldest copy in the delivery queue (0 when empty)",
            metrics.queue_oldest.clone(),
        );
        metrics
    }
}

/// An open SMTP connection, counted until dropped.
pub struct OpenSession {
    gauge: Gauge,
}

impl Drop for OpenSession {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

impl Metrics {
    pub fn message(&self, verdict: Verdict) {
        self.messages
            .get_or_create(&VerdictLabel {
                verdict: verdict.as_str(),
            })
            .inc();
    }

    /// Counts a connection accepted; the returned guard keeps it among the open ones.
    pub fn smtp_session(&self, mode: Mode) -> OpenSession {
        let label = ListenerLabel {
            listener: match mode {
                Mode::Inbound => "inbound",
                Mode::Submission => "submission",
            },
        };
        self.smtp_sessions.get_or_create(&label).inc();
        let gauge = self.smtp_open.get_or_create(&label).clone();
        gauge.inc();
        OpenSession { gauge }
    }

    pub fn login_check(&self, result: CheckResult) {
        let label = ResultLabel {
            result: result.as_str(),
        };
        self.login_checks.get_or_create(&label).inc();
    }

    pub fn sign_in(&self, result: LoginResult) {
        let label = ResultLabel {
            result: result.as_str(),
        };
        self.sign_ins.get_or_create(&label).inc();
    }

    /// One answered request: `route` is the router's pattern, or `None` for what no route
    /// matched (static files, unknown paths).
    pub fn request(&self, route: Option<&str>, status: u16, seconds: f64) {
        let label = RouteLabel {
            route: route.unwrap_or("other").to_string(),
            status: match status {
                100..=199 => "1xx",
                200..=299 => "2xx",
                300..=399 => "3xx",
                400..=499 => "4xx",
                _ => "5xx",
            },
        };
        self.requests.get_or_create(&label).observe(seconds);
    }

    /// The text a scrape gets: the counters, and the queue as the store has it at `now`.
    pub async fn render(&self, pool: &Db, now: UnixTime) -> Result<String, sqlx::Error> {
        let (depth, oldest) = store::queue::depth(pool).await?;
        self.queue_depth.set(depth);
        let age = oldest.map_or(0, |created| (now - created).max(0));
        self.queue_oldest.set(age as f64);
        let mut text = String::new();
        encode(&mut text, &self.registry).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line that starts with `series` (name and labels).
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
    }

    #[tokio::test]
    async fn counts_show_in_the_text_format_with_the_queue_read_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let pool = store::open(dir.path()).await.unwrap();
        let metrics = Metrics::default();
        metrics.message(Verdict::Delivered);
        metrics.message(Verdict::Delivered);
        metrics.message(Verdict::Rejected);
        metrics.login_check(CheckResult::Granted);
        metrics.sign_in(LoginResult::BadCredentials);
        metrics.request(Some("/api/sign_in"), 200, 0.004);
        metrics.request(None, 404, 0.0005);
        let open = metrics.smtp_session(Mode::Inbound);
        let copies = [store::queue::NewCopy {
            recipient: "a@example.net".into(),
            domain_id: None,
            via: store::queue::Via::Mx,
            destination: None,
            expires_at: 10_000,
        }];
        let mut conn = pool.acquire().await.unwrap();
        store::queue::enqueue(&mut conn.conn(), "Q1", "s@example.org", &copies, 1_000)
            .await
            .unwrap();
        drop(conn);

        let text = metrics.render(&pool, 1_600).await.unwrap();
        let at = |series: &str| sample(&text, series);
        assert_eq!(
            at(r#"mailportal_messages_total{verdict="delivered"}"#),
            Some(2.0)
        );
        assert_eq!(
            at(r#"mailportal_messages_total{verdict="rejected"}"#),
            Some(1.0)
        );
        assert_eq!(
            at(r#"mailportal_login_checks_total{result="granted"}"#),
            Some(1.0)
        );
        assert_eq!(
            at(r#"mailportal_sign_ins_total{result="bad_credentials"}"#),
            Some(1.0)
        );
        assert_eq!(
            at(r#"mailportal_smtp_sessions_total{listener="inbound"}"#),
            Some(1.0)
        );
        assert_eq!(
            at(r#"mailportal_smtp_sessions_open{listener="inbound"}"#),
            Some(1.0)
        );
        assert_eq!(
            at(
                r#"mailportal_http_request_duration_seconds_count{route="/api/sign_in",status="2xx"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            at(r#"mailportal_http_request_duration_seconds_count{route="other",status="4xx"}"#),
            Some(1.0)
        );
        assert_eq!(at("mailportal_queue_depth"), Some(1.0));
        assert_eq!(at("mailportal_queue_oldest_age_seconds"), Some(600.0));
        assert!(text.ends_with("# EOF\n"), "{text}");

        drop(open);
        let text = metrics.render(&pool, 1_600).await.unwrap();
        assert_eq!(
            sample(
                &text,
                r#"mailportal_smtp_sessions_open{listener="inbound"}"#
            ),
            Some(0.0)
        );
    }
}
