//! The session cookie: its name, attributes and lifetime checks.

use super::token::Token;
use crate::backend::{store::sessions::SessionWithAccount, Settings};
use crate::model::time::UnixTime;

/// With https the `__Host-` prefix pins the cookie to this host, path `/`, and `Secure`.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.https() {
        "__Host-mailportal_session"
    } else {
        "mailportal_session"
    }
}

/// The ticket between the password and the second factor: same attributes, and gone after
/// the few minutes the second step may take.
pub fn pending_cookie_name(settings: &Settings) -> &'static str {
    if settings.https() {
        "__Host-mailportal_pending"
    } else {
        "mailportal_pending"
    }
}

pub fn set_pending_cookie(settings: &Settings, ticket: &Token) -> String {
    format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        pending_cookie_name(settings),
        ticket.expose(),
        super::sign_in::PENDING_SECS,
        if settings.https() { "; Secure" } else { "" }
    )
}

pub fn clear_pending_cookie(settings: &Settings) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        pending_cookie_name(settings),
        if settings.https() { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` for a new session: not readable by scripts, never sent cross-site, no
/// `Domain` (host-only), and no `Max-Age` (it ends with the browser; the server enforces
/// the idle and absolute limits).
pub fn set_cookie(settings: &Settings, token: &Token) -> String {
    format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict{}",
        cookie_name(settings),
        token.expose(),
        if settings.https() { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(settings: &Settings) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        cookie_name(settings),
        if settings.https() { "; Secure" } else { "" }
    )
}

/// The session token from a `Cookie` header value, if present.
pub fn token_from_cookie_header(settings: &Settings, header: &str) -> Option<String> {
    cookie_value(header, cookie_name(settings))
}

/// The value of the cookie `name` in a `Cookie` header value, if present and not empty.
pub fn cookie_value(header: &str, name: &str) -> Option<String> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// True while the session is within both its idle and its absolute limit.
pub fn is_live(settings: &Settings, s: &SessionWithAccount, now: UnixTime) -> bool {
    now - s.last_seen_at < settings.session_idle_secs
        && now - s.created_at < settings.session_absolute_secs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn settings(url: &str) -> Settings {
        Settings {
            public_url: url.into(),
            data_dir: ".".into(),
            session_idle_secs: 1800,
            session_absolute_secs: 12 * 3600,
            device_password_idle_secs: 180 * 86_400,
            webmail_ips: vec![],
            trusted_proxies: vec![],
            dns_resolver: None,
            listen_addrs: vec![],
            max_message_bytes: 1024 * 1024,
            delivery_lease_secs: 600,
            migration: Default::default(),
        }
    }

    #[test]
    fn cookie_attributes_follow_the_scheme() {
        let t = Token::generate();
        let https = set_cookie(&settings("https://mail.example.org"), &t);
        assert!(https.starts_with("__Host-mailportal_session="));
        assert!(
            https.contains("; Secure")
                && https.contains("HttpOnly")
                && https.contains("SameSite=Strict")
        );
        assert!(https.contains("Path=/") && !https.contains("Domain"));
        let http = set_cookie(&settings("http://localhost:3000"), &t);
        assert!(http.starts_with("mailportal_session=") && !http.contains("Secure"));
    }

    #[test]
    fn token_is_found_among_other_cookies() {
        let s = settings("http://localhost");
        assert_eq!(
            token_from_cookie_header(&s, "a=1; mailportal_session=abc; b=2").as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_from_cookie_header(&s, "xmailportal_session=abc"),
            None
        );
        assert_eq!(token_from_cookie_header(&s, "mailportal_session="), None);
    }

    #[test]
    fn idle_and_absolute_limits() {
        let s = settings("http://localhost");
        let session = |created, seen| SessionWithAccount {
            id: 1,
            account_id: 1,
            created_at: created,
            last_seen_at: seen,
            authenticated_at: created,
            email: "a@example.org".into(),
            role: Role::MailUser,
            enabled: true,
        };
        assert!(is_live(&s, &session(0, 0), 1799));
        assert!(!is_live(&s, &session(0, 0), 1800), "idle 30 minutes");
        assert!(is_live(&s, &session(0, 43_000), 43_199));
        assert!(
            !is_live(&s, &session(0, 43_000), 43_200),
            "absolute 12 hours"
        );
    }
}
