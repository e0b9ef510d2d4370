//! Password hashing (argon2id, OWASP parameters) and the server's new-password rules.

use crate::{
    error::AppError,
    model::{password, EmailAddress},
};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::{collections::HashSet, fmt, sync::OnceLock};
use unicode_normalization::UnicodeNormalization;

/// An argon2id hash in PHC string form. Never serialised; `Debug` shows nothing of it.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_stored(s: String) -> Self {
        PasswordHash(s)
    }
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

/// OWASP's argon2id choice: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// NFKC, so that the same password typed on two keyboards hashes the same (NIST 800-63B).
fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

/// At most one argon2 run per CPU at a time. Each takes 19 MiB and tens of milliseconds; more
/// at once only queue up on the CPUs while their memory adds up (a flood of mail logins with
/// wrong passwords would otherwise grow the process by 19 MiB per waiting check).
fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cpus)
    })
}

/// Runs an argon2 computation on the blocking pool, within the CPU slots.
async fn run_argon2<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _slot = slots().acquire().await.map_err(|_| AppError::Internal)?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// Hashes on the blocking pool: argon2 takes tens of milliseconds of CPU.
pub async fn hash(password: &str) -> Result<PasswordHash, AppError> {
    let password = normalise(password);
    run_argon2(move || hash_blocking(&password)).await?
}

fn hash_blocking(normalised: &str) -> Result<PasswordHash, AppError> {
    let salt = argon2::password_hash::SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(normalised.as_bytes(), &salt)
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

/// A hash of a random password, verified against when the account does not exist so that
/// an unknown address costs the same time as a wrong password.
fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = super::token::Token::generate();
        hash_blocking(random.expose()).expect("hashing a random password works")
    })
}

/// Computes the dummy hash at start-up, so the first unknown address is not faster.
pub fn warm_up() {
    let _ = dummy_hash();
}

/// True when `password` matches `stored`. With no stored hash the dummy is checked and the
/// answer is false: the same work either way.
pub async fn verify(password: &str, stored: Option<&PasswordHash>) -> Result<bool, AppError> {
    let password = normalise(password);
    let (stored, real) = match stored {
        Some(h) => (h.clone(), true),
        None => (dummy_hash().clone(), false),
    };
    let ok = run_argon2(move || {
        argon2::PasswordHash::new(&stored.0)
            .map(|parsed| {
                hasher()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?;
    Ok(ok && real)
}

/// Common passwords (of 8 or more characters) from Django's list of 20,000, compiled by
/// Royce Williams (BSD licence), compared in lower case.
fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("common-passwords.txt").lines().collect())
}

/// The server's rules for a new password, reported against the form field `field`.
pub fn check_new(candidate: &str, owner: &EmailAddress, field: &str) -> Result<(), AppError> {
    let normalised = normalise(candidate);
    password::check_length(&normalised).map_err(|r| AppError::invalid(field, r))?;
    let lower = normalised.to_lowercase();
    if common_passwords().contains(lower.as_str()) {
        return Err(AppError::invalid(
            field,
            "This password is on a list of commonly used passwords. Choose another; a few unrelated words make a strong one.",
        ));
    }
    if lower == owner.as_str() || lower == owner.local_part() {
        return Err(AppError::invalid(
            field,
            "Do not use your email address as your password.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> EmailAddress {
        EmailAddress::parse("alice@example.org").unwrap()
    }

    #[tokio::test]
    async fn hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let h = hash("correct horse battery staple").await.unwrap();
        assert!(
            h.as_stored().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.as_stored()
        );
        assert!(verify("correct horse battery staple", Some(&h))
            .await
            .unwrap());
        assert!(!verify("correct horse battery stapler", Some(&h))
            .await
            .unwrap());
        assert_eq!(format!("{h:?}"), "PasswordHash(…)");
    }

    #[tokio::test]
    async fn unicode_forms_of_one_password_match() {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are one password after NFKC.
        let h = hash("caf\u{e9} au lait").await.unwrap();
        assert!(verify("cafe\u{301} au lait", Some(&h)).await.unwrap());
    }

    #[tokio::test]
    async fn long_passwords_are_not_truncated() {
        let a = "x".repeat(100) + "a";
        let b = "x".repeat(100) + "b";
        let h = hash(&a).await.unwrap();
        assert!(!verify(&b, Some(&h)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        assert!(!verify("anything at all", None).await.unwrap());
    }

    #[test]
    fn common_and_own_address_passwords_are_refused() {
        assert!(common_passwords().len() > 8000);
        let e = check_new("Password123", &owner(), "new_password").unwrap_err();
        assert_eq!(
            e.for_field("new_password")
                .unwrap()
                .contains("commonly used"),
            true
        );
        assert!(check_new("iloveyou2", &owner(), "p").is_err());
        assert!(check_new("alice@example.org", &owner(), "p").is_err());
        assert!(check_new("short", &owner(), "p").is_err());
        assert!(check_new(&"y".repeat(129), &owner(), "p").is_err());
        assert!(check_new("violet tram quietly sings", &owner(), "p").is_ok());
    }
}
