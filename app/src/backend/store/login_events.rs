//! One row per sign-in attempt, on every protocol.

use crate::backend::store::db::{self, Builder, Conn, Db};
use crate::model::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginResult {
    Success,
    BadCredentials,
    Throttled,
    /// The password was right; the second factor is still to come.
    SecondFactorPending,
    BadSecondFactor,
    BadPasskey,
    /// An admin's credentials were right, from an address not in the admin IP access list.
    AdminIpRefused,
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
            LoginResult::AdminIpRefused => "admin_ip_refused",
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
    /// What the login proved itself with (`Credential::as_str`); "" when it got no further
    /// than the address.
    pub credential: &'a str,
    /// The IP's country code; "" when unknown.
    pub country: &'a str,
}

/// Stores one event; true when it is a login from a country new to the account.
pub async fn record(pool: &Db, e: LoginEvent<'_>, now: UnixTime) -> Result<bool, sqlx::Error> {
    let new = record_many(&mut pool.acquire().await?.conn(), &[(now, e)]).await?;
    Ok(!new.is_empty())
}

/// Rows per INSERT. Preparing a statement costs more than linearly in its placeholders
/// (SQLite looks each `$n` up among those before it): 1,000 rows of ten values took about
/// 0.2 s to prepare, and a batch's last, odd-sized statement is prepared afresh each time.
/// At 32 rows every full statement is the same cached one, and the odd one is cheap.
const ROWS_PER_STATEMENT: usize = 32;

/// Stores events (each with its time) with one multi-row INSERT per 32; answers the
/// positions of the successful logins from a country new to their account (see
/// `remember_countries`).
pub async fn record_many(
    db: &mut Conn<'_>,
    events: &[(UnixTime, LoginEvent<'_>)],
) -> Result<Vec<usize>, sqlx::Error> {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut insert: Builder<'_> = Builder::new(
            "INSERT INTO login_events \
             (at, account_id, email, ip, protocol, result, user_agent, detail, credential, country) ",
        );
        insert.push_values(chunk, |mut row, (at, e)| {
            row.push_bind(*at)
                .push_bind(e.account_id)
                .push_bind(e.email)
                .push_bind(e.ip)
                .push_bind(e.protocol)
                .push_bind(e.result.as_str())
                .push_bind(e.user_agent)
                .push_bind(e.detail)
                .push_bind(e.credential)
                .push_bind(e.country);
        });
        insert.build().execute(&mut *db).await?;
    }
    remember_countries(db, events).await
}

/// Adds the countries of successful logins to their accounts' known countries (once per
/// account and country in a batch: a busy mail app logs in from one place many times), and
/// answers the positions of those that were news: a country added to an account that had
/// others already. An account's first country is where it starts, not news.
async fn remember_countries(
    db: &mut Conn<'_>,
    events: &[(UnixTime, LoginEvent<'_>)],
) -> Result<Vec<usize>, sqlx::Error> {
    let mut seen = std::collections::HashSet::new();
    let mut news = Vec::new();
    for (i, (at, e)) in events.iter().enumerate() {
        let Some(account_id) = e.account_id else {
            continue;
        };
        if e.result != LoginResult::Success || e.country.is_empty() {
            continue;
        }
        if !seen.insert((account_id, e.country)) {
            continue;
        }
        let added = db::query(
            "INSERT INTO login_countries (account_id, country, first_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(account_id)
        .bind(e.country)
        .bind(*at)
        .execute(&mut *db)
        .await?
        .rows_affected()
            == 1;
        if added {
            let known: i64 =
                db::query_scalar("SELECT count(*) FROM login_countries WHERE account_id = $1")
                    .bind(account_id)
                    .fetch_one(&mut *db)
                    .await?;
            if known > 1 {
                news.push(i);
            }
        }
    }
    Ok(news)
}

/// A login as the history lists show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredLogin {
    pub id: i64,
    pub at: UnixTime,
    pub ip: String,
    pub country: String,
    pub protocol: String,
    pub credential: String,
    pub result: String,
    pub user_agent: String,
}

/// The account's newest `limit` logins, every protocol and result.
pub async fn recent(
    pool: &Db,
    account_id: i64,
    limit: i64,
) -> Result<Vec<StoredLogin>, sqlx::Error> {
    db::query_as(
        "SELECT id, at, ip, country, protocol, credential, result, user_agent FROM login_events \
         WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Where an account signed in from, once per IP and country, with the latest time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SuccessPlace {
    pub account_id: i64,
    pub ip: String,
    pub country: String,
    pub last_at: UnixTime,
}

/// The successful logins since `since` with a known country, by account, IP and country,
/// for the accounts of `domains` (every account for `None`).
pub async fn success_places(
    pool: &Db,
    since: UnixTime,
    domains: Option<&[i64]>,
) -> Result<Vec<SuccessPlace>, sqlx::Error> {
    let mut b: Builder<'_> = Builder::new(
        "SELECT e.account_id, e.ip, e.country, max(e.at) AS last_at FROM login_events e",
    );
    if domains.is_some() {
        b.push(" JOIN accounts a ON a.id = e.account_id");
    }
    b.push(" WHERE e.result = 'success' AND e.at >= ")
        .push_bind(since)
        .push(" AND e.country <> '' AND e.account_id IS NOT NULL");
    if let Some(ids) = domains {
        b.push(" AND a.domain_id IN ").push_ids(ids);
    }
    b.push(" GROUP BY e.account_id, e.ip, e.country");
    b.build_query_as().fetch_all(pool).await
}

/// How many attempts with this result an account has (tests and statistics).
pub async fn count(pool: &Db, email: &str, result: LoginResult) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT COUNT(*) FROM login_events WHERE email = $1 AND result = $2")
        .bind(email)
        .bind(result.as_str())
        .fetch_one(pool)
        .await
}
