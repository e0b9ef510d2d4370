//! One row per sign-in attempt, on every protocol.

use crate::model::time::UnixTime;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginResult {
    Success,
    BadCredentials,
    Throttled,
    /// The password was right; the second factor is still to come.
    SecondFactorPending,
    BadSecondFactor,
    BadPasskey,
}

impl LoginResult {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginResult::Success => "success",
            LoginResult::BadCredentials => "bad_credentials",
            LoginResult::Throttled => "throttled",
            LoginResult::SecondFactorPending => "second_factor_pending",
            LoginResult::BadSecondFactor => "bad_second_factor",
            LoginResult::BadPasskey => "bad_passkey",
        }
    }
}

/// The address as a login event records it: what was typed, trimmed, in lower case, and
/// cut to the longest address there can be (an unknown one is recorded too).
pub fn typed_address(typed: &str) -> String {
    typed.trim().to_lowercase().chars().take(254).collect()
}

pub struct LoginEvent<'a> {
    pub account_id: Option<i64>,
    pub email: &'a str,
    pub ip: &'a str,
    pub protocol: &'a str,
    pub result: LoginResult,
    /// The browser's User-Agent; for mail logins, the client's host name (`Client-Host`).
    pub user_agent: &'a str,
    /// The credential used, or the reason for a refusal.
    pub detail: &'a str,
}

pub async fn record(
    pool: &SqlitePool,
    e: LoginEvent<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    record_many(&mut *pool.acquire().await?, &[(now, e)]).await
}

/// Rows per INSERT: eight bound values each stays far below SQLite's limit of 32,766.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Stores events (each with its time) with one multi-row INSERT per thousand.
pub async fn record_many(
    db: &mut SqliteConnection,
    events: &[(UnixTime, LoginEvent<'_>)],
) -> Result<(), sqlx::Error> {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO login_events (at, account_id, email, ip, protocol, result, user_agent, detail) ",
        );
        insert.push_values(chunk, |mut row, (at, e)| {
            row.push_bind(*at)
                .push_bind(e.account_id)
                .push_bind(e.email)
                .push_bind(e.ip)
                .push_bind(e.protocol)
                .push_bind(e.result.as_str())
                .push_bind(e.user_agent)
                .push_bind(e.detail);
        });
        insert.build().execute(&mut *db).await?;
    }
    Ok(())
}

/// How many attempts with this result an account has (tests and statistics).
pub async fn count(
    pool: &SqlitePool,
    email: &str,
    result: LoginResult,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_events WHERE email = $1 AND result = $2")
        .bind(email)
        .bind(result.as_str())
        .fetch_one(pool)
        .await
}
