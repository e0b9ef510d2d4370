//! The Statistics screen: a domain admin's domains' counts (each, or all together), a
//! master admin's every domain's (and the total, with mail of no domain of ours).

use super::{
    auth::ctx::UserCtx,
    mail_scope::reader,
    store::{self, reader::Reader, stats::Domains},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        mail_log::Verdict,
        stats::{Bucket, Class, Period, Stats},
        time::UnixTime,
    },
};

pub async fn read(
    backend: &Backend,
    user: UserCtx,
    domain: Option<i64>,
    period: Period,
    now: UnixTime,
) -> Result<Stats, AppError> {
    const WHAT: &str = "read the mail statistics";
    let (user, reader, domains) = reader(backend, user, WHAT, now).await?;
    let counted = match (&reader, domain) {
        (Reader::Address(_), _) => return Err(user.deny(backend, WHAT, now).await),
        (_, Some(id)) if domains.iter().any(|(d, _)| *d == id) => Domains::Only(vec![id]),
        (Reader::All, Some(_)) => return Err(AppError::NotFound),
        (_, Some(id)) => {
            let what = format!("read the statistics of the domain with id {id}, not one of theirs");
            return Err(user.deny(backend, &what, now).await);
        }
        (Reader::All, None) => Domains::All,
        (_, None) => Domains::Only(domains.iter().map(|(id, _)| *id).collect()),
    };
    let spans = period.buckets(now);
    let (since, until) = (spans[0].0, spans[spans.len() - 1].1);
    let grain = if period == Period::Hours {
        3600
    } else {
        86_400
    };
    let sums = store::stats::sums(&backend.pool, &counted, since, until, grain).await?;
    let mut buckets: Vec<Bucket> = spans
        .iter()
        .map(|(start, _)| Bucket {
            start: *start,
            ..Bucket::default()
        })
        .collect();
    for (start, verdict, messages, bytes) in sums {
        let Some(verdict) = Verdict::parse(&verdict) else {
            continue;
        };
        // The bucket whose span holds this hour or day (spans are consecutive).
        let at = spans.partition_point(|(_, end)| *end <= start);
        if let Some(bucket) = buckets.get_mut(at) {
            bucket.add(Class::of(verdict), messages, bytes);
        }
    }
    Ok(Stats {
        period,
        domain,
        domains,
        buckets,
    })
}
