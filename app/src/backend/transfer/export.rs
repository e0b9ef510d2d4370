//! Writing a list as CSV: a header row with the dataset's columns, one row per entry,
//! UTF-8 with a byte-order mark (so that spreadsheets read accents right), and every cell
//! that a spreadsheet would run as a formula neutralised.

use super::Owner;
use crate::{
    backend::{
        auth::ctx::DomainAdminCtx,
        store::{self, transfer as rows},
        Backend,
    },
    error::AppError,
    model::{
        mailbox::{format_size, Quota},
        route::DomainKind,
        rows::DomainRow,
        time::{format_utc, UnixTime},
        transfer::{neutralise, Dataset},
    },
};

/// A file to download.
pub struct CsvFile {
    pub name: String,
    pub text: String,
}

pub async fn export(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    dataset: Dataset,
    domain_id: Option<i64>,
    now: UnixTime,
) -> Result<CsvFile, AppError> {
    let owner = Owner::checked(backend, ctx, dataset, domain_id, "export", now).await?;
    let lines = lines(backend, dataset, &owner).await?;
    let mut out = csv::Writer::from_writer(vec![]);
    let header = dataset.columns().iter().map(|c| c.0);
    out.write_record(header).map_err(internal)?;
    for line in &lines {
        out.write_record(line.iter().map(|c| neutralise(c)))
            .map_err(internal)?;
    }
    let bytes = out.into_inner().map_err(|e| internal(e.into_error()))?;
    let text = String::from_utf8(bytes).map_err(|_| AppError::Internal)?;
    let day = &format_utc(now)[..10];
    Ok(CsvFile {
        name: format!("{}-{}-{day}.csv", dataset.slug(), owner.name()),
        text: format!("\u{feff}{text}"),
    })
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!("writing CSV: {e}");
    AppError::Internal
}

/// The rows' cells in the dataset's column order.
async fn lines(
    backend: &Backend,
    dataset: Dataset,
    owner: &Owner,
) -> Result<Vec<Vec<String>>, AppError> {
    let pool = &backend.pool;
    let domain_id = owner.domain_id().unwrap_or_default();
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    Ok(match dataset {
        Dataset::Mailboxes => rows::mailboxes(pool, domain_id)
            .await?
            .into_iter()
            .map(|m| {
                vec![
                    m.email,
                    m.display_name,
                    Quota::from_bytes(m.quota_bytes).exact(),
                    yes_no(m.enabled),
                    String::new(),
                    format_size(m.used_bytes.max(0) as u64),
                ]
            })
            .collect(),
        Dataset::Aliases => pairs(rows::aliases(pool, domain_id).await?),
        Dataset::Senders => pairs(rows::senders(pool, domain_id).await?),
        Dataset::DomainAliases => {
            tokened(backend, store::domains::aliases_of(pool, domain_id).await?)
                .await?
                .into_iter()
                .map(|d| {
                    let record = d.verification_record().unwrap_or_default();
                    vec![d.name, yes_no(d.verified_at.is_some()), record]
                })
                .collect()
        }
        Dataset::Domains | Dataset::RelayDomains => {
            let mut out = Vec::new();
            let mut all = store::domains::list_all(pool).await?;
            if dataset == Dataset::RelayDomains {
                all.retain(|d| d.kind == DomainKind::Relay);
            }
            for d in tokened(backend, all).await? {
                // Only relay domains have routes.
                let routes = match d.kind {
                    DomainKind::Relay => store::routes::list(pool, d.id)
                        .await?
                        .into_iter()
                        .map(|r| r.destination)
                        .collect::<Vec<_>>()
                        .join(" "),
                    _ => String::new(),
                };
                let record = d.verification_record().unwrap_or_default();
                out.push(vec![
                    d.name,
                    d.kind.as_str().to_string(),
                    routes,
                    d.alias_of.unwrap_or_default(),
                    yes_no(d.verified_at.is_some()),
                    record,
                ]);
            }
            out
        }
        Dataset::LocalRecipients => store::local_recipients::all(pool, domain_id)
            .await?
            .into_iter()
            .map(|a| vec![a])
            .collect(),
        Dataset::SenderLists | Dataset::GlobalSenderLists => {
            store::sender_lists::all(pool, owner.domain_id())
                .await?
                .into_iter()
                .map(|e| {
                    // Stored as the end of the last day; written as that day.
                    let expires = e
                        .expires_at
                        .map(|at| format_utc(at - 1)[..10].to_string())
                        .unwrap_or_default();
                    let last = e.last_hit_at.map(format_utc).unwrap_or_default();
                    vec![
                        e.sender,
                        e.list.as_str().to_string(),
                        e.description,
                        expires,
                        e.added_by,
                        e.hits.to_string(),
                        last,
                    ]
                })
                .collect()
        }
    })
}

/// The rows, each with its verification token (the record the file shows).
async fn tokened(backend: &Backend, mut rows: Vec<DomainRow>) -> Result<Vec<DomainRow>, AppError> {
    crate::backend::domains::with_tokens(backend, &mut rows).await?;
    Ok(rows)
}

fn pairs(rows: Vec<(String, String)>) -> Vec<Vec<String>> {
    rows.into_iter().map(|(a, b)| vec![a, b]).collect()
}
