//! Password hashing (argon2id, OWASP parameters) and the server's new-password rules.

use crate::{
    error::AppError,
    model::{password, EmailAddress},
};
use argon2::{
    password_hash::{Output, ParamsString, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use rand::rngs::OsRng;
use std::{
    collections::HashSet,
    fmt,
    sync::{Mutex, OnceLock},
};
use subtle::ConstantTimeEq;
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

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// At most one argon2 run per CPU at a time. Each takes 19 MiB and tens of milliseconds; more
/// at once only queue up on the CPUs while their memory adds up (a flood of mail logins with
/// wrong passwords would otherwise grow the process by 19 MiB per waiting check).
fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(cpus()))
}

/// argon2's 19 MiB of working memory, kept between runs (at most one per slot). Allocated
/// afresh each time, the C allocator keeps a freed copy in each blocking thread's arena, and
/// the process grew by 19 MiB for every thread that had ever hashed. Reusing is safe: argon2
/// writes every block before it reads it.
fn with_memory<T>(blocks: usize, run: impl FnOnce(&mut [Block]) -> T) -> T {
    static KEPT: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
    let lock = || KEPT.lock().unwrap_or_else(|e| e.into_inner());
    let kept = lock().pop().filter(|m| m.len() == blocks);
    let mut memory = kept.unwrap_or_else(|| vec![Block::default(); blocks]);
    let answer = run(&mut memory);
    let mut kept = lock();
    if kept.len() < cpus() {
        kept.push(memory);
    }
    answer
}

/// Computes an argon2 hash of `password` into `out` in reused memory.
fn compute(argon: &Argon2, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let blocks = argon.params().block_count();
    with_memory(blocks, |m| {
        argon.hash_password_into_with_memory(password, salt, out, m)
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
    let failed = |e: &dyn fmt::Display| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    };
    let argon = hasher();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| failed(&e))?;
    let hash = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        compute(&argon, normalised.as_bytes(), salt_bytes, out).map_err(Into::into)
    })
    .map_err(|e| failed(&e))?;
    let phc = argon2::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    };
    Ok(PasswordHash(phc.to_string()))
}

/// Recomputes the stored hash's argon2 (with its own parameters) for `password` and
/// compares in constant time. A stored value that cannot be read never matches.
fn verify_blocking(password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = argon2::PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let version = parsed.version.map_or(Ok(Version::V0x13), Version::try_from);
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        version,
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    compute(&argon, password, salt_bytes, &mut out).is_ok()
        && bool::from(out.ct_eq(expected.as_bytes()))
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
    let ok = run_argon2(move || verify_blocking(password.as_bytes(), &stored.0)).await?;
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
    async fn hashes_stay_compatible_with_the_argon2_crates_own() {
        use argon2::{PasswordHasher, PasswordVerifier};
        // Stored by the crate's own hasher (as before memory was reused): still verifies.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = hasher().hash_password(b"rose fog ledger", &salt).unwrap();
        let theirs = PasswordHash::from_stored(theirs.to_string());
        assert!(verify("rose fog ledger", Some(&theirs)).await.unwrap());
        assert!(!verify("rose fog ledgers", Some(&theirs)).await.unwrap());
        // Ours verifies with the crate's own verifier.
        let ours = hash("rose fog ledger").await.unwrap();
        let parsed = argon2::PasswordHash::new(ours.as_stored()).unwrap();
        assert!(hasher()
            .verify_password(b"rose fog ledger", &parsed)
            .is_ok());
        // Other parameters are read from the stored value, not assumed.
        let light = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 3, 1, None).unwrap(),
        );
        let light = light.hash_password(b"rose fog ledger", &salt).unwrap();
        let light = PasswordHash::from_stored(light.to_string());
        assert!(verify("rose fog ledger", Some(&light)).await.unwrap());
        let garbled = PasswordHash::from_stored("$argon2id$v=19$m=19456$zz".into());
        assert!(!verify("rose fog ledger", Some(&garbled)).await.unwrap());
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
        assert!(e
            .for_field("new_password")
            .unwrap()
            .contains("commonly used"));
        assert!(check_new("iloveyou2", &owner(), "p").is_err());
        assert!(check_new("alice@example.org", &owner(), "p").is_err());
        assert!(check_new("short", &owner(), "p").is_err());
        assert!(check_new(&"y".repeat(129), &owner(), "p").is_err());
        assert!(check_new("violet tram quietly sings", &owner(), "p").is_ok());
    }
}
