//! Antispam thresholds (global and per domain) and greylisting triplets.

use crate::backend::store::db::{self, Db};
use crate::model::{antispam::Thresholds, time::UnixTime};

fn thresholds(row: (f64, f64, f64)) -> Result<Thresholds, sqlx::Error> {
    Thresholds::new(row.0, row.1, row.2).map_err(|(_, e)| sqlx::Error::Decode(e.into()))
}

pub async fn global(pool: &Db) -> Result<Thresholds, sqlx::Error> {
    let row: (f64, f64, f64) =
        db::query_as("SELECT spam_defer, spam_tag, spam_reject FROM antispam_global WHERE id = 1")
            .fetch_one(pool)
            .await?;
    thresholds(row)
}

pub async fn set_global(pool: &Db, t: &Thresholds) -> Result<(), sqlx::Error> {
    db::query(
        "UPDATE antispam_global SET spam_defer = $1, spam_tag = $2, spam_reject = $3 WHERE id = 1",
    )
    .bind(t.defer())
    .bind(t.tag())
    .bind(t.reject())
    .execute(pool)
    .await?;
    Ok(())
}

/// The domain's own thresholds; `None` when it uses the global ones.
pub async fn of_domain(pool: &Db, domain_id: i64) -> Result<Option<Thresholds>, sqlx::Error> {
    let row: Option<(Option<f64>, Option<f64>, Option<f64>)> =
        db::query_as("SELECT spam_defer, spam_tag, spam_reject FROM domains WHERE id = $1")
            .bind(domain_id)
            .fetch_optional(pool)
            .await?;
    match row {
        Some((Some(d), Some(t), Some(r))) => thresholds((d, t, r)).map(Some),
        _ => Ok(None),
    }
}

/// Sets the domain's own thresholds, or (`None`) returns it to the global ones.
pub async fn set_domain(
    pool: &Db,
    domain_id: i64,
    t: Option<&Thresholds>,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE domains SET spam_defer = $1, spam_tag = $2, spam_reject = $3 WHERE id = $4")
        .bind(t.map(|t| t.defer()))
        .bind(t.map(|t| t.tag()))
        .bind(t.map(|t| t.reject()))
        .bind(domain_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The thresholds that judge the domain's mail: its own, else the global ones.
pub async fn effective(pool: &Db, domain_id: i64) -> Result<Thresholds, sqlx::Error> {
    match of_domain(pool, domain_id).await? {
        Some(t) => Ok(t),
        None => global(pool).await,
    }
}

/// Records an attempt of the triplet at `now`; true when it may pass: it was first seen at
/// least `delay` seconds ago (or passed before), and within `window` seconds of that. A
/// retry after the window counts as a new first attempt.
pub async fn greylist_passes(
    pool: &Db,
    net: &str,
    sender: &str,
    recipient: &str,
    now: UnixTime,
    delay: i64,
    window: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = super::write(pool).await?;
    // Two instances seeing the same triplet's retry at once would each decide on the row
    // as it was.
    tx.serialize(&format!("greylist {net} {sender} {recipient}"))
        .await?;
    let row: Option<(i64, Option<i64>)> = db::query_as(
        "SELECT first_seen, passed_at FROM greylist \
         WHERE client_net = $1 AND sender = $2 AND recipient = $3",
    )
    .bind(net)
    .bind(sender)
    .bind(recipient)
    .fetch_optional(&mut tx.conn())
    .await?;
    let (first_seen, passes) = match row {
        Some((first, Some(_))) => (first, true),
        Some((first, None)) if now - first <= window => (first, now - first >= delay),
        _ => (now, false),
    };
    db::query(
        "INSERT INTO greylist (client_net, sender, recipient, first_seen, passed_at, last_seen) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (client_net, sender, recipient) DO UPDATE SET \
         first_seen = excluded.first_seen, \
         passed_at = COALESCE(greylist.passed_at, excluded.passed_at), \
         last_seen = excluded.last_seen",
    )
    .bind(net)
    .bind(sender)
    .bind(recipient)
    .bind(first_seen)
    .bind(passes.then_some(now))
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    tx.commit().await?;
    Ok(passes)
}

/// Forgets the triplets not seen for `idle` seconds, and first attempts not retried within
/// `window`; how many.
pub async fn purge_greylist(
    pool: &Db,
    now: UnixTime,
    window: i64,
    idle: i64,
) -> Result<u64, sqlx::Error> {
    Ok(db::query(
        "DELETE FROM greylist WHERE last_seen < $1 - $3 \
         OR (passed_at IS NULL AND first_seen < $1 - $2)",
    )
    .bind(now)
    .bind(window)
    .bind(idle)
    .execute(pool)
    .await?
    .rows_affected())
}
