//! `GET /auth/mail`: nginx's mail proxy asks whether an IMAP, POP3 or SMTP login may pass
//! (the `auth_http` protocol), and where to send it.
//!
//! Only the configured proxies are answered (403 otherwise, before the store is touched),
//! and, when a shared secret is configured, only requests carrying it. `Auth-User` and
//! `Auth-Pass` arrive percent-encoded; control characters in them, an empty value, an
//! unknown protocol or method, or too many attempts on one connection are refusals. The
//! backend address comes from the configuration, never from the request.

use app::{
    backend::{
        mail_access::{self, Decision, MailLogin},
        metrics::CheckResult,
        Backend,
    },
    model::mail_access::Protocol,
};
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use ipnetwork::IpNetwork;
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};
use subtle::ConstantTimeEq;

/// The handler's state: the backend and the gate's settings.
pub struct MailCheck {
    pub backend: Backend,
    pub gate: MailGate,
}

/// The login check's settings, from `[mail_auth]`.
#[derive(Debug, Clone)]
pub struct MailGate {
    /// Who may ask (the nginx hosts).
    pub allowed: Vec<IpNetwork>,
    /// When set, the `X-Mailportal-Secret` header must carry it.
    pub secret: Option<String>,
    pub imap: SocketAddr,
    pub pop3: SocketAddr,
    pub smtp: SocketAddr,
    /// `Auth-Login-Attempt` above this is refused without a wait.
    pub max_attempts: u32,
}

impl MailGate {
    fn backend_for(&self, protocol: Protocol) -> SocketAddr {
        match protocol {
            Protocol::Imap => self.imap,
            Protocol::Pop3 => self.pop3,
            Protocol::Smtp => self.smtp,
        }
    }

    fn caller_allowed(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        let peer = app::backend::request::canonical_ip(peer);
        if !self.allowed.iter().any(|n| n.contains(peer)) {
            return false;
        }
        match &self.secret {
            None => true,
            Some(secret) => headers
                .get("x-mailportal-secret")
                .is_some_and(|v| bool::from(v.as_bytes().ct_eq(secret.as_bytes()))),
        }
    }
}

/// Why a request is refused before any account is looked at.
const BAD_REQUEST: &str = "malformed request";

pub async fn check(
    State(state): State<Arc<MailCheck>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let gate = &state.gate;
    if !gate.caller_allowed(peer.ip(), &headers) {
        tracing::warn!(peer = %peer.ip(), "mail login check from a host that is not allowed");
        state.backend.metrics.login_check(CheckResult::Forbidden);
        return StatusCode::FORBIDDEN.into_response();
    }
    let backend = &state.backend;
    let now = backend.clock.now();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let user = text("auth-user").and_then(decode);
    let password = text("auth-pass").and_then(decode);
    let protocol = text("auth-protocol").and_then(Protocol::parse);
    let client_ip = text("client-ip")
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .map(app::backend::request::canonical_ip);
    let method_ok = matches!(text("auth-method"), Some("plain" | "login"));
    let attempt: u32 = text("auth-login-attempt")
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    // For the login event only: a host name, "[UNAVAILABLE]" or "[TEMPUNAVAIL]".
    let client_host: String = text("client-host")
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_graphic)
        .take(255)
        .collect();
    let host = client_host.as_str();

    let (Some(user), Some(password), Some(protocol), Some(client_ip), true) =
        (user, password, protocol, client_ip, method_ok)
    else {
        let ip = client_ip.unwrap_or(peer.ip());
        let user = text("auth-user").unwrap_or_default();
        let typed_protocol = text("auth-protocol");
        let reason = BAD_REQUEST;
        return refuse_unchecked(&state, user, ip, host, typed_protocol, protocol, reason).await;
    };
    if attempt > gate.max_attempts {
        let reason = "too many attempts on one connection";
        let name = Some(protocol.as_str());
        let protocol = Some(protocol);
        return refuse_unchecked(&state, &user, client_ip, host, name, protocol, reason).await;
    }
    let login = MailLogin {
        user: &user,
        password: &password,
        protocol,
        client_ip,
        client_host: host,
    };
    let decision = mail_access::check(backend, &login, now).await;
    backend.metrics.login_check(match &decision {
        Ok(Decision::Granted { .. }) => CheckResult::Granted,
        Ok(Decision::Refused { .. }) => CheckResult::Refused,
        Err(_) => CheckResult::Failed,
    });
    match decision {
        Ok(Decision::Granted { .. }) => {
            let to = gate.backend_for(protocol);
            auth_headers(&[
                ("auth-status", "OK".to_string()),
                ("auth-server", to.ip().to_string()),
                ("auth-port", to.port().to_string()),
            ])
        }
        Ok(Decision::Refused { wait, .. }) => refused(wait, Some(protocol)),
        Err(e) => {
            tracing::error!(error = %e, "mail login check failed");
            auth_headers(&[(
                "auth-status",
                "Temporary server problem, try again later".into(),
            )])
        }
    }
}

/// Refuses a login that was not checked (a malformed request, too many attempts), recording
/// it as a login event all the same; no `Auth-Wait` is offered.
async fn refuse_unchecked(
    state: &MailCheck,
    user: &str,
    ip: IpAddr,
    client_host: &str,
    typed_protocol: Option<&str>,
    protocol: Option<Protocol>,
    reason: &str,
) -> Response {
    let backend = &state.backend;
    backend.metrics.login_check(CheckResult::Malformed);
    let ip = ip.to_string();
    let now = backend.clock.now();
    let record = mail_access::record_refusal;
    if let Err(e) = record(backend, user, &ip, typed_protocol, client_host, reason, now).await {
        tracing::error!(error = %e, "login event not recorded");
    }
    refused(None, protocol)
}

/// A refusal nginx passes on to the client; `Auth-Wait` makes it pause before the next try.
fn refused(wait: Option<u64>, protocol: Option<Protocol>) -> Response {
    let mut fields = vec![("auth-status", "Invalid login or password".to_string())];
    if let Some(wait) = wait {
        fields.push(("auth-wait", wait.max(1).to_string()));
    }
    if protocol == Some(Protocol::Smtp) {
        fields.push(("auth-error-code", "535 5.7.8".into()));
    }
    auth_headers(&fields)
}

fn auth_headers(fields: &[(&'static str, String)]) -> Response {
    let mut headers = HeaderMap::new();
    for (name, value) in fields {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    (StatusCode::OK, headers).into_response()
}

/// Percent-decodes a header value; `None` for anything that is not UTF-8, is empty, or
/// holds control characters (CR, LF, NUL, …).
fn decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    (!text.is_empty() && !text.chars().any(char::is_control)).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn values_are_percent_decoded_and_control_characters_refused() {
        assert_eq!(
            decode("alice%40example.test").as_deref(),
            Some("alice@example.test")
        );
        assert_eq!(decode("p%20w%25d").as_deref(), Some("p w%d"));
        assert_eq!(decode("a%0d%0aAuth-Status: OK"), None);
        assert_eq!(decode("a%00b"), None);
        assert_eq!(decode("%ff%fe"), None, "not UTF-8");
        assert_eq!(decode("%4"), None);
        assert_eq!(decode(""), None);
    }
}
