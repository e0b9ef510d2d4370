//! What every server function does on the server: find the backend and the request, and
//! answer errors with their HTTP status.

use crate::{
    backend::{
        auth::ctx::{authenticate, DomainAdminCtx, MasterAdminCtx, UserCtx},
        request::RequestMeta,
        Backend,
    },
    error::AppError,
    model::time::UnixTime,
};
use axum::{
    extract::ConnectInfo,
    http::{header, request::Parts, HeaderValue, StatusCode},
};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::net::SocketAddr;

/// One server function call: the backend, the request's facts and the time it started.
pub struct Call {
    pub backend: Backend,
    pub meta: RequestMeta,
    pub now: UnixTime,
}

impl Call {
    pub fn new() -> Result<Self, AppError> {
        let backend = use_context::<Backend>().ok_or_else(|| missing("Backend"))?;
        let parts = use_context::<Parts>().ok_or_else(|| missing("request parts"))?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let meta = RequestMeta::from_parts(&backend.settings, &parts.headers, peer);
        Ok(Call {
            now: backend.clock.now(),
            backend,
            meta,
        })
    }

    /// The signed-in caller, or `Unauthorized`.
    pub async fn user(&self) -> Result<UserCtx, AppError> {
        authenticate(&self.backend, &self.meta, self.now).await
    }
}

/// The body of most server functions: find the signed-in caller, run `work` for them, and
/// answer like `reply` (status from the error, never cached).
pub async fn as_user<T, F, Fut>(work: F) -> Result<T, AppError>
where
    F: FnOnce(Call, UserCtx) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let call = Call::new()?;
    let user = match call.user().await {
        Ok(user) => user,
        Err(e) => return reply(Err(e)),
    };
    reply(work(call, user).await)
}

/// `as_user` for a domain admin (or a master admin): anyone else is refused, audited as
/// trying `what`.
pub async fn as_domain_admin<T, F, Fut>(what: &'static str, work: F) -> Result<T, AppError>
where
    F: FnOnce(Call, DomainAdminCtx) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    as_user(|call, user| async move {
        let admin = user.domain_admin(&call.backend, what, call.now).await?;
        work(call, admin).await
    })
    .await
}

/// `as_user` for a master admin.
pub async fn as_master_admin<T, F, Fut>(what: &'static str, work: F) -> Result<T, AppError>
where
    F: FnOnce(Call, MasterAdminCtx) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    as_user(|call, user| async move {
        let master = user.master_admin(&call.backend, what, call.now).await?;
        work(call, master).await
    })
    .await
}

/// The SMTP side of the process, for what the portal hands to it (a released message).
pub fn mail_plane() -> Result<std::sync::Arc<crate::backend::mail::smtp::Server>, AppError> {
    use_context::<std::sync::Arc<crate::backend::mail::smtp::Server>>()
        .ok_or_else(|| missing("the mail plane"))
}

fn missing(what: &str) -> AppError {
    tracing::error!("{what} missing from the server function context");
    AppError::Internal
}

/// Passes the result through, setting the response status from the error (403 for a
/// refused role, 400 for a bad field, …). Answers are never cached: some hold secrets.
pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    answer_with(result.as_ref().err());
    result
}

/// Marks the answer uncacheable, with the error's status when there is one.
fn answer_with(error: Option<&AppError>) {
    if let Some(options) = use_context::<ResponseOptions>() {
        options.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(e) = error {
            options.set_status(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
    }
}

/// `error`, with the response's status set from it: for a failure before the function
/// runs (its arguments could not be read), which would otherwise answer 500.
pub fn refuse(error: AppError) -> AppError {
    answer_with(Some(&error));
    error
}

/// Adds a `Set-Cookie` header to the answer.
pub fn set_cookie(value: &str) {
    if let (Some(options), Ok(v)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        options.append_header(header::SET_COOKIE, v);
    }
}
