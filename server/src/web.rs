//! The web plane: the router (portal pages, server functions, static files, health) and
//! the layers every response passes through.

use crate::{
    csrf::{refuse_cross_site, AllowedOrigins},
    mail_auth::{MailCheck, MailGate},
    metrics::{scrape, time_request, Scrape},
};
use app::backend::store::db;
use app::{
    backend::{mail::smtp, Backend},
    shell, App,
};
use axum::{
    extract::{FromRef, State},
    http::{header, HeaderValue, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::{limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    /// What `/auth/mail` needs, apart: its handler clones one `Arc` per request.
    pub mail: Arc<MailCheck>,
    pub scrape: Arc<Scrape>,
}

impl FromRef<AppState> for Arc<Scrape> {
    fn from_ref(state: &AppState) -> Self {
        state.scrape.clone()
    }
}

impl FromRef<AppState> for Arc<MailCheck> {
    fn from_ref(state: &AppState) -> Self {
        state.mail.clone()
    }
}

impl FromRef<AppState> for Backend {
    fn from_ref(state: &AppState) -> Self {
        state.backend.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The largest request body the portal reads.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub fn router(
    leptos_options: LeptosOptions,
    backend: Backend,
    gate: MailGate,
    scrapers: Vec<ipnetwork::IpNetwork>,
    mail: Arc<smtp::Server>,
) -> Router {
    let origins = Arc::new(AllowedOrigins::for_public_url(&backend.settings.public_url));
    let state = AppState {
        leptos_options,
        backend: backend.clone(),
        mail: Arc::new(MailCheck {
            backend: backend.clone(),
            gate,
        }),
        scrape: Arc::new(Scrape {
            backend: backend.clone(),
            allowed: scrapers,
        }),
    };
    let metrics = backend.metrics.clone();
    // Server functions reach the mail plane too: a released message is delivered by it.
    let context = move || {
        provide_context(backend.clone());
        provide_context(mail.clone());
    };
    let routes = generate_route_list(App);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/export/{dataset}", get(app::api::transfer::export_csv))
        .route("/events/mail-log", get(app::api::mail_log::live_rows))
        .route("/api/openapi.json", get(openapi))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn_with_state(origins, refuse_cross_site))
        // Server functions read their whole body: bound it (413 above). A CSV import is the
        // largest honest request, 1 MB of file at most three times as long URL-encoded.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        // Reset and setup links carry their token in the path: never leak it as a Referer.
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(
            header::CONTENT_SECURITY_POLICY,
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ))
        // After the layers, which concern browsers: nginx asks with a GET and no cookies,
        // reads only the Auth-* headers, and asks thousands of times a second.
        .route("/auth/mail", get(crate::mail_auth::check))
        .route("/metrics", get(scrape))
        .layer(middleware::from_fn_with_state(metrics, time_request))
        .with_state(state)
}

fn header_layer(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The API's description, from the registered admin server functions (a few
/// milliseconds' work, asked for rarely).
async fn openapi(State(state): State<AppState>) -> Response {
    let document = app::api::openapi::document(&state.backend.settings.public_url);
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.to_string(),
    )
        .into_response()
}

/// `200 ok` when the store answers.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match db::query_scalar::<i64>("SELECT CAST(1 AS BIGINT)")
        .fetch_one(&state.backend.pool)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check: store unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n")
        }
    }
}
