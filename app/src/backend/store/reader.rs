//! Whose mail a reader of the mail screens sees: a master admin every domain's, a domain
//! admin their domains' (and their domain aliases'), a mail user what was addressed to them.

use crate::backend::store::db::Builder;
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
    /// What every scoped query looks at: everything, the domain ids, the address.
    pub(super) fn params(&self) -> (bool, Option<&[i64]>, Option<&str>) {
        match self {
            Reader::All => (true, None, None),
            Reader::Domains(ids) => (false, Some(ids.as_slice()), None),
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

/// Pushes a subquery for the ids of the domains in `ids` and of their domain aliases.
pub(super) fn push_domain_ids(b: &mut Builder<'_>, ids: &[i64]) {
    b.push("(SELECT id FROM domains WHERE id IN ")
        .push_ids(ids)
        .push(" OR alias_of IN ")
        .push_ids(ids)
        .push(")");
}

/// Pushes a test that the address in `column` ends in `@` and one of the domains in `ids`
/// or their aliases: for rows that carry no domain id. (Comparing the suffix needs no
/// `instr`, which PostgreSQL lacks, nor `strpos`, which SQLite lacks.)
pub(super) fn push_address_in(b: &mut Builder<'_>, column: &str, ids: &[i64]) {
    b.push("EXISTS (SELECT 1 FROM domains dn WHERE dn.id IN ");
    push_domain_ids(b, ids);
    b.push(format!(
        " AND substr({column}, length({column}) - length(dn.name)) = '@' || dn.name)"
    ));
}
