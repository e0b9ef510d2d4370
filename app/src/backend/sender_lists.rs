//! The Sender lists screens: a domain's whitelist and blacklist, and the global ones a
//! master admin keeps. (The pipeline's side is `mail::lists`.)

use super::{
    auth::ctx::{DomainAdminCtx, DomainScope},
    store::{self, audit::AuditAction, sender_lists::NewEntry},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        list::{like_pattern, page_number, Page},
        route::DomainKind,
        rows::DomainRow,
        sender_list::{check_description, parse_expiry, List, Sender, SenderLists},
        time::UnixTime,
    },
};

/// Whose lists: a domain the caller administers, or (`None`) the global ones, which only a
/// master admin may touch.
pub async fn owner(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: Option<i64>,
    what: &str,
    now: UnixTime,
) -> Result<Option<DomainRow>, AppError> {
    let Some(id) = domain_id else {
        if ctx.scope != DomainScope::All {
            let what = format!("{what} the global sender lists");
            return Err(ctx.user.deny(backend, &what, now).await);
        }
        return Ok(None);
    };
    let what = format!("{what} the sender lists");
    let domain = super::antispam::mail_domain(backend, ctx, id, &what, now).await?;
    Ok(Some(domain))
}

/// "example.test" or "global", as the audit log names an owner.
pub fn owner_name(domain: &Option<DomainRow>) -> &str {
    domain.as_ref().map_or("global", |d| d.name.as_str())
}

pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: Option<i64>,
    search: &str,
    page: Option<i64>,
    now: UnixTime,
) -> Result<SenderLists, AppError> {
    let domain = owner(backend, ctx, domain_id, "see", now).await?;
    let page = page_number(page);
    let (rows, total) =
        store::sender_lists::page(&backend.pool, domain_id, &like_pattern(search), page).await?;
    Ok(SenderLists {
        kind: domain.as_ref().map_or(DomainKind::Hosted, |d| d.kind),
        domain: domain.map(|d| d.name),
        page: Page { rows, total, page },
        now,
    })
}

/// The add form as sent.
pub struct EntryForm<'a> {
    pub list: &'a str,
    pub sender: &'a str,
    pub description: &'a str,
    pub expires: &'a str,
    /// The author confirmed that a `/0` range (every address) is meant.
    pub everything: bool,
}

/// A checked entry: what the form and an import row both produce.
pub struct Checked {
    pub list: List,
    pub sender: Sender,
    pub description: String,
    pub expires_at: Option<UnixTime>,
    /// What was saved in another spelling, for the author.
    pub note: Option<String>,
}

/// Checks a form or an import row; errors name the form's fields.
pub fn check(form: &EntryForm<'_>, now: UnixTime) -> Result<Checked, AppError> {
    let list = List::parse(form.list).map_err(|r| AppError::invalid("list", r))?;
    let parsed = Sender::parse(form.sender).map_err(|r| AppError::invalid("sender", r))?;
    if let Sender::Network(net) = &parsed.sender {
        if net.is_everything() && !form.everything {
            return Err(AppError::invalid(
                "sender",
                format!("{net} is every address there is. Tick “I mean every address” to list it anyway."),
            ));
        }
    }
    Ok(Checked {
        list,
        sender: parsed.sender,
        description: check_description(form.description)
            .map_err(|r| AppError::invalid("description", r))?,
        expires_at: parse_expiry(form.expires, now).map_err(|r| AppError::invalid("expires", r))?,
        note: parsed.note,
    })
}

/// Adds an entry; it judges the next message. Returns what was saved in another spelling,
/// when it was.
pub async fn add(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: Option<i64>,
    form: &EntryForm<'_>,
    now: UnixTime,
) -> Result<Option<String>, AppError> {
    let domain = owner(backend, ctx, domain_id, "add to", now).await?;
    let entry = check(form, now)?;
    let mut conn = backend.pool.acquire().await?;
    let new = NewEntry {
        domain_id,
        list: entry.list,
        sender: &entry.sender,
        description: &entry.description,
        added_by: &ctx.user.email,
        expires_at: entry.expires_at,
    };
    match store::sender_lists::insert(&mut conn.conn(), &new, now).await {
        Err(e) if store::is_unique_violation(&e) => {
            let on = store::sender_lists::find_sender(&mut conn.conn(), domain_id, &entry.sender)
                .await?
                .map_or(entry.list, |e| e.list);
            return Err(AppError::invalid(
                "sender",
                format!(
                    "{} is on the {} already. Delete it there first to list it again.",
                    entry.sender,
                    on.as_str()
                ),
            ));
        }
        other => other?,
    };
    drop(conn);
    let detail = entry_detail(owner_name(&domain), &entry);
    ctx.user
        .audit_in(
            backend,
            domain_id,
            AuditAction::SenderListEntryAdded,
            &detail,
            now,
        )
        .await?;
    Ok(entry.note)
}

/// The audit log's line: "example.test blacklist: 192.0.2.0/24 (spam run)".
pub fn entry_detail(owner: &str, entry: &Checked) -> String {
    let mut detail = format!("{owner} {}: {}", entry.list.as_str(), entry.sender);
    if !entry.description.is_empty() {
        detail.push_str(&format!(" ({})", entry.description));
    }
    detail
}

pub async fn delete(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let Some((domain_id, row)) = store::sender_lists::find(&backend.pool, id).await? else {
        return Err(AppError::NotFound);
    };
    let domain = owner(backend, ctx, domain_id, "delete from", now).await?;
    store::sender_lists::delete(&backend.pool, id).await?;
    let detail = format!(
        "{} {}: {}",
        owner_name(&domain),
        row.list.as_str(),
        row.sender
    );
    ctx.user
        .audit_in(
            backend,
            domain_id,
            AuditAction::SenderListEntryDeleted,
            &detail,
            now,
        )
        .await
}
