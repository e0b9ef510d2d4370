//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of skew either way) and the
//! recovery codes that stand in for it.
//!
//! A code is good once: the step it matched is claimed with a conditional UPDATE, so of
//! any number of concurrent requests with one code exactly one succeeds. Wrong codes count
//! against the account's sign-in throttle, and a run of `LOCK_AFTER` of them locks the
//! codes until a recovery code or an admin unlocks them.

use super::{password, throttle};
use crate::{
    backend::{
        keys::Purpose,
        request::RequestMeta,
        store::{self, accounts::Account},
        Backend,
    },
    error::AppError,
    model::{
        time::UnixTime,
        two_factor::{group_by_four, SecondFactorCode, TotpOffer, RECOVERY_CODE_COUNT},
    },
};
use rand::{rngs::OsRng, RngCore};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

pub const STEP_SECS: i64 = 30;
/// Steps either side of now that are still accepted (device clocks drift).
pub const SKEW_STEPS: i64 = 1;
/// Wrong codes in a row after which codes are locked.
pub const LOCK_AFTER: i64 = 100;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// 80 bits per recovery code.
const RECOVERY_CODE_BYTES: usize = 10;
const ISSUER: &str = "Mail Portal";

/// Where codes are typed; errors are reported against this field.
pub const CODE_FIELD: &str = "code";

fn generator(secret: Vec<u8>, account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        SKEW_STEPS as u8,
        STEP_SECS as u64,
        secret,
        Some(ISSUER.into()),
        account.into(),
    )
}

/// The time step `code` belongs to, among now and `SKEW_STEPS` either side.
fn matching_step(totp: &TOTP, code: &str, now: UnixTime) -> Option<i64> {
    let current = now.div_euclid(STEP_SECS);
    (current - SKEW_STEPS..=current + SKEW_STEPS).find(|step| {
        let expected = totp.generate((step * STEP_SECS) as u64);
        bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
    })
}

/// The code an authenticator shows at `at` for `secret`: for tests and the set-up check.
pub fn code_at(secret: &[u8], at: UnixTime) -> String {
    generator(secret.to_vec(), "").generate(at as u64)
}

fn context(account_id: i64) -> Vec<u8> {
    account_id.to_be_bytes().to_vec()
}

/// Makes a new secret, seals it into the account's row (replacing an earlier offer) and
/// returns it for showing once. Fails when TOTP is already on.
pub async fn offer(
    backend: &Backend,
    account_id: i64,
    email: &str,
    now: UnixTime,
) -> Result<TotpOffer, AppError> {
    let mut secret = vec![0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut secret);
    let sealed = backend
        .key
        .seal(Purpose::TotpSecret, &context(account_id), &secret);
    if !store::totp::offer(&backend.pool, account_id, &sealed, now).await? {
        return Err(AppError::invalid(
            CODE_FIELD,
            "Two-factor authentication is already on for this account.",
        ));
    }
    let totp = generator(secret, email);
    let uri = totp.get_url();
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| {
            tracing::error!(error = %e, "QR code could not be drawn");
            AppError::Internal
        })?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let key = totp.get_secret_base32();
    let key_groups = group_by_four(&key, " ");
    Ok(TotpOffer {
        key_groups,
        uri,
        qr_svg,
    })
}

/// What proved the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Totp,
    /// A recovery code, with how many are left.
    RecoveryCode {
        left: i64,
    },
}

/// Whether an offered (not yet enabled) or an enabled factor is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Offered,
    Enabled,
}

/// Checks a typed code for `account` under the sign-in throttle (account and client IP).
/// A success clears the account's counter; a failure counts on it.
pub async fn check(
    backend: &Backend,
    meta: &RequestMeta,
    account: &Account,
    typed: &str,
    stage: Stage,
    now: UnixTime,
) -> Result<Proof, AppError> {
    let keys = throttle::keys(&account.email, &meta.ip);
    throttle::check(&backend.pool, &keys, now).await?;
    let code = SecondFactorCode::parse(typed).map_err(|r| AppError::invalid(CODE_FIELD, r))?;
    let result = match (&code, stage) {
        (SecondFactorCode::Totp(digits), _) => {
            check_totp(backend, account, digits, stage, now).await
        }
        (SecondFactorCode::Recovery(compact), Stage::Enabled) => {
            check_recovery_code(backend, account.id, compact, now).await
        }
        (SecondFactorCode::Recovery(_), Stage::Offered) => {
            return Err(AppError::invalid(
                CODE_FIELD,
                "Enter the 6-digit code your authenticator app shows now.",
            ))
        }
    };
    match result {
        Ok(proof) => {
            store::throttle::clear(&backend.pool, &keys[0].0).await?;
            Ok(proof)
        }
        Err(e) => {
            if matches!(e, AppError::Invalid { .. }) {
                throttle::record_failure(&backend.pool, &keys, now).await?;
            }
            Err(e)
        }
    }
}

async fn check_totp(
    backend: &Backend,
    account: &Account,
    digits: &str,
    stage: Stage,
    now: UnixTime,
) -> Result<Proof, AppError> {
    let factor = store::totp::find(&backend.pool, account.id)
        .await?
        .filter(|f| f.enabled_at.is_some() == (stage == Stage::Enabled))
        .ok_or_else(|| match stage {
            Stage::Enabled => AppError::invalid(
                CODE_FIELD,
                "Two-factor authentication is not on for this account.",
            ),
            Stage::Offered => AppError::invalid(
                CODE_FIELD,
                "Start again: choose “Set up two-factor authentication”.",
            ),
        })?;
    if factor.locked_at.is_some() {
        return Err(AppError::invalid(
            CODE_FIELD,
            format!(
                "Authenticator codes are locked after {LOCK_AFTER} wrong attempts. Use a recovery code, \
                 or ask your administrator to unlock them."
            ),
        ));
    }
    let secret = backend
        .key
        .open(
            Purpose::TotpSecret,
            &context(account.id),
            &factor.secret_sealed,
        )
        .map_err(|e| {
            tracing::error!(account = %account.email, error = %e, "TOTP secret unreadable");
            AppError::Internal
        })?;
    let step = matching_step(&generator(secret, &account.email), digits, now);
    let refused = match step {
        Some(step) => {
            let mut conn = backend.pool.acquire().await?;
            if store::totp::claim_step(&mut conn.conn(), account.id, step).await? {
                return Ok(Proof::Totp);
            }
            "That code was already used. Wait for your app to show the next one, then enter it."
        }
        None => {
            "That code is not correct. Codes change every 30 seconds: enter the newest one, and check \
             that your device's clock is set automatically."
        }
    };
    let run = store::totp::record_failure(&backend.pool, account.id, LOCK_AFTER, now).await?;
    if run >= LOCK_AFTER {
        tracing::warn!(account = %account.email, "authenticator codes locked after repeated failures");
    }
    Err(AppError::invalid(CODE_FIELD, refused))
}

/// A recovery code is compared with every unused hash (argon2id, so a stolen database does
/// not give them away); the one that matches is used up, and the codes are unlocked.
async fn check_recovery_code(
    backend: &Backend,
    account_id: i64,
    compact: &str,
    now: UnixTime,
) -> Result<Proof, AppError> {
    for unused in store::recovery_codes::unused(&backend.pool, account_id).await? {
        let stored = password::PasswordHash::from_stored(unused.code_hash);
        if password::verify(compact, Some(&stored)).await?
            && store::recovery_codes::use_once(&backend.pool, unused.id, now).await?
        {
            store::totp::unlock(&backend.pool, account_id).await?;
            let left = store::recovery_codes::count_unused(&backend.pool, account_id).await?;
            return Ok(Proof::RecoveryCode { left });
        }
    }
    Err(AppError::invalid(
        CODE_FIELD,
        "That recovery code is not correct, or it was already used.",
    ))
}

/// A fresh set of recovery codes, as shown to the person, and their hashes for the store.
pub async fn new_recovery_codes() -> Result<(Vec<String>, Vec<String>), AppError> {
    let mut shown = Vec::with_capacity(RECOVERY_CODE_COUNT);
    let mut hashes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    for _ in 0..RECOVERY_CODE_COUNT {
        let mut bytes = [0u8; RECOVERY_CODE_BYTES];
        OsRng.fill_bytes(&mut bytes);
        let compact = base32::encode(base32::Alphabet::Rfc4648Lower { padding: false }, &bytes);
        hashes.push(password::hash(&compact).await?.as_stored().to_string());
        shown.push(group_by_four(&compact, "-"));
    }
    Ok((shown, hashes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, truncated to 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 2_000_000_000), "279037");
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let secret = b"12345678901234567890";
        let totp = generator(secret.to_vec(), "a@example.test");
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at(secret, now + offset * STEP_SECS);
            assert_eq!(
                matching_step(&totp, &code, now),
                accepted.then_some(step + offset),
                "offset {offset}"
            );
        }
    }
}
