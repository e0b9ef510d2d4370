//! Cross-site request refusal. Leptos server functions have no CSRF protection of their
//! own, so every state-changing request passes here: a browser always names where the
//! request comes from (`Origin`, `Sec-Fetch-Site`), and anything but the portal's own
//! origin is refused with 403. Clients that send neither header are not browsers and carry
//! no ambient cookies to abuse, so they pass.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// The origins a state-changing request may come from.
#[derive(Debug, Clone)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// The public URL's origin; for a loopback portal also its other loopback spellings,
    /// so `http://127.0.0.1:3000` works as well as `http://localhost:3000`.
    pub fn for_public_url(public_url: &str) -> Self {
        let mut origins = vec![public_url.to_string()];
        for (a, b) in [
            ("//localhost", "//127.0.0.1"),
            ("//127.0.0.1", "//localhost"),
        ] {
            if public_url.contains(a) {
                origins.push(public_url.replacen(a, b, 1));
                origins.push(public_url.replacen(a, "//[::1]", 1));
            }
        }
        AllowedOrigins(origins)
    }

    fn allows(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o == origin)
    }
}

/// Decides one request from its method and the two headers browsers send.
pub fn is_allowed(
    allowed: &AllowedOrigins,
    method: &Method,
    origin: Option<&str>,
    fetch_site: Option<&str>,
) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    match (origin, fetch_site) {
        (_, Some("cross-site" | "same-site")) => false,
        (Some(origin), _) => allowed.allows(origin),
        (None, Some(site)) => matches!(site, "same-origin" | "none"),
        (None, None) => true,
    }
}

pub async fn refuse_cross_site(
    State(allowed): State<Arc<AllowedOrigins>>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let headers = req.headers();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (origin, fetch_site) = (text(header::ORIGIN.as_str()), text("sec-fetch-site"));
    if is_allowed(
        &allowed,
        req.method(),
        origin.as_deref(),
        fetch_site.as_deref(),
    ) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), ?origin, ?fetch_site, "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        "Cross-site request refused: send it from the portal's own pages.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_portal_origin_may_change_state() {
        let a = AllowedOrigins::for_public_url("https://mail.example.org");
        let post = Method::POST;
        assert!(is_allowed(
            &a,
            &post,
            Some("https://mail.example.org"),
            Some("same-origin")
        ));
        assert!(!is_allowed(
            &a,
            &post,
            Some("https://evil.example"),
            Some("cross-site")
        ));
        assert!(!is_allowed(&a, &post, Some("https://evil.example"), None));
        assert!(!is_allowed(&a, &post, Some("null"), None));
        assert!(!is_allowed(&a, &post, None, Some("cross-site")));
        assert!(
            !is_allowed(&a, &post, None, Some("same-site")),
            "a sibling subdomain is not the portal"
        );
        assert!(is_allowed(&a, &post, None, Some("same-origin")));
        assert!(is_allowed(&a, &post, None, None), "not a browser");
        assert!(is_allowed(
            &a,
            &Method::GET,
            Some("https://evil.example"),
            Some("cross-site")
        ));
    }

    #[test]
    fn a_loopback_portal_accepts_its_loopback_spellings() {
        let a = AllowedOrigins::for_public_url("http://localhost:3000");
        assert!(is_allowed(
            &a,
            &Method::POST,
            Some("http://127.0.0.1:3000"),
            None
        ));
        assert!(is_allowed(
            &a,
            &Method::POST,
            Some("http://[::1]:3000"),
            None
        ));
        assert!(!is_allowed(
            &a,
            &Method::POST,
            Some("http://127.0.0.1:3001"),
            None
        ));
    }
}
