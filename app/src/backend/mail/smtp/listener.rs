//! The accept loop: one task per connection, at most `max_connections` at once; on
//! shutdown it stops accepting and gives the connections under way time to finish.

use super::{
    session::{self, Mode},
    Server,
};
use std::{future::Future, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::Semaphore, task::JoinSet};

/// How long connections under way may go on after shutdown was asked for.
const DRAIN: Duration = Duration::from_secs(30);

pub async fn serve(
    server: Arc<Server>,
    listener: TcpListener,
    mode: Mode,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(server.limits.max_connections));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "SMTP accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        stream.set_nodelay(true).ok();
        let server = server.clone();
        connections.spawn(async move {
            let _open = server.backend.metrics.smtp_session(mode);
            if let Err(e) = session::run(&server, stream, peer.ip(), mode).await {
                tracing::debug!(%peer, error = %e, "SMTP connection ended with an error");
            }
            drop(permit);
        });
        // Collect finished tasks so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            "SMTP connections still open after shutdown were closed"
        );
        connections.shutdown().await;
    }
}
