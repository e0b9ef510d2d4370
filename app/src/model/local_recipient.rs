//! Local recipients: a fixed list of the addresses a domain takes mail for when the mail is
//! relayed (a relay domain, or SDR for addresses without a mailbox here), so that an unknown
//! address is refused at RCPT rather than bounced later by the next server.

use super::{list::Page, route::DomainKind, time::UnixTime, DomainName, EmailAddress};
use serde::{Deserialize, Serialize};

/// An address of `domain` as typed: `alice` or `alice@example.org`.
pub fn parse_recipient(input: &str, domain: &DomainName) -> Result<EmailAddress, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("Enter an address, or the part before the @.".into());
    }
    let full = if input.contains('@') {
        input.to_string()
    } else {
        format!("{input}@{domain}")
    };
    let address = EmailAddress::parse(&full)?;
    if address.domain() != *domain {
        return Err(format!("{address} is not an address of {domain}."));
    }
    Ok(address)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LocalRecipientRow {
    pub id: i64,
    pub address: String,
    pub created_at: UnixTime,
}

/// A domain's local recipients, one page of those matching the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LocalRecipients {
    pub domain: String,
    pub kind: DomainKind,
    /// The domain relays addresses without a mailbox here (SDR).
    pub sdr: bool,
    /// Relayed recipients are checked with the destination (recipient callouts).
    pub callouts: bool,
    /// Callout answers kept.
    pub cached: i64,
    pub page: Page<LocalRecipientRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_addresses_of_the_domain() {
        let d = DomainName::parse("example.org").unwrap();
        assert_eq!(
            parse_recipient(" Alice ", &d).unwrap().as_str(),
            "alice@example.org"
        );
        assert_eq!(
            parse_recipient("bob@EXAMPLE.org", &d).unwrap().as_str(),
            "bob@example.org"
        );
        assert!(parse_recipient("bob@other.example", &d)
            .unwrap_err()
            .contains("not an address of"));
        assert!(parse_recipient("", &d).is_err());
        assert!(parse_recipient("a b", &d).is_err());
    }
}
