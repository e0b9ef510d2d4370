//! The portal over HTTPS, when the configuration names a certificate: TLS in the process,
//! for a host without a reverse proxy in front.
//!
//! Each connection's handshake runs in its own task, bounded in time, so a client that
//! stalls mid-handshake holds up no one else. The certificate is the one `Tls` holds, so a
//! renewal is picked up by the next handshake (at once on SIGHUP).

use app::backend::mail::smtp::tls::Tls;
use axum::Router;
use hyper_util::{rt::TokioIo, server::graceful::GracefulShutdown, service::TowerToHyperService};
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;
use tower::Service;

/// A handshake not done by then is dropped.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long requests under way may go on after shutdown was asked for.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `app` over TLS on `listener` until `shutdown` completes, then lets the requests
/// under way finish (for at most `DRAIN`).
pub async fn serve(
    listener: TcpListener,
    tls: Arc<Tls>,
    app: Router,
    shutdown: impl Future<Output = ()>,
) {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = GracefulShutdown::new();
    let http = hyper::server::conn::http1::Builder::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "HTTPS accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tcp.set_nodelay(true).ok();
        let Ok(service) = make_service.call(peer).await;
        let acceptor = tls.acceptor();
        let watcher = graceful.watcher();
        let http = http.clone();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let connection =
                http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(%peer, error = %e, "HTTPS connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("HTTPS connections still open after shutdown were closed");
    }
}
