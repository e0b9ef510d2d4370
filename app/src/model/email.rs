//! Email addresses and domain names, validated the same way in the browser and on the server.
//!
//! The rules are those of a mailbox a mail host would create (RFC 5321 dot-atom local part,
//! LDH domain labels), not every form RFC 5322 allows: quoted local parts and address
//! literals are refused on purpose, they only serve to smuggle routing through a relay.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A domain name in lower case: at least two LDH labels, at most 253 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainName(String);

/// A mailbox address `local@domain`, lower-cased (mail hosts treat `USER@` and `user@` alike).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct EmailAddress(String);

impl DomainName {
    /// Parses a name as typed: international labels (`bücher.example`) become their
    /// punycode form (`xn--bcher-kva.example`), which is what DNS and SMTP carry.
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = to_ascii(input.trim().trim_end_matches('.'))?;
        if name.is_empty() {
            return Err("Enter a domain name, for example example.org.".into());
        }
        if name.len() > 253 {
            return Err("A domain name has at most 253 characters.".into());
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2 {
            return Err(format!("\"{name}\" needs a dot, for example {name}.org."));
        }
        for label in &labels {
            if label.is_empty() {
                return Err("A domain name cannot contain two dots in a row.".into());
            }
            if label.len() > 63 {
                return Err("Each part of a domain name has at most 63 characters.".into());
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(
                    "A domain name may contain only letters, digits, hyphens and dots.".into(),
                );
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err("A part of a domain name cannot start or end with a hyphen.".into());
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(
                "A domain name cannot end in a number; IP addresses are not domains.".into(),
            );
        }
        Ok(DomainName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as people read it: punycode labels decoded (`bücher.example`).
    pub fn to_unicode(&self) -> String {
        self.0
            .split('.')
            .map(|label| {
                label
                    .strip_prefix("xn--")
                    .and_then(idna::punycode::decode_to_string)
                    .unwrap_or_else(|| label.to_string())
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Lower-cases a name and encodes each label that is not ASCII in punycode (RFC 3492).
/// Labels are lower-cased with Unicode's rules; the full UTS #46 mapping (width folding,
/// normalisation) is not applied, so a label must be typed in its usual composed form.
fn to_ascii(name: &str) -> Result<String, String> {
    if name.is_ascii() {
        return Ok(name.to_ascii_lowercase());
    }
    let labels = name.split('.').map(|label| {
        if label.is_ascii() {
            return Ok(label.to_ascii_lowercase());
        }
        let lower: String = label.chars().flat_map(char::to_lowercase).collect();
        if !lower.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err(format!(
                "\"{label}\" may contain only letters, digits and hyphens."
            ));
        }
        idna::punycode::encode_str(&lower)
            .map(|encoded| format!("xn--{encoded}"))
            .ok_or_else(|| format!("\"{label}\" cannot be written as a domain name."))
    });
    Ok(labels.collect::<Result<Vec<_>, _>>()?.join("."))
}

/// Characters RFC 5322 allows in a dot-atom besides letters and digits, less `%` and `!`:
/// those are old source-routing syntax (`user%host@relay`, `host!user`) that relays still
/// honour, so no address here may carry them.
pub const ATEXT_SPECIALS: &str = "#$&'*+-/=?^_`{|}~";

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, String> {
        let address = input.trim();
        if address.is_empty() {
            return Err("Enter an email address, for example name@example.org.".into());
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err("An email address needs an @, for example name@example.org.".into());
        };
        if local.is_empty() {
            return Err("Enter the part before the @.".into());
        }
        if local.len() > 64 {
            return Err("The part before the @ has at most 64 characters.".into());
        }
        let atext = |c: char| c.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(c);
        if !local.chars().all(|c| atext(c) || c == '.') {
            return Err(
                "The part before the @ may contain letters, digits, dots and \
                 #$&'*+-/=?^_`{|}~ only."
                    .into(),
            );
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(
                "The part before the @ cannot start or end with a dot or have two in a row.".into(),
            );
        }
        if domain.ends_with('.') {
            return Err("Remove the dot at the end of the address.".into());
        }
        let domain = DomainName::parse(domain)?;
        let address = format!("{}@{}", local.to_ascii_lowercase(), domain.as_str());
        if address.len() > 254 {
            return Err("An email address has at most 254 characters.".into());
        }
        Ok(EmailAddress(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or_default()
    }

    pub fn domain(&self) -> DomainName {
        DomainName(
            self.0
                .rsplit_once('@')
                .map(|(_, d)| d)
                .unwrap_or_default()
                .to_string(),
        )
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An envelope sender as the screens and the audit log write it: `<>` for the null sender
/// of a bounce.
pub fn printable_sender(sender: &str) -> &str {
    if sender.is_empty() {
        "<>"
    } else {
        sender
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_lower_cased_and_trimmed() {
        let a = EmailAddress::parse("  Alice.Smith@Example.ORG ").unwrap();
        assert_eq!(a.as_str(), "alice.smith@example.org");
        assert_eq!(a.local_part(), "alice.smith");
        assert_eq!(a.domain().as_str(), "example.org");
    }

    #[test]
    fn routing_tricks_are_refused() {
        for bad in [
            "user%external.test@our.test",
            "\"user@external.test\"@our.test",
            "@our.test:user@external.test",
            "external.test!user@our.test",
            "user@[192.0.2.1]",
            "user@external.test.",
            "user@localhost",
            "a..b@example.org",
            ".a@example.org",
            "a@-example.org",
            "a@example.123",
            "a b@example.org",
            "a@exa_mple.org",
            "",
            "nobody",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn reasons_say_what_to_do() {
        assert_eq!(
            EmailAddress::parse("nobody").unwrap_err(),
            "An email address needs an @, for example name@example.org."
        );
        assert!(DomainName::parse("example")
            .unwrap_err()
            .contains("needs a dot"));
    }

    #[test]
    fn international_names_become_punycode() {
        let d = DomainName::parse("Bücher.Example").unwrap();
        assert_eq!(d.as_str(), "xn--bcher-kva.example");
        assert_eq!(d.to_unicode(), "bücher.example");
        let a = EmailAddress::parse("Info@MÜNCHEN.de").unwrap();
        assert_eq!(a.as_str(), "info@xn--mnchen-3ya.de");
        assert_eq!(DomainName::parse("xn--bcher-kva.example").unwrap(), d);
        assert!(DomainName::parse("bü cher.example").is_err());
        assert!(DomainName::parse("bü☃.example").is_err());
        assert!(EmailAddress::parse("jösé@example.org").is_err());
    }

    #[test]
    fn lengths_are_bounded() {
        let long_local = format!("{}@example.org", "a".repeat(65));
        assert!(EmailAddress::parse(&long_local).is_err());
        let label = "a".repeat(63);
        let long_domain = format!("{label}.{label}.{label}.{label}.org");
        assert!(DomainName::parse(&long_domain).is_err());
        assert!(DomainName::parse(&format!("{}.org", "a".repeat(64))).is_err());
    }
}
