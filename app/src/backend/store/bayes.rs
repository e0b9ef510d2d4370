//! The learned classifier's counts (see migration 0022).

use crate::backend::mail::bayes::Counts;
use crate::backend::store::db::{self, Conn, Db};

/// Every token's counts, and how many messages of each class were learned.
pub async fn load(pool: &Db) -> Result<(Vec<(u64, Counts)>, Counts), sqlx::Error> {
    let rows: Vec<(i64, i64, i64)> = db::query_as("SELECT token, spam, ham FROM bayes_tokens")
        .fetch_all(pool)
        .await?;
    let tokens = rows
        .into_iter()
        .map(|(t, s, h)| (t as u64, counts(s, h)))
        .collect();
    let (spam, ham): (i64, i64) = db::query_as(
        "SELECT COUNT(CASE WHEN class = 'spam' THEN 1 END), \
                COUNT(CASE WHEN class = 'ham' THEN 1 END) FROM bayes_messages",
    )
    .fetch_one(pool)
    .await?;
    Ok((tokens, counts(spam, ham)))
}

fn counts(spam: i64, ham: i64) -> Counts {
    Counts {
        spam: u32::try_from(spam).unwrap_or(u32::MAX),
        ham: u32::try_from(ham).unwrap_or(u32::MAX),
    }
}

/// The class a message was learned as, if it was.
pub async fn learned_as(conn: &mut Conn<'_>, digest: &str) -> Result<Option<String>, sqlx::Error> {
    db::query_scalar("SELECT class FROM bayes_messages WHERE digest = $1")
        .bind(digest)
        .fetch_optional(conn)
        .await
}

/// Records a message as learned as `class` (or moved to it).
pub async fn mark(
    conn: &mut Conn<'_>,
    digest: &str,
    class: &str,
    by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO bayes_messages (digest, class, learned_by, learned_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (digest) DO UPDATE SET class = excluded.class, \
         learned_by = excluded.learned_by, learned_at = excluded.learned_at",
    )
    .bind(digest)
    .bind(class)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds `spam` and `ham` (each +1, 0 or -1) to every token's counts.
pub async fn count(
    conn: &mut Conn<'_>,
    tokens: &[u64],
    spam: i64,
    ham: i64,
) -> Result<(), sqlx::Error> {
    for token in tokens {
        db::query(
            // Counts never go below zero (unlearning more than was learned). SQLite's
            // two-argument MAX is PostgreSQL's GREATEST; CASE is both's.
            "INSERT INTO bayes_tokens (token, spam, ham) \
             VALUES ($1, CASE WHEN $2 > 0 THEN $2 ELSE 0 END, CASE WHEN $3 > 0 THEN $3 ELSE 0 END) \
             ON CONFLICT (token) DO UPDATE SET \
             spam = CASE WHEN bayes_tokens.spam + $2 > 0 THEN bayes_tokens.spam + $2 ELSE 0 END, \
             ham = CASE WHEN bayes_tokens.ham + $3 > 0 THEN bayes_tokens.ham + $3 ELSE 0 END",
        )
        .bind(*token as i64)
        .bind(spam)
        .bind(ham)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// How many messages `by` had learned (or moved) since `since`.
pub async fn learned_since(pool: &Db, by: &str, since: i64) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "SELECT count(*) FROM bayes_messages WHERE learned_by = $1 AND learned_at > $2",
    )
    .bind(by)
    .bind(since)
    .fetch_one(pool)
    .await
}
