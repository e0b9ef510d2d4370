//! Sign-in throttling: one failure counter per account (keyed by the address typed, so
//! unknown addresses behave like known ones) and one per client IP.
//!
//! After a few free failures each further one doubles the wait before the next attempt,
//! up to 15 minutes; over 100 failures within an hour block until the hour is over. Nothing
//! is permanent, so a stranger cannot lock an owner out for good, and a new IP does not
//! reset an account's counter. A success clears the account's counter only.

use crate::backend::store::db::Db;
use crate::{backend::store::throttle as store, error::AppError, model::time::UnixTime};

/// Counters start afresh after this long.
pub const WINDOW_SECS: i64 = 3600;
/// The longest wait between attempts.
pub const MAX_DELAY_SECS: i64 = 15 * 60;
/// The first wait once the free failures are used.
pub const FIRST_DELAY_SECS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before any wait.
    pub free_failures: i64,
    /// Failures within a window after which attempts wait for the window's end.
    pub window_cap: i64,
}

/// Per account: ASVS asks for at most 100 failed attempts an hour.
pub const ACCOUNT: Policy = Policy {
    free_failures: 5,
    window_cap: 100,
};
/// Per client IP: looser, for offices behind one address.
pub const IP: Policy = Policy {
    free_failures: 20,
    window_cap: 300,
};

/// A burst: this many refused mail logins (wrong, throttled or malformed) from one client
/// IP within `BURST_WINDOW_SECS` block the IP for `BLOCK_SECS`. Far above what people
/// behind one address mistype, and counted on throttled attempts too: a client that keeps
/// going while told to wait is a machine.
pub const BURST_ATTEMPTS: i64 = 30;
pub const BURST_WINDOW_SECS: i64 = 60;
pub const BLOCK_SECS: i64 = 15 * 60;

pub fn account_key(typed_email: &str) -> String {
    format!("account:{}", typed_email.trim().to_lowercase())
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// The two counters a password or code check goes under: the account's (by the address
/// typed) and the client IP's.
pub fn keys(typed_email: &str, ip: &str) -> [(String, Policy); 2] {
    [(account_key(typed_email), ACCOUNT), (ip_key(ip), IP)]
}

/// Seconds to wait before the next attempt may be checked, or `None` when it may be now.
pub fn wait(policy: Policy, counter: Option<store::Counter>, now: UnixTime) -> Option<u64> {
    let c = counter?;
    if c.window_started_at + WINDOW_SECS <= now {
        return None;
    }
    let until = if c.failures >= policy.window_cap {
        c.window_started_at + WINDOW_SECS
    } else if c.failures >= policy.free_failures {
        let doublings = (c.failures - policy.free_failures).min(16) as u32;
        c.last_failure_at + (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS)
    } else {
        return None;
    };
    (until > now).then(|| (until - now) as u64)
}

/// Refuses the attempt when any of the keys must still wait; the longest wait is reported.
pub async fn check(pool: &Db, keys: &[(String, Policy)], now: UnixTime) -> Result<(), AppError> {
    let mut longest = None;
    for (key, policy) in keys {
        if let Some(w) = wait(*policy, store::get(pool, key).await?, now) {
            longest = longest.max(Some(w));
        }
    }
    match longest {
        Some(retry_after_secs) => Err(AppError::Throttled { retry_after_secs }),
        None => Ok(()),
    }
}

/// The longest wait any of the keys now asks for, if any.
pub async fn wait_for(
    pool: &Db,
    keys: &[(String, Policy)],
    now: UnixTime,
) -> Result<Option<u64>, AppError> {
    match check(pool, keys, now).await {
        Ok(()) => Ok(None),
        Err(AppError::Throttled { retry_after_secs }) => Ok(Some(retry_after_secs)),
        Err(e) => Err(e),
    }
}

pub async fn record_failure(
    pool: &Db,
    keys: &[(String, Policy)],
    now: UnixTime,
) -> Result<(), AppError> {
    for (key, _) in keys {
        store::record_failure(pool, key, now, WINDOW_SECS).await?;
    }
    Ok(())
}

/// Counts a refused mail login from `ip`; at a burst, blocks the IP and says until when.
pub async fn record_ip_burst(
    pool: &Db,
    ip: &str,
    now: UnixTime,
) -> Result<Option<UnixTime>, AppError> {
    let key = format!("burst:{ip}");
    let attempts = store::record_failure(pool, &key, now, BURST_WINDOW_SECS).await?;
    if attempts < BURST_ATTEMPTS {
        return Ok(None);
    }
    let until = now + BLOCK_SECS;
    let reason = format!("{attempts} refused mail logins within {BURST_WINDOW_SECS} seconds");
    crate::backend::store::ip_blocks::block(pool, ip, now, until, attempts, &reason).await?;
    store::clear(pool, &key).await?;
    tracing::warn!(%ip, attempts, "client IP blocked after a burst of refused mail logins");
    Ok(Some(until))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(failures: i64, started: i64, last: i64) -> Option<store::Counter> {
        Some(store::Counter {
            failures,
            window_started_at: started,
            last_failure_at: last,
        })
    }

    #[test]
    fn free_failures_do_not_wait() {
        assert_eq!(wait(ACCOUNT, None, 1000), None);
        assert_eq!(wait(ACCOUNT, counter(4, 900, 1000), 1000), None);
    }

    #[test]
    fn waits_grow_and_are_capped() {
        assert_eq!(wait(ACCOUNT, counter(5, 900, 1000), 1000), Some(30));
        assert_eq!(wait(ACCOUNT, counter(6, 900, 1000), 1000), Some(60));
        assert_eq!(wait(ACCOUNT, counter(7, 900, 1000), 1010), Some(110));
        assert_eq!(wait(ACCOUNT, counter(20, 900, 1000), 1000), Some(900));
        assert_eq!(
            wait(ACCOUNT, counter(5, 900, 1000), 1030),
            None,
            "the wait is over"
        );
    }

    #[test]
    fn the_hourly_cap_blocks_until_the_window_ends_and_no_longer() {
        assert_eq!(wait(ACCOUNT, counter(100, 1000, 1000), 2000), Some(2600));
        assert_eq!(wait(ACCOUNT, counter(100, 1000, 1000), 4600), None);
    }

    #[test]
    fn keys_ignore_case_and_space() {
        assert_eq!(
            account_key(" Alice@Example.org "),
            "account:alice@example.org"
        );
    }
}
