//! Whose mail a reader of the mail screens sees: a master admin every domain's, a domain
//! admin their domains' (and their domain aliases'), a mail user what was addressed to them.

use sqlx::{QueryBuilder, Sqlite};

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

/// Pushes a subquery for the ids of the domains in `ids` (a JSON array, as `params` gives
/// it) and of their domain aliases.
pub(super) fn push_domain_ids(b: &mut QueryBuilder<'_, Sqlite>, ids: &str) {
    b.push("(SELECT id FROM domains WHERE id IN (SELECT value FROM json_each(")
        .push_bind(ids.to_string())
        .push(")) OR alias_of IN (SELECT value FROM json_each(")
        .push_bind(ids.to_string())
        .push(")))");
}

/// Pushes a test that the domain part of the address in `column` is one of the domains in
/// `ids` or their aliases: for rows that carry no domain id.
pub(super) fn push_address_in(b: &mut QueryBuilder<'_, Sqlite>, column: &str, ids: &str) {
    b.push(format!(
        "substr({column}, instr({column}, '@') + 1) IN (SELECT name FROM domains WHERE id IN "
    ));
    push_domain_ids(b, ids);
    b.push(")");
}
