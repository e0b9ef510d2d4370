//! The command line's client for a running portal (`mailportal --url … --token …`).
//!
//! An admin command run this way calls the portal's HTTP API with an API token instead of
//! opening the store: it works from another machine, needs no configuration file or data
//! directory, and reaches only what the token reaches, with the portal's own checks and
//! audit log in between.

use crate::Failure;
use app::api::openapi::error_text;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use std::{error::Error, time::Duration};

/// Long enough for the slowest call (one that looks DNS up), short enough that a command
/// behind a dropped connection ends with a message instead of hanging.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A portal's API, called with one token.
pub struct Remote {
    /// The portal's address without a trailing `/`, e.g. `https://mail.example.org`.
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Remote {
    /// A client for the portal at `url`. Nothing is sent yet: a wrong address or token
    /// shows on the first call, with the portal's own answer.
    pub fn new(url: &str, token: &str) -> Result<Remote, Failure> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(Failure(format!(
                "--url {url}: give the portal's address with its scheme, e.g. https://mail.example.org"
            )));
        }
        // A token pasted from a file or a password manager may bring a line ending along.
        let token = token.trim();
        if token.is_empty() {
            return Err(Failure(
                "--token is empty: make an API token under My account → API tokens".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| Failure(format!("cannot set up the HTTP client: {}", causes(&e))))?;
        Ok(Remote {
            base: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http,
        })
    }

    /// Calls the admin function at `/api/{endpoint}` with `form`; its JSON answer.
    pub async fn call(&self, endpoint: &str, form: &[(String, String)]) -> Result<Value, Failure> {
        let endpoint = endpoint.trim_matches('/');
        let request = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form);
        self.answer(request, endpoint).await
    }

    /// The API's functions as (endpoint, summary), by endpoint, from the portal's OpenAPI
    /// description: what this portal's version offers, not what this binary knows.
    pub async fn endpoints(&self) -> Result<Vec<(String, String)>, Failure> {
        let request = self.http.get(format!("{}/api/openapi.json", self.base));
        let document = self.answer(request, "openapi.json").await?;
        let Some(paths) = document["paths"].as_object() else {
            return Err(Failure(format!(
                "{}/api/openapi.json lists no functions: is --url the portal's address?",
                self.base
            )));
        };
        let mut endpoints: Vec<(String, String)> = paths
            .iter()
            .filter_map(|(path, item)| {
                let endpoint = path.strip_prefix("/api/")?;
                let summary = item["post"]["summary"].as_str().unwrap_or_default();
                Some((endpoint.to_string(), summary.to_string()))
            })
            .collect();
        endpoints.sort();
        Ok(endpoints)
    }

    /// Sends `request` with the token; the JSON answer, or the portal's reason for refusing
    /// it after the HTTP status (`403: …`), which says more than the status alone.
    async fn answer(&self, request: RequestBuilder, endpoint: &str) -> Result<Value, Failure> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| self.unreachable(&e))?;
        if !status.is_success() {
            let reason = error_text(&body);
            // Not an answer of the API but a web page: the portal's "not found" page for a
            // function it does not have, or another site altogether.
            let reason = if !reason.starts_with('<') {
                reason
            } else if status == StatusCode::NOT_FOUND {
                format!(
                    "the portal has no API function {endpoint} (mailportal api list names them)"
                )
            } else {
                "the answer is a web page, not the API's: is --url the portal's address?".into()
            };
            return Err(Failure(format!("{}: {reason}", status.as_u16())));
        }
        // A function without a result answers `null`; an empty body means the same.
        if body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&body).map_err(|e| {
            Failure(format!(
                "{}: the answer to {endpoint} is not JSON ({e}): is --url the portal's address?",
                self.base
            ))
        })
    }

    fn unreachable(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            return Failure(format!(
                "{} did not answer within {} seconds",
                self.base,
                TIMEOUT.as_secs()
            ));
        }
        Failure(format!("cannot reach {}: {}", self.base, causes(e)))
    }
}

/// An error with its causes: reqwest's own message ("error sending request") leaves out
/// the one that helps (connection refused, certificate not trusted, no such host).
fn causes(e: &dyn Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
