//! Whose mail a reader of the mail screens sees: a master admin every domain's, a domain
//! admin their domains' (and their domain aliases'), a mail user what was addressed to them.

/// Whose mail a query reads (the quarantine, the incoming log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// Every domain's (a master admin).
    All,
    /// These domains' and their domain aliases' (a domain admin).
    Domains(Vec<i64>),
    /// The mail addressed to this mailbox (a mail user).
    Address(String),
}

impl Reader {
    /// The three query parameters every scoped query binds: everything, domain ids as a
    /// JSON array, the address.
    pub(super) fn params(&self) -> (bool, Option<String>, Option<&str>) {
        match self {
            Reader::All => (true, None, None),
            Reader::Domains(ids) => (false, serde_json::to_string(ids).ok(), None),
            Reader::Address(a) => (false, None, Some(a.as_str())),
        }
    }

    /// The address a mail user acts for; `None` for admins, who act for every recipient.
    pub fn address(&self) -> Option<&str> {
        match self {
            Reader::Address(a) => Some(a),
            _ => None,
        }
    }
}
