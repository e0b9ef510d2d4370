//! A domain's filter settings; a domain without a row has the defaults.

use crate::backend::store::db::{self, Db};
use crate::model::{
    cidr::Cidr,
    digest::DigestEvery,
    filter_settings::{FilterSettings, Oversize, QuarantineReply},
    mailbox::Quota,
};

#[derive(sqlx::FromRow)]
struct Row {
    quarantine: bool,
    quarantine_days: i64,
    quarantine_reply: String,
    digest: String,
    skip_spf: bool,
    spf_exempt: String,
    skip_line_length: bool,
    subject_tag: String,
    size_limit: i64,
    oversize: String,
    blocked_extensions: String,
}

impl From<Row> for FilterSettings {
    fn from(r: Row) -> Self {
        let words =
            |text: &str| -> Vec<String> { text.split_whitespace().map(str::to_string).collect() };
        FilterSettings {
            quarantine: r.quarantine,
            quarantine_days: u32::try_from(r.quarantine_days).unwrap_or(1),
            quarantine_reply: if r.quarantine_reply == "accept" {
                QuarantineReply::Accept
            } else {
                QuarantineReply::Refuse
            },
            digest: DigestEvery::parse(&r.digest).unwrap_or_default(),
            skip_spf: r.skip_spf,
            spf_exempt: r
                .spf_exempt
                .split_whitespace()
                .filter_map(|ip| Cidr::parse(ip).ok().map(|p| p.cidr))
                .collect(),
            skip_line_length: r.skip_line_length,
            subject_tag: r.subject_tag,
            size_limit: Quota::from_bytes(r.size_limit),
            oversize: if r.oversize == "quarantine" {
                Oversize::Quarantine
            } else {
                Oversize::Refuse
            },
            blocked_extensions: words(&r.blocked_extensions),
        }
    }
}

pub async fn get(pool: &Db, domain_id: i64) -> Result<FilterSettings, sqlx::Error> {
    let row: Option<Row> = db::query_as(
        "SELECT quarantine, quarantine_days, quarantine_reply, digest, skip_spf, spf_exempt, \
         skip_line_length, subject_tag, size_limit, oversize, blocked_extensions \
         FROM filter_settings WHERE domain_id = $1",
    )
    .bind(domain_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(FilterSettings::from).unwrap_or_default())
}

/// Stores the domain's settings; `None` returns it to the defaults.
pub async fn set(
    pool: &Db,
    domain_id: i64,
    settings: Option<&FilterSettings>,
) -> Result<(), sqlx::Error> {
    let Some(s) = settings else {
        db::query("DELETE FROM filter_settings WHERE domain_id = $1")
            .bind(domain_id)
            .execute(pool)
            .await?;
        return Ok(());
    };
    let exempt: Vec<String> = s.spf_exempt.iter().map(ToString::to_string).collect();
    db::query(
        "INSERT INTO filter_settings (domain_id, quarantine, quarantine_days, quarantine_reply, \
         skip_spf, spf_exempt, skip_line_length, subject_tag, size_limit, oversize, blocked_extensions, \
         digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (domain_id) DO UPDATE SET quarantine = excluded.quarantine, \
         quarantine_days = excluded.quarantine_days, quarantine_reply = excluded.quarantine_reply, \
         skip_spf = excluded.skip_spf, spf_exempt = excluded.spf_exempt, \
         skip_line_length = excluded.skip_line_length, subject_tag = excluded.subject_tag, \
         size_limit = excluded.size_limit, oversize = excluded.oversize, \
         blocked_extensions = excluded.blocked_extensions, digest = excluded.digest",
    )
    .bind(domain_id)
    .bind(s.quarantine)
    .bind(i64::from(s.quarantine_days))
    .bind(match s.quarantine_reply {
        QuarantineReply::Accept => "accept",
        QuarantineReply::Refuse => "refuse",
    })
    .bind(s.skip_spf)
    .bind(exempt.join(" "))
    .bind(s.skip_line_length)
    .bind(&s.subject_tag)
    .bind(s.size_limit.bytes() as i64)
    .bind(match s.oversize {
        Oversize::Quarantine => "quarantine",
        Oversize::Refuse => "refuse",
    })
    .bind(s.blocked_extensions.join(" "))
    .bind(s.digest.as_str())
    .execute(pool)
    .await?;
    Ok(())
}
