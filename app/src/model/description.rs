//! The description a list entry carries: why an address or network is there. One rule for
//! the lists that ask for one, run in the browser and on the server alike.

/// The shortest description taken: "ok" says something, "." does not.
pub const MIN_DESCRIPTION: usize = 2;
pub const MAX_DESCRIPTION: usize = 200;

/// `text`, trimmed: one line of `MIN_DESCRIPTION` to `MAX_DESCRIPTION` characters. `ask`
/// is what a too-short one is told, e.g. "Say why you trust this IP".
pub fn check(text: &str, ask: &str) -> Result<String, String> {
    let text = text.trim();
    let length = text.chars().count();
    if length < MIN_DESCRIPTION {
        return Err(format!("{ask}, in at least {MIN_DESCRIPTION} characters."));
    }
    if length > MAX_DESCRIPTION || text.chars().any(char::is_control) {
        return Err(format!(
            "Keep the description to one line of at most {MAX_DESCRIPTION} characters."
        ));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_of_two_to_two_hundred_characters() {
        assert_eq!(check("  VPN exit  ", "Say why").unwrap(), "VPN exit");
        assert_eq!(
            check("x", "Say why").unwrap_err(),
            "Say why, in at least 2 characters."
        );
        assert!(check(&"é".repeat(200), "Say why").is_ok());
        assert!(check(&"é".repeat(201), "Say why")
            .unwrap_err()
            .contains("at most 200"));
        assert!(check("office\nand home", "Say why")
            .unwrap_err()
            .contains("one line"));
    }
}
