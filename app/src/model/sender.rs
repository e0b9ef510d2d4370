//! Sender addresses: an address that chosen mailboxes may send as (a shared `info@`, a
//! team's address), checked by the submission service.

use super::{
    alias::{parse_address_list, ListError},
    list::Page,
    time::UnixTime,
    EmailAddress,
};
use serde::{Deserialize, Serialize};

/// Most mailboxes one sender address may be given to.
pub const MAX_USERS: usize = 100;

/// The mailboxes typed into the form.
pub fn parse_users(input: &str) -> Result<Vec<EmailAddress>, String> {
    parse_address_list(input, MAX_USERS).map_err(|e| match e {
        ListError::Empty => "Enter at least one mailbox that may send as this address.".into(),
        ListError::TooMany => format!("At most {MAX_USERS} mailboxes may share a sender address."),
        ListError::Bad(reason) => reason,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SenderRow {
    pub id: i64,
    pub address: String,
    /// The mailboxes that may send as it.
    pub users: Vec<String>,
    pub created_at: UnixTime,
}

/// A domain's sender addresses, one page of those matching the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Senders {
    pub domain: String,
    pub page: Page<SenderRow>,
}
