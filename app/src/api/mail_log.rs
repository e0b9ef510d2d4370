//! The Mail log screen: every signed-in person reads the log of mail addressed to them;
//! domain admins their domains', master admins all of it.

// One argument per filter, so that the filters are plain form fields and the address's
// query keys; the server macro repeats them in code it generates, where an item's allow is
// lost.
#![allow(clippy::too_many_arguments)]

use crate::{
    error::AppError,
    model::mail_log::{LogFilter, MailLog},
};
use leptos::prelude::*;

admin_fn! {
    /// One page of the log; every filter may be left out (empty means any).
    #[needs(Logs, Read)]
    #[server(endpoint = "mail-log/page")]
    pub async fn list_mail_log(
        #[server(default)] since: String,
        #[server(default)] until: String,
        #[server(default)] sender: String,
        #[server(default)] recipient: String,
        #[server(default)] client_ip: String,
        #[server(default)] subject: String,
        #[server(default)] verdict: String,
        #[server(default)] page: Option<i64>,
    ) -> Result<MailLog, AppError> {
        use crate::{api::ssr::as_user, backend::mail_log};
        let filter = LogFilter {
            since,
            until,
            sender,
            recipient,
            client_ip,
            subject,
            verdict,
        };
        as_user(|call, user| async move {
            mail_log::list(&call.backend, user, &filter, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Reports the logged message `id` as spam (`class` "spam") or not spam ("ham"); what was
    /// done, in words.
    #[needs(Antispam, Write)]
    #[server(endpoint = "mail-log/report")]
    pub async fn report_logged(id: i64, class: String) -> Result<String, AppError> {
        use crate::{api::ssr::as_user, backend::mail_log, model::learning::Class};
        as_user(|call, user| async move {
            let class = Class::parse(&class).map_err(|r| AppError::invalid("class", r))?;
            mail_log::report(&call.backend, user, id, class, call.now).await
        })
        .await
    }
}

/// The log for a filter as the Mail log screen holds it.
pub async fn mail_log_page(filter: LogFilter, page: i64) -> Result<MailLog, AppError> {
    let LogFilter {
        since,
        until,
        sender,
        recipient,
        client_ip,
        subject,
        verdict,
    } = filter;
    list_mail_log(
        since,
        until,
        sender,
        recipient,
        client_ip,
        subject,
        verdict,
        Some(page),
    )
    .await
}

#[cfg(feature = "ssr")]
pub use live::live_rows;

#[cfg(feature = "ssr")]
mod live {
    use crate::backend::{
        auth::ctx::{authenticate, needing, still_signed_in},
        mail_scope::reader,
        request::RequestMeta,
        store, Backend,
    };
    use crate::model::grant::{Access, Area, Need};
    use axum::{
        extract::{ConnectInfo, Request, State},
        http::{header, HeaderValue, StatusCode},
        response::{
            sse::{Event, KeepAlive, Sse},
            IntoResponse, Response,
        },
    };
    use futures::StreamExt;
    use std::{convert::Infallible, net::SocketAddr, time::Duration};
    use tokio::sync::{
        broadcast::{error::RecvError, Receiver},
        watch,
    };

    /// How often an open view checks that its session still holds (signed out, revoked,
    /// expired: the stream ends).
    const RECHECK: Duration = Duration::from_secs(30);

    struct View {
        backend: Backend,
        meta: RequestMeta,
        reader: store::reader::Reader,
        rows: Receiver<i64>,
        closing: watch::Receiver<bool>,
        /// When the session is checked next (however busy the log is).
        next_check: tokio::time::Instant,
    }

    /// `GET /events/mail-log`: server-sent events for the Mail log screen: `ready` once it
    /// is following; then each new log row the reader may see is an event `row` with its
    /// id, and `row` with `missed` says some were missed (the view fell behind). The page
    /// reloads its list on them.
    pub async fn live_rows(State(backend): State<Backend>, request: Request) -> Response {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let meta = RequestMeta::from_parts(&backend.settings, request.headers(), peer);
        let now = backend.clock.now();
        let opened = async {
            let user = authenticate(&backend, &meta, now).await?;
            let (_, reader, _) = reader(&backend, user, "read the mail log", now).await?;
            Ok::<_, crate::error::AppError>(reader)
        };
        let need = Need {
            area: Area::Logs,
            access: Access::Read,
        };
        let reader = match needing(need, opened).await {
            Ok(reader) => reader,
            Err(e) => {
                let status =
                    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return (status, e.to_string()).into_response();
            }
        };
        let (rows, closing) = backend.new_log_rows.subscribe();
        let view = View {
            rows,
            closing,
            backend,
            meta,
            reader,
            next_check: tokio::time::Instant::now() + RECHECK,
        };
        // `ready` first: the page says it is watching once the server is.
        let ready =
            futures::stream::once(async { Event::default().event("ready").data("following") });
        let rows = futures::stream::unfold(view, |mut view| async move {
            let event = next_event(&mut view).await?;
            Some((event, view))
        });
        let events = ready.chain(rows).map(Ok::<_, Infallible>);
        let mut response = Sse::new(events)
            .keep_alive(KeepAlive::default())
            .into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }

    /// The next event for the view; `None` ends the stream.
    async fn next_event(view: &mut View) -> Option<Event> {
        loop {
            let received = tokio::select! {
                received = tokio::time::timeout_at(view.next_check, view.rows.recv()) => received,
                _ = view.closing.wait_for(|closing| *closing) => return None,
            };
            let id = match received {
                Err(_elapsed) => {
                    let now = view.backend.clock.now();
                    if !still_signed_in(&view.backend, &view.meta, now).await {
                        return None;
                    }
                    view.next_check = tokio::time::Instant::now() + RECHECK;
                    continue;
                }
                Ok(Ok(id)) => id,
                Ok(Err(RecvError::Lagged(_))) => {
                    // An event with no data is never dispatched by a browser.
                    return Some(Event::default().event("row").data("missed"));
                }
                Ok(Err(RecvError::Closed)) => return None,
            };
            match store::mail_log::visible(&view.backend.pool, &view.reader, id).await {
                Ok(true) => return Some(Event::default().event("row").data(id.to_string())),
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "mail log live view: row not read");
                    return None;
                }
            }
        }
    }
}
