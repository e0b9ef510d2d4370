//! The password rules every form shows and the server enforces (NIST SP 800-63B):
//! a length range and nothing else here. The server also refuses passwords found on a
//! list of common ones, which is too large to ship to the browser.

/// Fewest characters accepted.
pub const MIN_CHARS: usize = 8;
/// Most characters accepted; longer input is refused, never truncated.
pub const MAX_CHARS: usize = 128;
/// The length the forms recommend.
pub const RECOMMENDED_CHARS: usize = 15;

/// The hint shown under every new-password field.
pub const HINT: &str = "8 to 128 characters. A passphrase of 15 or more is best; \
    spaces and any characters are welcome.";

/// Checks the length rule, counting characters (not bytes).
pub fn check_length(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n == 0 {
        Err("Enter a password.".into())
    } else if n < MIN_CHARS {
        Err(format!("Use at least {MIN_CHARS} characters ({n} so far)."))
    } else if n > MAX_CHARS {
        Err(format!("Use at most {MAX_CHARS} characters ({n} entered)."))
    } else {
        Ok(())
    }
}

/// Checks that the confirmation repeats the new password.
pub fn check_confirmation(password: &str, confirmation: &str) -> Result<(), String> {
    if password == confirmation {
        Ok(())
    } else {
        Err("The two passwords do not match. Type the new password again.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(check_length("ééééééé").is_err(), "7 characters, 14 bytes");
        assert!(check_length("éééééééé").is_ok());
        assert!(check_length(&"x".repeat(128)).is_ok());
        assert_eq!(
            check_length(&"x".repeat(129)).unwrap_err(),
            "Use at most 128 characters (129 entered)."
        );
        assert_eq!(
            check_length("short").unwrap_err(),
            "Use at least 8 characters (5 so far)."
        );
    }

    #[test]
    fn confirmation_must_match() {
        assert!(check_confirmation("a long password", "a long password").is_ok());
        assert!(check_confirmation("a long password", "a long passwort").is_err());
    }
}
