//! CSV import and export: which lists can be moved in and out, their columns, and what an
//! import reports. The files are for spreadsheets, so cells that a spreadsheet would run
//! as a formula are written with a leading apostrophe and read back without it.

use serde::{Deserialize, Serialize};

/// The largest file an import reads, and the most rows: a bigger move is split in parts.
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;
pub const MAX_IMPORT_ROWS: usize = 1000;

/// A list that can be exported and imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Dataset {
    Mailboxes,
    Aliases,
    Senders,
    DomainAliases,
    /// Every domain (hosted, relayed and aliases); master admins only.
    Domains,
    /// The relay domains and their routes; master admins only.
    RelayDomains,
    /// A domain's antispam whitelist and blacklist entries.
    SenderLists,
    /// The global ones; master admins only.
    GlobalSenderLists,
    /// The addresses a domain's relayed mail is taken for.
    LocalRecipients,
}

/// How a column is used by an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Names the row; every file has it.
    Key,
    /// Read when present; left out, a new row takes the default and an existing one keeps
    /// its value.
    Optional,
    /// Written for the reader's information, ignored by an import.
    Info,
}

impl Dataset {
    pub const ALL: [Dataset; 9] = [
        Dataset::Mailboxes,
        Dataset::Aliases,
        Dataset::Senders,
        Dataset::DomainAliases,
        Dataset::Domains,
        Dataset::RelayDomains,
        Dataset::SenderLists,
        Dataset::GlobalSenderLists,
        Dataset::LocalRecipients,
    ];

    /// The name in addresses and file names.
    pub fn slug(self) -> &'static str {
        match self {
            Dataset::Mailboxes => "mailboxes",
            Dataset::Aliases => "aliases",
            Dataset::Senders => "sender-addresses",
            Dataset::DomainAliases => "domain-aliases",
            Dataset::Domains => "domains",
            Dataset::RelayDomains => "relay-domains",
            Dataset::SenderLists => "sender-lists",
            Dataset::GlobalSenderLists => "global-sender-lists",
            Dataset::LocalRecipients => "local-recipients",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.slug() == slug)
    }

    /// "mailboxes", as a sentence names them.
    pub fn label(self) -> &'static str {
        match self {
            Dataset::Senders => "sender addresses",
            Dataset::DomainAliases => "domain aliases",
            Dataset::RelayDomains => "relay domains",
            Dataset::SenderLists => "sender list entries",
            Dataset::GlobalSenderLists => "global sender list entries",
            Dataset::LocalRecipients => "local recipients",
            other => other.slug(),
        }
    }

    /// True for the lists of one domain; the others are the host's (master admins).
    pub fn per_domain(self) -> bool {
        !matches!(
            self,
            Dataset::Domains | Dataset::RelayDomains | Dataset::GlobalSenderLists
        )
    }

    /// The columns, in the order an export writes them.
    pub fn columns(self) -> &'static [(&'static str, Column)] {
        use Column::*;
        match self {
            Dataset::Mailboxes => &[
                ("address", Key),
                ("display_name", Optional),
                ("quota", Optional),
                ("enabled", Optional),
                ("password", Optional),
                ("used", Info),
            ],
            Dataset::Aliases => &[("address", Key), ("recipients", Optional)],
            Dataset::Senders => &[("address", Key), ("users", Optional)],
            Dataset::DomainAliases => &[
                ("alias", Key),
                ("verified", Info),
                ("verification_record", Info),
            ],
            Dataset::Domains | Dataset::RelayDomains => &[
                ("domain", Key),
                ("kind", Optional),
                ("routes", Optional),
                ("alias_of", Optional),
                ("verified", Info),
                ("verification_record", Info),
            ],
            Dataset::SenderLists | Dataset::GlobalSenderLists => &[
                ("sender", Key),
                ("list", Optional),
                ("description", Optional),
                ("expires", Optional),
                ("added_by", Info),
                ("matched", Info),
                ("last_match", Info),
            ],
            Dataset::LocalRecipients => &[("address", Key)],
        }
    }

    /// What the screen says the columns mean.
    pub fn help(self) -> &'static str {
        match self {
            Dataset::Mailboxes => {
                "Columns: address, display_name, quota (like 2 GB; empty for no limit), enabled \
                 (yes or no), password (needed for a new mailbox; for an existing one, a new \
                 password that signs it out everywhere). The used column is ignored."
            }
            Dataset::Aliases => {
                "Columns: address (@domain for the catch-all), recipients (addresses separated \
                 by commas; they replace an existing alias's recipients)."
            }
            Dataset::Senders => {
                "Columns: address, users (the mailboxes that may send as it, separated by commas)."
            }
            Dataset::DomainAliases => {
                "Column: alias. New aliases are unverified until their TXT record is found."
            }
            Dataset::Domains | Dataset::RelayDomains => {
                "Columns: domain, kind (hosted, relay or alias), routes (a relay domain's \
                 servers in order, separated by spaces; they replace its routes), alias_of (an \
                 alias's main domain). New domains are unverified until their TXT record is found."
            }
            Dataset::SenderLists | Dataset::GlobalSenderLists => {
                "Columns: sender (an address, a domain, or an IP address or range), list \
                 (whitelist or blacklist; blacklist when left out), description, expires (the \
                 last day, like 2027-01-31; empty for no end). The other columns are ignored."
            }
            Dataset::LocalRecipients => {
                "Column: address (alice or alice@ the domain). An import adds to the list."
            }
        }
    }
}

/// One row an import refused, numbered as a spreadsheet numbers it (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RowProblem {
    pub row: u64,
    pub reason: String,
}

/// What an import did: nothing at all when a row had a problem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ImportReport {
    /// One line per row added (its address and what it got).
    pub added: Vec<String>,
    pub changed: Vec<String>,
    /// Rows already as the file says.
    pub unchanged: usize,
    pub problems: Vec<RowProblem>,
}

impl ImportReport {
    pub fn applied(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as written to a file: one that a spreadsheet would run gets a leading `'`.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// A cell as read from a file: the apostrophe `neutralise` added is removed.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// "yes"/"no" as files write it; also reads true/false, 1/0, on/off; empty is `None`.
pub fn parse_yes_no(cell: &str) -> Result<Option<bool>, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "on" => Ok(Some(true)),
        "no" | "n" | "false" | "0" | "off" => Ok(Some(false)),
        _ => Err(format!("“{}” is not yes or no.", cell.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back() {
        for cell in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-2",
            "@example.test",
            "\tx",
            "'quoted",
        ] {
            let written = neutralise(cell);
            assert!(
                !written.starts_with(['=', '+', '-', '@', '\t']),
                "{written}"
            );
            assert_eq!(restore(&written), cell);
        }
        assert_eq!(neutralise("alice@example.test"), "alice@example.test");
        // An apostrophe a person typed before ordinary text stays.
        assert_eq!(restore("'hello"), "'hello");
    }

    #[test]
    fn datasets_round_trip_their_names_and_have_one_key() {
        for d in Dataset::ALL {
            assert_eq!(Dataset::from_slug(d.slug()), Some(d));
            let keys = d.columns().iter().filter(|c| c.1 == Column::Key).count();
            assert_eq!(keys, 1, "{d:?}");
            assert_eq!(d.columns()[0].1, Column::Key);
        }
        assert_eq!(Dataset::from_slug("accounts"), None);
    }

    #[test]
    fn yes_and_no_are_read_liberally() {
        assert_eq!(parse_yes_no(" Yes "), Ok(Some(true)));
        assert_eq!(parse_yes_no("0"), Ok(Some(false)));
        assert_eq!(parse_yes_no(""), Ok(None));
        assert!(parse_yes_no("maybe").is_err());
    }
}
