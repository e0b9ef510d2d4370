//! `GET /metrics` for Prometheus, and the layer that times every portal request.
//!
//! The scraper is recognised by the connection's own address, like nginx at `/auth/mail`:
//! `X-Forwarded-For` is not believed here, and the shipped nginx site does not pass
//! `/metrics` on, so nothing from the internet reaches it through the proxy either.

use app::backend::{metrics, request::canonical_ip, Backend};
use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use ipnetwork::IpNetwork;
use std::{net::SocketAddr, sync::Arc, time::Instant};

/// What the scrape handler needs.
pub struct Scrape {
    pub backend: Backend,
    /// Who may scrape (`[metrics] allowed_ips`).
    pub allowed: Vec<IpNetwork>,
}

pub async fn scrape(
    State(scrape): State<Arc<Scrape>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let ip = canonical_ip(peer.ip());
    if !scrape.allowed.iter().any(|n| n.contains(ip)) {
        tracing::warn!(peer = %ip, "metrics asked for from an address not in metrics.allowed_ips");
        return (
            StatusCode::FORBIDDEN,
            "metrics are not served to this address (see metrics.allowed_ips)\n",
        )
            .into_response();
    }
    let backend = &scrape.backend;
    match backend
        .metrics
        .render(&backend.pool, backend.clock.now())
        .await
    {
        Ok(text) => ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "metrics: the queue could not be read");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
    }
}

/// Times a request up to its response's head (a stream, such as the live mail log, is
/// counted by how fast it started).
pub async fn time_request(
    State(metrics): State<Arc<metrics::Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    metrics.request(route.as_deref(), response.status().as_u16(), seconds);
    response
}
