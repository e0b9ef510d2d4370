//! The daily re-check of verified domains and domain aliases: when a domain's TXT record
//! has gone, its admins (and the master admins) are told once, by email and on the Domains
//! screen; nothing is suspended on its own. A failed lookup proves nothing and changes
//! nothing. When the record is back, the warning goes.

use super::{dns, notify::Notice, store, Backend};
use crate::{
    error::AppError,
    model::{domain, time::UnixTime, EmailAddress},
};

/// What one re-check found, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recheck {
    pub checked: usize,
    pub newly_missing: Vec<String>,
    pub back: Vec<String>,
    pub lookup_failed: Vec<String>,
}

pub async fn recheck_all(backend: &Backend, now: UnixTime) -> Result<Recheck, AppError> {
    let mut found = Recheck::default();
    for d in store::domains::verified(&backend.pool).await? {
        found.checked += 1;
        let token = d.verification_token.as_deref().unwrap_or_default();
        let texts = match dns::txt(&backend.settings, &d.name).await {
            Ok(texts) => texts,
            Err(e) => {
                tracing::warn!(domain = %d.name, error = %e, "domain re-check: DNS lookup failed");
                found.lookup_failed.push(d.name);
                continue;
            }
        };
        let present = domain::proves(&texts, token);
        let missing_since = match (present, d.record_missing_since) {
            (false, None) => Some(now),
            (true, Some(_)) => None,
            _ => continue,
        };
        // Another instance re-checking at the same time may have noted it first.
        if !store::domains::set_record_missing(&backend.pool, d.id, missing_since).await? {
            continue;
        }
        match missing_since {
            Some(_) => {
                warn_admins(backend, d.id, &d.name, token).await?;
                found.newly_missing.push(d.name);
            }
            None => found.back.push(d.name),
        }
    }
    Ok(found)
}

/// Emails the domain's admins (those of its main domain, for an alias) and the master
/// admins. A failed delivery is logged; the banner still shows.
async fn warn_admins(backend: &Backend, id: i64, name: &str, token: &str) -> Result<(), AppError> {
    let record = domain::verification_record(token);
    let body = format!(
        "The DNS TXT record that proves {name} belongs to this mail host is gone:\n\n\
         {record}\n\nMail for {name} is still accepted; nothing was suspended. If the domain \
         is still yours, publish the record again with your DNS provider. If it moved \
         elsewhere, remove it from the portal.\n\nPortal: {}/admin/domains\n",
        backend.settings.public_url
    );
    for to in store::domains::admins_to_warn(&backend.pool, id).await? {
        let Ok(to) = EmailAddress::parse(&to) else {
            continue;
        };
        let notice = Notice {
            to,
            subject: format!("The DNS record of {name} is gone"),
            body: body.clone(),
        };
        if let Err(e) = backend.notifier.deliver(notice).await {
            tracing::warn!(domain = name, error = %e, "could not send the missing-record warning");
        }
    }
    Ok(())
}
