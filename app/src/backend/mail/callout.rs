//! Recipient callouts: before taking mail this server only relays (a relay domain's, or
//! SDR's for an address without a mailbox here), it asks the destination with RCPT whether
//! the recipient exists, and refuses an unknown one at RCPT. Otherwise such mail would be
//! taken, then bounced by the destination to a sender that is usually forged (backscatter).
//!
//! Answers are kept: a yes for a day, a no for two hours (an address may be created soon
//! after mail to it first bounced). A destination that cannot answer now (4xx, no
//! connection, too slow) leaves the recipient taken: the queue deals with it, and a
//! passing outage does not turn into refused mail.

use super::{
    outbound::{self, Errand, Outcome},
    queue::route_hosts,
    recipients::{Resolved, Target, Via},
    smtp::Server,
};
use crate::{backend::store, model::route::Destination};
use std::time::Duration;

const KNOWN_FOR: i64 = 86_400;
const UNKNOWN_FOR: i64 = 2 * 3600;
/// The refusal of an unknown recipient. The destination's own words are kept for the
/// cache, not passed on: they may hold anything.
const UNKNOWN: &str =
    "550 5.1.1 No such user here (the destination server does not know this address)";
/// The longest a sender's RCPT waits for the destination's answer.
const DEADLINE: Duration = Duration::from_secs(20);

/// `Some(reply)` when the destination says it does not know the recipient.
pub async fn refusal(server: &Server, recipient: &Resolved) -> Result<Option<String>, sqlx::Error> {
    // Only a recipient this server merely relays is asked about.
    let [Target::Remote { address, via }] = recipient.targets.as_slice() else {
        return Ok(None);
    };
    let pool = &server.backend.pool;
    let domain_id = recipient.domain_id;
    let hosts = match via {
        Via::Routes { .. } => route_hosts(pool, domain_id).await?,
        Via::Sdr { destination, .. } => Destination::parse(destination).into_iter().collect(),
        Via::Forward => return Ok(None),
    };
    if hosts.is_empty() || !store::callouts::enabled(pool, domain_id).await? {
        return Ok(None);
    }
    let now = server.backend.clock.now();
    if let Some((known, _, at)) = store::callouts::cached(pool, domain_id, address).await? {
        let fresh_for = if known { KNOWN_FOR } else { UNKNOWN_FOR };
        if now - at < fresh_for {
            return Ok((!known).then(|| UNKNOWN.to_string()));
        }
    }
    let allow_local =
        store::portal_settings::get(pool, store::portal_settings::Switch::AllowLocalRoutes).await?;
    let asked = outbound::exchange(
        &server.backend.settings,
        &server.hostname,
        &hosts,
        allow_local,
        address,
        Errand::Ask,
    );
    let (known, reply) = match tokio::time::timeout(DEADLINE, asked).await {
        Ok(Outcome::Delivered(reply)) => (true, reply),
        Ok(Outcome::Permanent(reply)) => (false, reply),
        Ok(Outcome::Transient(reason)) => {
            tracing::info!(%address, %reason, "callout could not be answered; the recipient is taken");
            return Ok(None);
        }
        Err(_) => {
            tracing::info!(%address, "callout timed out; the recipient is taken");
            return Ok(None);
        }
    };
    store::callouts::remember(pool, domain_id, address, known, &reply, now).await?;
    Ok((!known).then(|| UNKNOWN.to_string()))
}
