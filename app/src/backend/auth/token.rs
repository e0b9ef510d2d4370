//! Random tokens for cookies and links: 256 bits from the OS, stored only as SHA-256.

use crate::backend::store::db::Db;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::fmt;

/// A secret token as handed to the person (cookie value or link part). Never logged.
pub struct Token(String);

impl Token {
    /// 32 bytes from the operating system's generator, base64url without padding.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Token(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hash(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// The form a token is stored and looked up in. A fast hash is right here: the token has
/// 256 bits of entropy, so there is nothing to brute-force.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// True when the single-use link carrying `token` exists for `purpose`, is unused and has
/// not expired.
pub async fn link_is_usable(
    pool: &Db,
    token: &str,
    purpose: crate::backend::store::links::Purpose,
    now: crate::model::time::UnixTime,
) -> Result<bool, crate::error::AppError> {
    Ok(crate::backend::store::links::is_usable(pool, &hash(token), purpose, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_hashed() {
        let a = Token::generate();
        let b = Token::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43, "32 bytes in base64url");
        assert_eq!(a.hash().len(), 64);
        assert_ne!(a.hash(), a.expose());
        assert_eq!(format!("{a:?}"), "Token(…)");
    }
}
