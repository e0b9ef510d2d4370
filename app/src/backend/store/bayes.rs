//! The learned classifier's counts (see migration 0022).

use crate::backend::mail::bayes::Counts;
use sqlx::{SqliteConnection, SqlitePool};

/// Every token's counts, and how many messages of each class were learned.
pub async fn load(pool: &SqlitePool) -> Result<(Vec<(u64, Counts)>, Counts), sqlx::Error> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT token, spam, ham FROM bayes_tokens")
        .fetch_all(pool)
        .await?;
    let tokens = rows
        .into_iter()
        .map(|(t, s, h)| (t as u64, counts(s, h)))
        .collect();
    let (spam, ham): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(class = 'spam'), 0), COALESCE(SUM(class = 'ham'), 0) FROM bayes_messages",
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
pub async fn learned_as(
    conn: &mut SqliteConnection,
    digest: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT class FROM bayes_messages WHERE digest = $1")
        .bind(digest)
        .fetch_optional(conn)
        .await
}

/// Records a message as learned as `class` (or moved to it).
pub async fn mark(
    conn: &mut SqliteConnection,
    digest: &str,
    class: &str,
    by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
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
    conn: &mut SqliteConnection,
    tokens: &[u64],
    spam: i64,
    ham: i64,
) -> Result<(), sqlx::Error> {
    for token in tokens {
        sqlx::query(
            "INSERT INTO bayes_tokens (token, spam, ham) VALUES ($1, MAX($2, 0), MAX($3, 0)) \
             ON CONFLICT (token) DO UPDATE SET spam = MAX(spam + $2, 0), ham = MAX(ham + $3, 0)",
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
pub async fn learned_since(pool: &SqlitePool, by: &str, since: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM bayes_messages WHERE learned_by = $1 AND learned_at > $2",
    )
    .bind(by)
    .bind(since)
    .fetch_one(pool)
    .await
}
