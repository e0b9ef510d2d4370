//! Domain ownership proof: the TXT record a domain publishes.

/// What the TXT record's text starts with.
pub const VERIFICATION_PREFIX: &str = "mailportal-verification=";

/// The TXT record's text for a token.
pub fn verification_record(token: &str) -> String {
    format!("{VERIFICATION_PREFIX}{token}")
}

/// True when one of a name's TXT texts is the record for `token` (surrounding spaces and
/// the prefix's case forgiven: DNS consoles differ in what they keep).
pub fn proves(texts: &[String], token: &str) -> bool {
    texts.iter().any(|t| {
        let t = t.trim();
        t.len() == VERIFICATION_PREFIX.len() + token.len()
            && t[..VERIFICATION_PREFIX.len()].eq_ignore_ascii_case(VERIFICATION_PREFIX)
            && t[VERIFICATION_PREFIX.len()..] == *token
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_proves_the_domain() {
        let texts = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(proves(
            &texts(&["v=spf1 -all", "mailportal-verification=abc"]),
            "abc"
        ));
        assert!(proves(&texts(&[" Mailportal-Verification=abc "]), "abc"));
        assert!(!proves(&texts(&["mailportal-verification=abcd"]), "abc"));
        assert!(!proves(&texts(&["mailportal-verification=ABC"]), "abc"));
        assert!(!proves(&texts(&["abc"]), "abc"));
        assert!(!proves(&[], "abc"));
        assert!(!proves(&texts(&["mailportal-verification=é"]), "ab"));
    }
}
